import * as z from 'zod';

/**
 * The last restore of one snapshot (a drill, or an operator's restore) and how it ended, stored at
 * `ReportKeys.snapshotDrill`. RecordDrill writes it after every drill, verified or not, so the
 * recovery-point catalog (`snapshots list`) can say of each snapshot whether it was ever proven to
 * restore, and when.
 */
export const snapshotDrillSchema = z
  .object({
    schemaVersion: z.literal(1),
    snapshotName: z.string().min(1),
    /** A scheduled or hand-started drill, or an operator's restore. */
    kind: z.enum(['drill', 'restore']),
    runId: z.string().min(1),
    /** When the drill ended (ISO 8601). */
    at: z.iso.datetime(),
    /** Whether every check passed. */
    verified: z.boolean(),
    /** The restore job's final state. */
    state: z.string().min(1),
    /** Why it did not verify, when it did not. */
    reason: z.string().optional(),
    /** Milvus' restore time, in milliseconds (0 when the restore did not complete). */
    restoreMs: z.number().int().nonnegative(),
    /** Rows restored, when they were counted. */
    restoredRows: z.number().int().nonnegative().nullable(),
  })
  .strict();

/** The last restore of one snapshot. */
export type SnapshotDrill = z.infer<typeof snapshotDrillSchema>;
