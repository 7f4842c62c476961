import * as z from 'zod';

/**
 * The newest snapshot of a collection that passed a restore drill, stored at
 * `ReportKeys.latestVerified(database, collection)`. RecordDrill writes it; retention reads it to
 * keep that snapshot whatever the policy says ("newest verified").
 */
export const latestVerifiedSchema = z
  .object({
    snapshotName: z.string().min(1),
    /** The snapshot's creation time (ISO 8601): a record is only replaced by a newer snapshot's. */
    snapshotCreatedAt: z.iso.datetime(),
    /** When the drill verified it (ISO 8601). */
    verifiedAt: z.iso.datetime(),
    /** The execution whose drill verified it. */
    runId: z.string().min(1),
    /** Milvus' restore time of that drill, in milliseconds: the measured recovery time. */
    restoreMs: z.number().int().nonnegative(),
  })
  .strict();

/** The newest verified snapshot of a collection. */
export type LatestVerified = z.infer<typeof latestVerifiedSchema>;
