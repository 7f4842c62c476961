import { createHash, randomUUID } from 'node:crypto';
import {
  link,
  mkdir,
  readdirSync,
  readFileSync,
  rename,
  unlink,
  writeFile as writeFileCallback,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import type { RunDeployment } from '../contracts/deployment';
import { ConfigurationError } from '../errors';
import type { StepEnvironment } from '../lambda/step-environment';

/**
 * Where run results live: an S3 bucket when deployed, a directory when run locally. Keys are
 * `/`-separated paths such as `runs/<runId>/collections/default/products.json`.
 */
export interface ReportStore {
  /** Stores a JSON document; returns where it is (`s3://bucket/key` or a file path). */
  putJson(key: string, value: unknown): Promise<string>;
  /**
   * Stores a JSON document only if there is none at `key` yet, atomically (S3's `If-None-Match: *`,
   * an exclusive link locally): of two writers racing for one key exactly one wins.
   *
   * @returns true when this call created it, false when a document was already there
   */
  createJson(key: string, value: unknown): Promise<boolean>;
  /** The JSON document at `key`, or `undefined` when there is none. */
  getJson(key: string): Promise<unknown>;
  /** Every key under `prefix`, in lexical order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the document at `key`; removing one that is not there is fine. */
  delete(key: string): Promise<void>;
}

/** Whose records a key belongs to: one deployment, on one Milvus cluster. */
export interface RecordScope {
  readonly deploymentId: string;
  readonly clusterKey: string;
}

/** The record scope of a run. */
export function recordScopeOf(run: { readonly deployment: RunDeployment }): RecordScope {
  return { deploymentId: run.deployment.id, clusterKey: run.deployment.cluster.key };
}

/**
 * Keys of the documents the workflow keeps. Every name in a key (database, collection, snapshot)
 * goes through {@link keySegment}, so a 255-character Milvus name still makes a valid file name
 * locally and a key under S3's 1,024-byte limit.
 */
export const ReportKeys = {
  /** What a run's collections leave out (collection-selection.ts), complete, beside its item list. */
  runCoverage: (runId: string) => `runs/${safe(runId)}/coverage.json`,
  /** One collection's result in one run. */
  collectionResult: (runId: string, database: string, collection: string) =>
    `runs/${safe(runId)}/collections/${keySegment(database)}/${keySegment(collection)}.json`,
  /** One collection's complete retention result in one run, when the state holds only its start. */
  retentionResult: (runId: string, database: string, collection: string) =>
    `runs/${safe(runId)}/retention/${keySegment(database)}/${keySegment(collection)}.json`,
  /** The prefix of all collection results of a run. */
  collectionResults: (runId: string) => `runs/${safe(runId)}/collections/`,
  /** A run's collection list (a JSON array of targets), which PrepareRun writes and the Map reads. */
  runItems: (runId: string) => `runs/${safe(runId)}/items.json`,
  /** A run's report, filed by the day it started (UTC). */
  runReport: (runId: string, startedAt: Date) =>
    `reports/${startedAt.toISOString().slice(0, 10).replaceAll('-', '/')}/${safe(runId)}.json`,
  /** The newest snapshot of a collection that passed a restore drill, for one deployment and cluster. */
  latestVerified: (scope: RecordScope, database: string, collection: string) =>
    `drills/${scopePath(scope)}/${keySegment(database)}/${keySegment(collection)}/latest-verified.json`,
  /** The last drill (or operator restore) of one snapshot, verified or not. */
  snapshotDrill: (scope: RecordScope, database: string, collection: string, snapshot: string) =>
    `${ReportKeys.snapshotDrills(scope, database, collection)}${keySegment(snapshot)}.json`,
  /** The prefix of the last drills of a collection's snapshots. */
  snapshotDrills: (scope: RecordScope, database: string, collection: string) =>
    `drills/${scopePath(scope)}/${keySegment(database)}/${keySegment(collection)}/snapshots/`,
  /**
   * When this deployment's ledger began on the cluster: written once, with its first snapshot record,
   * and never changed. No release since then writes version 1 markers, so one dated later is forged.
   */
  ledgerBegan: (scope: RecordScope) => `ledger/${scopePath(scope)}/began.json`,
  /** The ledger's record of one snapshot this deployment created (or set out to create). */
  ledgerSnapshot: (scope: RecordScope, database: string, collection: string, snapshot: string) =>
    `${ReportKeys.ledgerSnapshots(scope, database, collection)}${keySegment(snapshot)}.json`,
  /** The prefix of the ledger's snapshot records of one collection. */
  ledgerSnapshots: (scope: RecordScope, database: string, collection: string) =>
    `${ReportKeys.ledgerAllSnapshots(scope)}${keySegment(database)}/${keySegment(collection)}/`,
  /** The prefix of the ledger's snapshot records of every collection of a deployment, on one cluster. */
  ledgerAllSnapshots: (scope: RecordScope) => `ledger/${scopePath(scope)}/snapshots/`,
  /** The ledger's record of one drill collection this deployment created (or set out to create). */
  ledgerDrill: (scope: RecordScope, database: string, drillCollection: string) =>
    `${ReportKeys.ledgerDrills(scope, database)}${keySegment(drillCollection)}.json`,
  /** The prefix of the ledger's drill records of one database. */
  ledgerDrills: (scope: RecordScope, database: string) =>
    `ledger/${scopePath(scope)}/drills/${keySegment(database)}/`,
  /** The newest successful, non-dry run of a schedule of a deployment (BuildReport writes it). */
  scheduleStatus: (deploymentId: string, schedule: string) =>
    `status/${safe(deploymentId)}/schedules/${safe(schedule)}.json`,
  /** When the freshness check first saw a schedule without a successful run. */
  freshnessBaseline: (deploymentId: string, schedule: string) =>
    `status/${safe(deploymentId)}/baselines/${safe(schedule)}.json`,
  /** The ledger's record of the new collection an operator's restore created (never swept). */
  ledgerRestore: (scope: RecordScope, database: string, collection: string) =>
    `${ReportKeys.ledgerRestores(scope, database)}${keySegment(collection)}.json`,
  /** The prefix of the ledger's restore records of one database. */
  ledgerRestores: (scope: RecordScope, database: string) =>
    `ledger/${scopePath(scope)}/restores/${keySegment(database)}/`,
  /** The ledger's record of one swap: the original a restore set aside under `replacedAs`. */
  ledgerSwap: (scope: RecordScope, database: string, replacedAs: string) =>
    `${ReportKeys.ledgerSwaps(scope, database)}${keySegment(replacedAs)}.json`,
  /** The prefix of the ledger's swap records of one database. */
  ledgerSwaps: (scope: RecordScope, database: string) =>
    `ledger/${scopePath(scope)}/swaps/${keySegment(database)}/`,
  /** The ledger's note that a run has ended (its drills are over). */
  ledgerRunEnded: (scope: RecordScope, runId: string) =>
    `ledger/${scopePath(scope)}/runs/${safe(runId)}.json`,
} as const;

export { MAP_RESULTS_PREFIX, RUN_ITEMS_PATTERN } from './map-keys';

/** Longest name kept as it is in a key segment; longer ones are shortened with a hash. */
const MAX_SEGMENT_NAME = 200;

/**
 * A Milvus name as one segment of a key: the name itself (Milvus names are letters, digits, `_`
 * and `$`, all safe in S3 keys and file names), or for names longer than 200 characters their
 * start, `~` (which no Milvus name contains) and 16 hex characters of the name's SHA-256, so two
 * long names never share a key and every segment stays under the 255-byte file name limit.
 */
export function keySegment(name: string): string {
  if (name.length <= MAX_SEGMENT_NAME && /^[A-Za-z0-9_$]+$/.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_SEGMENT_NAME - 17).replace(/[^A-Za-z0-9_$]/g, '_')}~${hash}`;
}

function scopePath(scope: RecordScope): string {
  return `${safe(scope.deploymentId)}/${safe(scope.clusterKey)}`;
}

function safe(segment: string): string {
  return segment.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** A bucket-backed store. */
export class S3ReportStore implements ReportStore {
  public constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  public async putJson(key: string, value: unknown): Promise<string> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value, null, 2),
        ContentType: 'application/json',
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  public async createJson(key: string, value: unknown): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value, null, 2),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      // 412: an object is there. 409: a concurrent conditional write to the key won the race.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return false;
      throw error;
    }
  }

  public async getJson(key: string): Promise<unknown> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await res.Body?.transformToString('utf-8');
      return text === undefined ? undefined : JSON.parse(text);
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  public async delete(key: string): Promise<void> {
    // On the versioned bucket this adds a delete marker: the record's history stays readable.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  public async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
    return keys.sort();
  }
}

/**
 * A directory-backed store, for local runs. Writes are atomic (write, then rename).
 *
 * Each call has finished, its document on disk or gone, when the method's promise settles. Which
 * file system API does it is chosen by cost, as measured on a 2-core machine where creating a file
 * or a directory on ext4 takes 0.5 to 0.9 ms of kernel time: writes and directory creation go to
 * libuv's thread pool through the callback API (about 50 µs of the event loop's time, the kernel's
 * work on another thread; `fs/promises` costs three times as much on the event loop: a file handle
 * and a round trip for each of open, write and close), while reads and listings, which take tens
 * of microseconds, are synchronous.
 */
export class FileReportStore implements ReportStore {
  private readonly root: string;

  public constructor(root: string) {
    this.root = resolve(root);
  }

  public async putJson(key: string, value: unknown): Promise<string> {
    const path = this.pathOf(key);
    // Unique per write: two writes of one key in the same millisecond must not share a temp file.
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeCreatingDirectory(temp, `${JSON.stringify(value, null, 2)}\n`);
    await renameFile(temp, path);
    return path;
  }

  public async createJson(key: string, value: unknown): Promise<boolean> {
    const path = this.pathOf(key);
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeCreatingDirectory(temp, `${JSON.stringify(value, null, 2)}\n`);
    try {
      // link() fails if the name exists: the whole document appears at once, or not at all.
      await linkFile(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await unlinkFile(temp).catch(() => undefined);
    }
  }

  public async getJson(key: string): Promise<unknown> {
    let text: string;
    try {
      text = readFileSync(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return JSON.parse(text);
  }

  public async delete(key: string): Promise<void> {
    await unlinkFile(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  public async list(prefix: string): Promise<string[]> {
    const base = this.pathOf(prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix));
    let entries: string[];
    try {
      entries = readdirSync(base, { recursive: true, encoding: 'utf8' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .map((entry) => relative(this.root, join(base, entry)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix) && key.endsWith('.json'))
      .sort();
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) {
      throw new ConfigurationError(`report key ${key} points outside the report directory ${this.root}`);
    }
    return path;
  }
}

const writeFile = promisify(writeFileCallback);
const makeDirectory = promisify(mkdir);
const renameFile = promisify(rename);
const linkFile = promisify(link);
const unlinkFile = promisify(unlink);

/** Writes a new file, creating its directory first if it is not there (rather than on every write). */
async function writeCreatingDirectory(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await makeDirectory(dirname(path), { recursive: true });
    await writeFile(path, text, 'utf8');
  }
}

let cached: { key: string; store: ReportStore } | undefined;

/**
 * The store named by the environment: `REPORTS_BUCKET` (deployed) or `REPORTS_DIR` (local).
 * Built once per bucket/directory and reused across warm invocations.
 */
export function reportStoreFromEnvironment(
  env: Pick<StepEnvironment, 'REPORTS_BUCKET' | 'REPORTS_DIR'>,
): ReportStore {
  const bucket = env.REPORTS_BUCKET;
  const dir = env.REPORTS_DIR;
  const key = bucket ? `s3:${bucket}` : dir ? `dir:${dir}` : '';
  if (!key) {
    throw new ConfigurationError(
      'set REPORTS_BUCKET (deployed) or REPORTS_DIR (local runs) to say where results go',
    );
  }
  if (cached?.key !== key) {
    cached = {
      key,
      store: bucket ? new S3ReportStore(new S3Client({}), bucket) : new FileReportStore(dir ?? '.'),
    };
  }
  return cached.store;
}
