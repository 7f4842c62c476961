import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { SnapshotDescription } from '../milvus/milvus-gateway';
import { type RecordScope, ReportKeys, type ReportStore } from '../reports/report-store';
import { parseSnapshotMarker } from '../snapshot-marker';

/**
 * The ledger: what this deployment created in Milvus, recorded in the reports bucket (a local
 * directory in local runs) before the Milvus call that creates it, and completed after.
 *
 * A description marker can be copied by anyone; a record in the deployment's own bucket, holding a
 * random nonce that the marker must repeat, cannot. So nothing is dropped, adopted or counted as
 * ours on the strength of a name or a description: only a ledger record proves ownership, and a
 * lost ledger means nothing is dropped, never everything.
 */

/** Where a snapshot is in its life, as the ledger knows it. */
export const SNAPSHOT_RECORD_STATES = [
  /** The intent is recorded; the CreateSnapshot call may or may not have taken effect. */
  'creating',
  /** Milvus has the snapshot and its identity (`create_ts`) is recorded. */
  'created',
  /** Retention is dropping it; the DropSnapshot call may or may not have taken effect. */
  'dropping',
] as const;

/** What a snapshot holds, recorded when it was taken: what a restore of it must reproduce. */
export const snapshotContentsSchema = z
  .object({
    /** `row_count` of the collection's statistics (flushed rows; deleted rows still count). */
    rows: z.number().int().nonnegative(),
    /** The collection's flushed segments, or null when Milvus would not list them. */
    segments: z
      .object({ count: z.number().int().nonnegative(), rows: z.number().int().nonnegative() })
      .strict()
      .nullable(),
    /** `count(*)` (honours deletes), when the collection was loaded; null otherwise. */
    visibleRows: z.number().int().nonnegative().nullable(),
    /** Primary keys sampled from the collection when it was loaded (as strings). */
    sampleKeys: z.array(z.string()).max(100),
    /** Whether the primary key is a VarChar (else Int64): how the sampled keys are queried. */
    primaryIsString: z.boolean(),
    /** The schema fingerprint (see schema-fingerprint.ts). */
    schema: z.string().min(1),
  })
  .strict();

/** What a snapshot holds. */
export type SnapshotContents = z.infer<typeof snapshotContentsSchema>;

/** The ledger's record of one snapshot. */
export const snapshotRecordSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('snapshot'),
    deploymentId: z.string().min(1),
    clusterKey: z.string().min(1),
    database: z.string().min(1),
    collection: z.string().min(1),
    snapshotName: z.string().min(1),
    /** The run that set out to create it. */
    runId: z.string().min(1),
    /** Random, 32 hex characters; the snapshot's marker repeats it. */
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    state: z.enum(SNAPSHOT_RECORD_STATES),
    /** When the intent was recorded (ISO 8601). */
    intentAt: z.iso.datetime(),
    /** The snapshot's `create_ts` as Milvus reported it, once seen: its identity. */
    createTs: z.string().optional(),
    /** Its creation time from `create_ts` (ISO 8601). */
    createdAt: z.iso.datetime().optional(),
    contents: snapshotContentsSchema,
    /**
     * Set when an operator adopted the snapshot (`snapshots adopt`) rather than a run creating it:
     * a snapshot of a release before the ledger, whose version 1 marker has no nonce, or one whose
     * record was lost. Its identity is then its `create_ts`, which an adopted record always holds.
     */
    adopted: z
      .object({
        at: z.iso.datetime(),
        /** Who adopted it, as the operator's tool names them (`cli`, or the AWS principal). */
        by: z.string().min(1),
        /** The version of the marker it carried. */
        marker: z.union([z.literal(1), z.literal(2)]),
      })
      .strict()
      .optional(),
    /**
     * Set when the record was filed under this collection after the snapshot was taken: a swap
     * renamed the collection that holds the snapshot (see swap-follow.ts). `collection` is where
     * the record was filed before.
     */
    movedFrom: z
      .object({ collection: z.string().min(1), at: z.iso.datetime(), by: z.string().min(1) })
      .strict()
      .optional(),
    /** The run and time of the last change of state. */
    updatedBy: z.string().min(1),
    updatedAt: z.iso.datetime(),
  })
  .strict()
  .refine((record) => record.adopted === undefined || record.createTs !== undefined, {
    message: 'an adopted record must hold the create_ts of the snapshot it adopts',
    path: ['createTs'],
  });

/** The ledger's record of one snapshot. */
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

/**
 * How long an intent to create a snapshot is taken to be in progress: longer than CreateSnapshot's
 * retries take, so a run that died after recording its intent does not hold the name for ever.
 */
export const INTENT_STALE_MS = 15 * 60_000;

/**
 * How long a `dropping` record is taken to be a drop in flight: longer than a Lambda invocation can
 * run (15 minutes), with a margin for a request Milvus applies late. A retention run writes the
 * record before its DropSnapshot call, so one older than this is a drop that ended (refused,
 * never sent, or done), not one that may still land.
 */
export const DROP_IN_FLIGHT_MS = 20 * 60_000;

/** Whether a retention run may be dropping the record's snapshot right now (see {@link DROP_IN_FLIGHT_MS}). */
export function dropInFlight(record: SnapshotRecord, now: Date): boolean {
  return record.state === 'dropping' && now.getTime() - Date.parse(record.updatedAt) < DROP_IN_FLIGHT_MS;
}

/** Snapshot records read at once. */
const READ_CONCURRENCY = 16;

/** The record of when a deployment's ledger began on a cluster. */
const ledgerBeganSchema = z.object({ schemaVersion: z.literal(1), at: z.iso.datetime(), runId: z.string() });

/** A fresh nonce: 128 random bits, as 32 hex characters. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** A record read from the ledger that is not a valid snapshot record: kept, never acted on. */
export interface UnreadableRecord {
  readonly key: string;
  readonly problem: string;
}

/** The snapshot records of one deployment, on one cluster. */
export class SnapshotLedger {
  public constructor(
    private readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>,
    public readonly scope: RecordScope,
  ) {}

  /** The record of one snapshot, or undefined (an unreadable record counts as none: it proves nothing). */
  public async read(
    database: string,
    collection: string,
    snapshot: string,
  ): Promise<SnapshotRecord | undefined> {
    const raw = await this.store.getJson(
      ReportKeys.ledgerSnapshot(this.scope, database, collection, snapshot),
    );
    const parsed = snapshotRecordSchema.safeParse(raw);
    return parsed.success && this.inScope(parsed.data, database, collection, snapshot)
      ? parsed.data
      : undefined;
  }

  /** Every record of a collection's snapshots, and the keys that hold something else. */
  public async list(
    database: string,
    collection: string,
  ): Promise<{ records: SnapshotRecord[]; unreadable: UnreadableRecord[] }> {
    const keys = await this.store.list(ReportKeys.ledgerSnapshots(this.scope, database, collection));
    const records: SnapshotRecord[] = [];
    const unreadable: UnreadableRecord[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      const values = await Promise.all(batch.map((key) => this.store.getJson(key)));
      batch.forEach((key, j) => {
        const parsed = snapshotRecordSchema.safeParse(values[j]);
        if (!parsed.success) unreadable.push({ key, problem: 'not a snapshot record' });
        else if (!this.inScope(parsed.data, database, collection, parsed.data.snapshotName))
          unreadable.push({ key, problem: 'a record of another deployment, cluster or collection' });
        else if (
          ReportKeys.ledgerSnapshot(this.scope, database, collection, parsed.data.snapshotName) !== key
        )
          unreadable.push({ key, problem: 'a record filed under another snapshot name' });
        else records.push(parsed.data);
      });
    }
    return { records, unreadable };
  }

  /**
   * Records an intent, only if there is no record of that snapshot yet. The first intent of the
   * deployment on the cluster also records when the ledger began (an adopted record does not: it
   * is of a snapshot from before).
   */
  public async create(record: SnapshotRecord): Promise<boolean> {
    const parsed = snapshotRecordSchema.parse(record);
    if (parsed.adopted === undefined) {
      // Written only if absent: the first writer's time stays, whatever the retries.
      await this.store.createJson(ReportKeys.ledgerBegan(this.scope), {
        schemaVersion: 1,
        at: parsed.intentAt,
        runId: parsed.runId,
      });
    }
    return this.store.createJson(this.keyOf(record), parsed);
  }

  /** When the ledger began, as its first intent recorded it; undefined before that record existed. */
  public async began(): Promise<Date | undefined> {
    const parsed = ledgerBeganSchema.safeParse(await this.store.getJson(ReportKeys.ledgerBegan(this.scope)));
    return parsed.success ? new Date(parsed.data.at) : undefined;
  }

  /** Writes a record (a change of state). */
  public async write(record: SnapshotRecord): Promise<void> {
    await this.store.putJson(this.keyOf(record), snapshotRecordSchema.parse(record));
  }

  /** Removes a record: its snapshot is gone (or never came to be). The bucket's versions keep its history. */
  public async remove(
    record: Pick<SnapshotRecord, 'database' | 'collection' | 'snapshotName'>,
  ): Promise<void> {
    await this.store.delete(this.keyOf(record));
  }

  /**
   * Files a record under another collection of its database: the snapshot it describes is now that
   * collection's (a rename took it there). Copied first, only where no record of that snapshot
   * name is, then removed from where it was, so a lost reply or a retry moves it once and never
   * loses it; a different record already filed there is left alone, and so is this one.
   *
   * @returns whether the record is now filed under `to` (false: another record of that name is there)
   */
  public async move(record: SnapshotRecord, to: string, by: string, at: Date): Promise<boolean> {
    const moved = snapshotRecordSchema.parse({
      ...record,
      collection: to,
      movedFrom: { collection: record.collection, at: at.toISOString(), by },
      updatedBy: by,
      updatedAt: at.toISOString(),
    });
    if (!(await this.store.createJson(this.keyOf(moved), moved))) {
      const there = await this.read(record.database, to, record.snapshotName);
      if (!there || !sameSnapshot(there, record)) return false;
    }
    await this.remove(record);
    return true;
  }

  private keyOf(record: Pick<SnapshotRecord, 'database' | 'collection' | 'snapshotName'>): string {
    return ReportKeys.ledgerSnapshot(this.scope, record.database, record.collection, record.snapshotName);
  }

  private inScope(record: SnapshotRecord, database: string, collection: string, snapshot: string): boolean {
    return (
      record.deploymentId === this.scope.deploymentId &&
      record.clusterKey === this.scope.clusterKey &&
      record.database === database &&
      record.collection === collection &&
      record.snapshotName === snapshot
    );
  }
}

/** Whether two records describe the same snapshot: the same name, nonce and `create_ts`. */
export function sameSnapshot(
  a: Pick<SnapshotRecord, 'snapshotName' | 'nonce' | 'createTs'>,
  b: Pick<SnapshotRecord, 'snapshotName' | 'nonce' | 'createTs'>,
): boolean {
  return a.snapshotName === b.snapshotName && a.nonce === b.nonce && a.createTs === b.createTs;
}

/** Whether a snapshot in Milvus is the one a ledger record describes, and if not, why not. */
export type Ownership =
  | { readonly ours: true; readonly record: SnapshotRecord }
  | { readonly ours: false; readonly reason: string };

/**
 * Decides whether a snapshot Milvus holds is this deployment's: its ledger record must exist, its
 * marker must name this deployment and repeat the record's nonce (or, for a version 1 snapshot an
 * operator adopted, be a version 1 marker), and once the record knows the snapshot's `create_ts`,
 * Milvus' must be the same (a snapshot dropped and re-created under the same name, with a copied
 * description, is not ours).
 */
export function ownershipOf(
  snapshot: Pick<SnapshotDescription, 'description' | 'createTs'>,
  record: SnapshotRecord | undefined,
  deploymentId: string,
): Ownership {
  const marker = parseSnapshotMarker(snapshot.description);
  if (!record) {
    if (marker?.version === 2 && marker.deployment === deploymentId)
      return {
        ours: false,
        reason:
          "marked as this deployment's, but not in its ledger (`snapshots adopt` recovers a lost record)",
      };
    if (marker?.version === 2) return { ours: false, reason: `made by deployment ${marker.deployment}` };
    if (marker?.version === 1)
      return { ours: false, reason: 'made before the ledger (adopt it: `snapshots adopt`)' };
    return { ours: false, reason: 'not made by milvus-snapshot-scheduler' };
  }
  // A snapshot of a release before the ledger, adopted by an operator: its marker has no nonce, so
  // the record proves it by the create_ts it was adopted with (checked below, always present).
  const adoptedV1 = record.adopted?.marker === 1 && marker?.version === 1;
  if (
    !adoptedV1 &&
    (marker?.version !== 2 || marker.deployment !== deploymentId || marker.nonce !== record.nonce)
  ) {
    return { ours: false, reason: "its marker does not match this deployment's ledger record of that name" };
  }
  if (record.createTs !== undefined && record.createTs !== snapshot.createTs) {
    return {
      ours: false,
      reason: `created at ${snapshot.createTs}, not at ${record.createTs} as the ledger records`,
    };
  }
  return { ours: true, record };
}

/** A collection's snapshots, sorted by what the ledger proves. */
export interface SortedSnapshots {
  /** This deployment's, with their records, by name. */
  readonly ours: ReadonlyMap<string, SnapshotRecord>;
  /** Everyone else's (and unprovable ones), with the reason. */
  readonly notOurs: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/** Sorts a collection's snapshots into this deployment's (see {@link ownershipOf}) and the rest. */
export function sortByOwnership(
  snapshots: ReadonlyArray<Pick<SnapshotDescription, 'name' | 'description' | 'createTs'>>,
  records: readonly SnapshotRecord[],
  deploymentId: string,
): SortedSnapshots {
  const byName = new Map(records.map((r) => [r.snapshotName, r]));
  const ours = new Map<string, SnapshotRecord>();
  const notOurs: { name: string; reason: string }[] = [];
  for (const snapshot of snapshots) {
    const ownership = ownershipOf(snapshot, byName.get(snapshot.name), deploymentId);
    if (ownership.ours) ours.set(snapshot.name, ownership.record);
    else notOurs.push({ name: snapshot.name, reason: ownership.reason });
  }
  return { ours, notOurs };
}
