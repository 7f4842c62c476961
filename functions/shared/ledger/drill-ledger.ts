import * as z from 'zod';
import { type RecordScope, ReportKeys, type ReportStore } from '../reports/report-store';

/**
 * The ledger's records of drill collections: written when the drill chooses its snapshot, before
 * the restore that creates the collection, so that retention does not drop a snapshot a drill is
 * about to restore or restoring, and so that cleanup, and the orphan sweep of later runs, drop
 * only collections this deployment created — never a look-alike name.
 */

/** Where a drill collection is in its life. */
export const DRILL_RECORD_STATES = [
  /**
   * ChooseSnapshot chose the snapshot and holds it (retention keeps it); no restore into the
   * collection was asked for yet, so nothing of it can exist in Milvus.
   */
  'chosen',
  /** A restore into it was asked for; it may exist, or may still appear (a late reply). */
  'restoring',
  /** Kept on purpose after the drill (drill.keepDrillCollection / keepOnFailure): the sweep removes it later. */
  'kept',
] as const;

/** The ledger's record of one drill collection. */
export const drillRecordSchema = z
  .object({
    schemaVersion: z.literal(1),
    /** A drill collection (swept when over), or an operator restore's new collection (never swept). */
    kind: z.enum(['drill', 'restore']),
    deploymentId: z.string().min(1),
    clusterKey: z.string().min(1),
    database: z.string().min(1),
    /** The drill collection. */
    drillCollection: z.string().min(1),
    /** What it restores. */
    source: z.object({ collection: z.string().min(1), snapshotName: z.string().min(1) }).strict(),
    runId: z.string().min(1),
    state: z.enum(DRILL_RECORD_STATES),
    /** When the drill started (ISO 8601). */
    startedAt: z.iso.datetime(),
    /** After this the drill's run is over whatever happened (its start plus the run timeout). */
    deadline: z.iso.datetime(),
    /** Restore jobs started into it. */
    jobIds: z.array(z.string()),
    /** Milvus' id of the collection once seen: the proof that a collection of that name is this one. */
    collectionId: z.string().optional(),
    /** RestoreSnapshot calls whose reply was lost: each may still create the collection later. */
    lostRequests: z.number().int().nonnegative(),
    /** An operator restore's alias move: the collection the alias served before (null: a new alias). */
    aliasFrom: z.string().nullable().optional(),
    updatedBy: z.string().min(1),
    updatedAt: z.iso.datetime(),
  })
  .strict();

/** The ledger's record of one drill collection. */
export type DrillRecord = z.infer<typeof drillRecordSchema>;

/** Records read at once. */
const READ_CONCURRENCY = 16;

/** The drill records (or the operator restores' records) of one deployment, on one cluster. */
export class DrillLedger {
  /**
   * @param kind `drill` for drill collections; `restore` for the new collections of operator
   *   restores, kept apart so that no sweep ever looks at them
   */
  public constructor(
    private readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>,
    public readonly scope: RecordScope,
    public readonly kind: DrillRecord['kind'] = 'drill',
  ) {}

  /** The record of a drill collection, or undefined (an unreadable record proves nothing). */
  public async read(database: string, drillCollection: string): Promise<DrillRecord | undefined> {
    const raw = await this.store.getJson(this.keyFor(database, drillCollection));
    const parsed = drillRecordSchema.safeParse(raw);
    return parsed.success && this.inScope(parsed.data, database, drillCollection) ? parsed.data : undefined;
  }

  /** Every drill record of a database. */
  public async list(database: string): Promise<DrillRecord[]> {
    const keys = await this.store.list(this.prefixFor(database));
    const records: DrillRecord[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      const values = await Promise.all(batch.map((key) => this.store.getJson(key)));
      batch.forEach((key, j) => {
        const parsed = drillRecordSchema.safeParse(values[j]);
        if (
          parsed.success &&
          this.inScope(parsed.data, database, parsed.data.drillCollection) &&
          this.keyFor(database, parsed.data.drillCollection) === key
        ) {
          records.push(parsed.data);
        }
      });
    }
    return records;
  }

  /** Records an intent, only if there is no record of that drill collection yet. */
  public async create(record: DrillRecord): Promise<boolean> {
    return this.store.createJson(this.keyOf(record), drillRecordSchema.parse(record));
  }

  public async write(record: DrillRecord): Promise<void> {
    await this.store.putJson(this.keyOf(record), drillRecordSchema.parse(record));
  }

  /** Removes a record once its collection is verified absent and can no longer appear. */
  public async remove(record: Pick<DrillRecord, 'database' | 'drillCollection'>): Promise<void> {
    await this.store.delete(this.keyOf(record));
  }

  /** Notes that a run has ended: its drills are over, whatever their records say. */
  public async recordRunEnded(runId: string, endedAt: Date): Promise<void> {
    await this.store.putJson(ReportKeys.ledgerRunEnded(this.scope, runId), {
      runId,
      endedAt: endedAt.toISOString(),
    });
  }

  /** Whether a run has ended (its report was built). */
  public async runEnded(runId: string): Promise<boolean> {
    return (await this.store.getJson(ReportKeys.ledgerRunEnded(this.scope, runId))) !== undefined;
  }

  private keyOf(record: Pick<DrillRecord, 'database' | 'drillCollection'>): string {
    return this.keyFor(record.database, record.drillCollection);
  }

  private keyFor(database: string, collection: string): string {
    return this.kind === 'drill'
      ? ReportKeys.ledgerDrill(this.scope, database, collection)
      : ReportKeys.ledgerRestore(this.scope, database, collection);
  }

  private prefixFor(database: string): string {
    return this.kind === 'drill'
      ? ReportKeys.ledgerDrills(this.scope, database)
      : ReportKeys.ledgerRestores(this.scope, database);
  }

  private inScope(record: DrillRecord, database: string, drillCollection: string): boolean {
    return (
      record.kind === this.kind &&
      record.deploymentId === this.scope.deploymentId &&
      record.clusterKey === this.scope.clusterKey &&
      record.database === database &&
      record.drillCollection === drillCollection
    );
  }
}

/** Whether a drill is over: its run has ended, or its deadline (plus a margin for clock skew) has passed. */
export function drillIsOver(record: DrillRecord, now: Date, runEnded: boolean): boolean {
  return runEnded || now.getTime() > Date.parse(record.deadline) + DRILL_DEADLINE_MARGIN_MS;
}

/** Added to a drill's deadline before a sweep treats it as over without word of its run's end. */
export const DRILL_DEADLINE_MARGIN_MS = 30 * 60_000;
