import type { MilvusClient, ResStatus } from '@zilliz/milvus2-sdk-node';
import { AliasNotFoundError, MilvusUnsupportedError } from '../errors';
import { hybridTimestampToMillis } from '../hybrid-timestamp';
import type { FingerprintSchema } from '../schema-fingerprint';
import { errorFromRejection, errorFromStatus, isSuccess, TOKEN_SECRET_HINT } from './milvus-status';

/** A collection in a database. */
export interface CollectionRef {
  readonly database: string;
  readonly collection: string;
}

/** What {@link MilvusGateway.describeSnapshot} returns. */
export interface SnapshotDescription {
  readonly name: string;
  readonly description: string;
  /** The raw hybrid timestamp, as Milvus sent it. */
  readonly createTs: string;
  /** Physical creation time (`create_ts >> 18`). */
  readonly createdAt: Date;
}

/** Restore job states as the SDK names them. */
export type RestoreState =
  | 'RestoreSnapshotNone'
  | 'RestoreSnapshotPending'
  | 'RestoreSnapshotExecuting'
  | 'RestoreSnapshotCompleted'
  | 'RestoreSnapshotFailed';

/** A restore job record. `startTime` and `timeCostMs` are numbers; Milvus sends them as strings. */
export interface RestoreJob {
  readonly jobId: string;
  readonly snapshotName: string;
  readonly database: string;
  /** The restore's target collection. */
  readonly collection: string;
  readonly state: RestoreState;
  readonly progress: number;
  readonly reason: string;
  readonly startTime: number;
  readonly timeCostMs: number;
}

/** A described index. */
export interface IndexSummary {
  readonly indexName: string;
  readonly fieldName: string;
  readonly indexType: string;
  readonly metricType: string;
}

/** A described collection, reduced to what the workflow uses. */
export interface CollectionSummary {
  /** Milvus' id of the collection (int64, as a string): what proves a collection is the one recorded. */
  readonly id: string;
  readonly schema: FingerprintSchema;
  readonly primaryField: string;
  readonly primaryIsString: boolean;
  readonly vectorFields: ReadonlyArray<{ readonly name: string; readonly dataType: string }>;
  /** The aliases that serve it (they follow it through a rename). */
  readonly aliases?: readonly string[];
}

/** One search hit. */
export interface SearchHit {
  readonly id: string;
  readonly score: number;
}

/**
 * The only door to Milvus. Every SDK call goes through {@link MilvusGateway.call}, which turns a
 * rejected promise (transport failure) or a failed status (the SDK resolves those) into a typed
 * error naming the operation. Callers never see a raw SDK response.
 *
 * There is no retry or sleep in here: waiting and retrying belong to the state machine.
 */
export class MilvusGateway {
  private readonly client: MilvusClient;
  private readonly secrets: readonly string[];
  private readonly credentialsHint: string;

  /**
   * @param client a connected SDK client (see milvus-connection.ts)
   * @param secrets values to scrub from any error text (the token)
   * @param credentialsHint what a refused-credentials error tells the reader to check
   */
  public constructor(
    client: MilvusClient,
    secrets: readonly string[] = [],
    credentialsHint: string = TOKEN_SECRET_HINT,
  ) {
    this.client = client;
    this.secrets = secrets;
    this.credentialsHint = credentialsHint;
  }

  /** Flushes a collection; returns the segment ids and flush timestamp to check completion with. */
  public async flush(ref: CollectionRef): Promise<{ segmentIds: string[]; flushTs: string }> {
    const res = await this.call(`flush ${name(ref)}`, () =>
      this.client.flush({ collection_names: [ref.collection], db_name: ref.database }),
    );
    const segs = (res.coll_segIDs as Record<string, { data?: Array<string | number> }> | undefined)?.[
      ref.collection
    ];
    const flushTs = (res as { coll_flush_ts?: Record<string, string | number> }).coll_flush_ts?.[
      ref.collection
    ];
    return { segmentIds: (segs?.data ?? []).map(String), flushTs: String(flushTs ?? '0') };
  }

  /** Whether the segments of a flush are all persisted. */
  public async isFlushed(
    ref: CollectionRef,
    segmentIds: readonly string[],
    flushTs: string,
  ): Promise<boolean> {
    const res = await this.call(`check flush state of ${name(ref)}`, () =>
      this.client.getFlushState({
        // Segment ids and the flush timestamp exceed 2^53: Number() would corrupt them. The SDK
        // types them as numbers but sends decimal strings through untouched (its flushSync does so).
        segmentIDs: [...segmentIds] as unknown as number[],
        flush_ts: flushTs as unknown as number,
        db_name: ref.database,
        collection_name: ref.collection,
      }),
    );
    return res.flushed === true;
  }

  /** Rows in the collection's flushed segments (GetCollectionStatistics `row_count`). */
  public async flushedRowCount(ref: CollectionRef): Promise<number> {
    const res = await this.call(`read statistics of ${name(ref)}`, () =>
      this.client.getCollectionStatistics({ collection_name: ref.collection, db_name: ref.database }),
    );
    const fromStats = res.stats?.find((s) => s.key === 'row_count')?.value;
    const raw = fromStats ?? (res.data as { row_count?: unknown } | undefined)?.row_count ?? 0;
    return Number(raw);
  }

  /** Whether the collection exists. */
  public async hasCollection(ref: CollectionRef): Promise<boolean> {
    const res = await this.call(`look up ${name(ref)}`, () =>
      this.client.hasCollection({ collection_name: ref.collection, db_name: ref.database }),
    );
    return Boolean(res.value);
  }

  /** The databases the token may see, in Milvus' order (none in particular). */
  public async listDatabases(): Promise<string[]> {
    const res = await this.call('list databases', () => this.client.listDatabases());
    return [...res.db_names];
  }

  /** The collection names of a database. */
  public async listCollections(database: string): Promise<string[]> {
    const res = await this.call(`list collections of database ${database}`, () =>
      this.client.showCollections({ db_name: database }),
    );
    return res.data.map((c) => c.name);
  }

  /** The collection's schema and the fields the drill needs. */
  public async describeCollection(ref: CollectionRef): Promise<CollectionSummary> {
    const res = await this.call(`describe ${name(ref)}`, () =>
      this.client.describeCollection({ collection_name: ref.collection, db_name: ref.database }),
    );
    const fields = res.schema.fields;
    const primary = fields.find((f) => f.is_primary_key);
    return {
      id: String(res.collectionID ?? ''),
      schema: {
        enable_dynamic_field: res.schema.enable_dynamic_field,
        fields: fields.map((f) => ({
          name: f.name,
          data_type: f.data_type,
          is_primary_key: f.is_primary_key,
          autoID: f.autoID,
          is_partition_key: f.is_partition_key,
          nullable: f.nullable,
          element_type: f.element_type,
          type_params: f.type_params,
        })),
      },
      primaryField: primary?.name ?? 'id',
      primaryIsString: primary?.data_type === 'VarChar',
      vectorFields: fields
        .filter((f) => /Vector$/.test(String(f.data_type)))
        .map((f) => ({ name: f.name, dataType: String(f.data_type) })),
      aliases: res.aliases ?? [],
    };
  }

  /**
   * The collection's flushed segments: how many, and the rows they hold. `undefined` when Milvus
   * does not answer the call (it is an administrative one some managed services do not expose).
   */
  public async flushedSegments(ref: CollectionRef): Promise<{ count: number; rows: number } | undefined> {
    let res: Awaited<ReturnType<MilvusClient['getPersistentSegmentInfo']>>;
    try {
      res = await this.call(`list segments of ${name(ref)}`, () =>
        this.client.getPersistentSegmentInfo({ collectionName: ref.collection, dbName: ref.database }),
      );
    } catch (error) {
      if (error instanceof MilvusUnsupportedError) return undefined;
      throw error;
    }
    const flushed = res.infos.filter((i) => String(i.state) === 'Flushed' || String(i.state) === '3');
    return { count: flushed.length, rows: flushed.reduce((n, i) => n + Number(i.num_rows ?? 0), 0) };
  }

  /** Up to `limit` primary keys of a loaded collection, as strings. */
  public async sampleKeys(ref: CollectionRef, primaryField: string, limit: number): Promise<string[]> {
    const res = await this.call(`sample keys of ${name(ref)}`, () =>
      this.client.query({
        collection_name: ref.collection,
        db_name: ref.database,
        filter: '',
        output_fields: [primaryField],
        limit,
      }),
    );
    return res.data.map((row) => String(row[primaryField]));
  }

  /** Which of `keys` a loaded collection holds. */
  public async findKeys(
    ref: CollectionRef,
    primaryField: string,
    keys: readonly string[],
    primaryIsString: boolean,
  ): Promise<string[]> {
    if (keys.length === 0) return [];
    const literals = keys.map((k) => (primaryIsString ? JSON.stringify(k) : k));
    const res = await this.call(`look up sampled keys in ${name(ref)}`, () =>
      this.client.query({
        collection_name: ref.collection,
        db_name: ref.database,
        filter: `${primaryField} in [${literals.join(', ')}]`,
        output_fields: [primaryField],
        limit: keys.length,
      }),
    );
    return res.data.map((row) => String(row[primaryField]));
  }

  /** The collection's indexes (an empty list when it has none). */
  public async describeIndexes(ref: CollectionRef): Promise<IndexSummary[]> {
    const res = await this.client
      .describeIndex({ collection_name: ref.collection, db_name: ref.database })
      .catch((error: unknown) => {
        throw errorFromRejection(
          error,
          `describe indexes of ${name(ref)}`,
          this.secrets,
          this.credentialsHint,
        );
      });
    // Milvus answers "index not found" (code 700) for a collection without indexes: that is an answer.
    if (!isSuccess(res.status) && /index not (found|exist)/i.test(res.status.reason)) return [];
    this.check(res.status, `describe indexes of ${name(ref)}`);
    return res.index_descriptions.map((d) => {
      const param = (key: string) => String(d.params.find((p) => p.key === key)?.value ?? '');
      return {
        indexName: d.index_name,
        fieldName: d.field_name,
        indexType: param('index_type'),
        metricType: param('metric_type'),
      };
    });
  }

  /** Drops a collection. Callers must have proven the collection is theirs. */
  public async dropCollection(ref: CollectionRef): Promise<void> {
    await this.call(`drop collection ${name(ref)}`, () =>
      this.client.dropCollection({ collection_name: ref.collection, db_name: ref.database }),
    );
  }

  /** Starts loading a collection without waiting (the SDK's `loadCollection` polls with sleeps). */
  public async startLoad(ref: CollectionRef): Promise<void> {
    await this.call(`load ${name(ref)}`, () =>
      this.client.loadCollectionAsync({ collection_name: ref.collection, db_name: ref.database }),
    );
  }

  /** The load state name, e.g. `LoadStateLoaded`. */
  public async loadState(ref: CollectionRef): Promise<string> {
    const res = await this.call(`read load state of ${name(ref)}`, () =>
      this.client.getLoadState({ collection_name: ref.collection, db_name: ref.database }),
    );
    return String(res.state);
  }

  /** Releases a loaded collection. */
  public async release(ref: CollectionRef): Promise<void> {
    await this.call(`release ${name(ref)}`, () =>
      this.client.releaseCollection({ collection_name: ref.collection, db_name: ref.database }),
    );
  }

  /** `count(*)` over a loaded collection (honours deletes). */
  public async countRows(ref: CollectionRef): Promise<number> {
    const res = await this.call(`count rows of ${name(ref)}`, () =>
      this.client.query({
        collection_name: ref.collection,
        db_name: ref.database,
        output_fields: ['count(*)'],
      }),
    );
    return Number(res.data[0]?.['count(*)'] ?? 0);
  }

  /** Up to `limit` rows of a loaded collection with their primary key and one vector field. */
  public async sampleRows(
    ref: CollectionRef,
    primaryField: string,
    vectorField: string,
    limit: number,
  ): Promise<Array<{ id: string; vector: number[] }>> {
    const res = await this.call(`sample rows of ${name(ref)}`, () =>
      this.client.query({
        collection_name: ref.collection,
        db_name: ref.database,
        filter: '',
        output_fields: [primaryField, vectorField],
        limit,
      }),
    );
    return res.data.map((row) => ({
      id: String(row[primaryField]),
      vector: Array.from(row[vectorField] as ArrayLike<number>),
    }));
  }

  /** Nearest neighbours of one vector. */
  public async search(
    ref: CollectionRef,
    vectorField: string,
    vector: number[],
    limit: number,
  ): Promise<SearchHit[]> {
    const res = await this.call(`search ${name(ref)}`, () =>
      this.client.search({
        collection_name: ref.collection,
        db_name: ref.database,
        anns_field: vectorField,
        data: [vector],
        limit,
      }),
    );
    const hits = res.results as unknown as Array<{ id: string | number; score: number }>;
    return hits.map((h) => ({ id: String(h.id), score: h.score }));
  }

  /** The collection an alias points at, or `undefined` when there is no such alias. */
  public async describeAlias(database: string, alias: string): Promise<string | undefined> {
    try {
      const res = await this.call(`describe alias ${database}.${alias}`, () =>
        // The SDK insists on a collection_name the request does not have; the wire message is alias and db only.
        this.client.describeAlias({ alias, collection_name: alias, db_name: database }),
      );
      return res.collection || undefined;
    } catch (error) {
      if (error instanceof AliasNotFoundError) return undefined;
      throw error;
    }
  }

  /** Creates an alias of a collection. */
  public async createAlias(ref: CollectionRef, alias: string): Promise<void> {
    await this.call(`create alias ${ref.database}.${alias} of ${name(ref)}`, () =>
      this.client.createAlias({ alias, collection_name: ref.collection, db_name: ref.database }),
    );
  }

  /** Points an existing alias at another collection, in one step (readers never see no collection). */
  public async alterAlias(ref: CollectionRef, alias: string): Promise<void> {
    await this.call(`move alias ${ref.database}.${alias} to ${name(ref)}`, () =>
      this.client.alterAlias({ alias, collection_name: ref.collection, db_name: ref.database }),
    );
  }

  /** Renames a collection within its database. */
  public async renameCollection(ref: CollectionRef, newName: string): Promise<void> {
    await this.call(`rename ${name(ref)} to ${newName}`, () =>
      this.client.renameCollection({
        collection_name: ref.collection,
        new_collection_name: newName,
        db_name: ref.database,
      }),
    );
  }

  /** Creates a snapshot. A duplicate name answers {@link SnapshotAlreadyExistsError}. */
  public async createSnapshot(ref: CollectionRef, snapshotName: string, description: string): Promise<void> {
    await this.call(`create snapshot ${snapshotName} of ${name(ref)}`, () =>
      this.client.createSnapshot({
        collection_name: ref.collection,
        db_name: ref.database,
        snapshot_name: snapshotName,
        description,
      }),
    );
  }

  /** The names of the collection's snapshots, in no particular order. */
  public async listSnapshots(ref: CollectionRef): Promise<string[]> {
    const res = await this.call(`list snapshots of ${name(ref)}`, () =>
      this.client.listSnapshots({ collection_name: ref.collection, db_name: ref.database }),
    );
    return [...res.snapshots];
  }

  /** One snapshot's description and creation time. */
  public async describeSnapshot(ref: CollectionRef, snapshotName: string): Promise<SnapshotDescription> {
    const res = await this.call(`describe snapshot ${snapshotName} of ${name(ref)}`, () =>
      this.client.describeSnapshot({
        collection_name: ref.collection,
        db_name: ref.database,
        snapshot_name: snapshotName,
      }),
    );
    return {
      name: res.name || snapshotName,
      description: res.description ?? '',
      createTs: String(res.create_ts),
      createdAt: new Date(hybridTimestampToMillis(String(res.create_ts || '0'))),
    };
  }

  /** Drops a snapshot; dropping one that is already gone succeeds (Milvus is idempotent here). */
  public async dropSnapshot(ref: CollectionRef, snapshotName: string): Promise<void> {
    await this.call(`drop snapshot ${snapshotName} of ${name(ref)}`, () =>
      this.client.dropSnapshot({
        collection_name: ref.collection,
        db_name: ref.database,
        snapshot_name: snapshotName,
      }),
    );
  }

  /** Pins a snapshot's data for `ttlSeconds` (0 = until unpinned); returns the pin id. */
  public async pinSnapshot(ref: CollectionRef, snapshotName: string, ttlSeconds: number): Promise<string> {
    const res = await this.call(`pin snapshot ${snapshotName} of ${name(ref)}`, () =>
      this.client.pinSnapshotData({
        collection_name: ref.collection,
        db_name: ref.database,
        snapshot_name: snapshotName,
        ttl_seconds: ttlSeconds,
      }),
    );
    return String(res.pin_id);
  }

  /** Releases a pin; an unknown or expired pin is fine. */
  public async unpinSnapshot(pinId: string): Promise<void> {
    await this.call(`unpin snapshot data (pin ${pinId})`, () =>
      this.client.unpinSnapshotData({ pin_id: pinId }),
    );
  }

  /** Starts restoring a snapshot into a new collection of the same database; returns the job id. */
  public async restoreSnapshot(
    source: CollectionRef,
    snapshotName: string,
    targetCollection: string,
  ): Promise<string> {
    const res = await this.call(
      `restore snapshot ${snapshotName} of ${name(source)} into ${source.database}.${targetCollection}`,
      () =>
        this.client.restoreSnapshot({
          snapshot_name: snapshotName,
          source_collection_name: source.collection,
          source_db_name: source.database,
          target_collection_name: targetCollection,
          target_db_name: source.database,
        }),
    );
    return String(res.job_id);
  }

  /** The state of a restore job. */
  public async restoreState(jobId: string): Promise<RestoreJob> {
    const res = await this.call(`read state of restore job ${jobId}`, () =>
      this.client.getRestoreSnapshotState({ job_id: jobId }),
    );
    return toRestoreJob(res.info);
  }

  /** Restore jobs whose target is the given collection (Milvus filters on the target). */
  public async listRestoreJobs(target: CollectionRef): Promise<RestoreJob[]> {
    const res = await this.call(`list restore jobs of ${name(target)}`, () =>
      this.client.listRestoreSnapshotJobs({ collection_name: target.collection, db_name: target.database }),
    );
    return res.jobs.map(toRestoreJob);
  }

  /** Every restore job whose target is in the database (the jobs Milvus still lists, about 3 h after they end). */
  public async listDatabaseRestoreJobs(database: string): Promise<RestoreJob[]> {
    // db_name must be given: an empty one is filled with the connection's database.
    const res = await this.call(`list restore jobs of database ${database}`, () =>
      this.client.listRestoreSnapshotJobs({ db_name: database }),
    );
    return res.jobs.map(toRestoreJob);
  }

  /** Closes the underlying connection. */
  public async close(): Promise<void> {
    await this.client.closeConnection().catch(() => undefined);
  }

  /**
   * Runs one SDK call and returns its response once its status is a success; a rejection or a
   * failed status becomes a typed error that says what was being done.
   */
  private async call<T extends { status?: ResStatus } | ResStatus>(
    what: string,
    run: () => Promise<T>,
  ): Promise<T> {
    let res: T;
    try {
      res = await run();
    } catch (error) {
      throw errorFromRejection(error, what, this.secrets, this.credentialsHint);
    }
    const status = 'status' in res && res.status ? res.status : (res as ResStatus);
    if (status.error_code === undefined && status.code === undefined) {
      // The SDK resolves an UNIMPLEMENTED answer to `{}`: a Milvus older than 3.0 asked for snapshots.
      throw new MilvusUnsupportedError(
        `${what}: Milvus answered without a status, as servers older than 3.0 do for snapshot calls; ` +
          'snapshots need Milvus 3.0 or newer (or Zilliz Cloud with snapshots enabled)',
      );
    }
    this.check(status, what);
    return res;
  }

  private check(status: ResStatus, what: string): void {
    if (!isSuccess(status)) throw errorFromStatus(status, what);
  }
}

function name(ref: CollectionRef): string {
  return `${ref.database}.${ref.collection}`;
}

function toRestoreJob(info: {
  job_id: string;
  snapshot_name: string;
  db_name: string;
  collection_name: string;
  state: string;
  progress: number;
  reason: string;
  start_time: string;
  time_cost: string;
}): RestoreJob {
  return {
    jobId: String(info.job_id),
    snapshotName: info.snapshot_name,
    database: info.db_name,
    collection: info.collection_name,
    state: info.state as RestoreState,
    progress: Number(info.progress ?? 0),
    reason: info.reason ?? '',
    startTime: Number(info.start_time ?? 0),
    timeCostMs: Number(info.time_cost ?? 0),
  };
}
