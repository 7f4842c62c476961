import * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { CollectionNotFoundError, MilvusUnavailableError } from '../shared/errors';
import type { MilvusGateway } from '../shared/milvus/milvus-gateway';
import { planOrphanSweep } from './orphan-filter';

/** SweepOrphans' input: the run and the collection (the sweep covers the collection's database). */
export const sweepOrphansInputSchema = collectionStepBaseSchema;

/** SweepOrphans' input. */
export type SweepOrphansInput = z.infer<typeof sweepOrphansInputSchema>;

/** What the sweep did (`$.orphans`). */
export const orphanSweepResultSchema = z
  .object({
    /** Orphaned drill collections dropped (or already gone when we came to drop them). */
    dropped: z.array(z.string()),
    /** Collections with the drill prefix left alone, and why. */
    kept: z.array(z.object({ name: z.string(), reason: z.string() }).strict()).optional(),
    /** Orphans that could not be dropped; the next run tries again. */
    failed: z.array(z.object({ name: z.string(), reason: z.string() }).strict()).optional(),
  })
  .strict();

/** What the sweep did. */
export type OrphanSweepResult = z.infer<typeof orphanSweepResultSchema>;

/** What SweepOrphans needs. */
export interface SweepOrphansDependencies {
  readonly milvus: MilvusGateway;
  readonly now: () => Date;
}

/**
 * Drops drill collections left behind by earlier runs that stopped before their cleanup: in the
 * target's database, only names with the drill prefix and a drill stamp older than
 * `drill.orphanMaxAgeHours`. The age is never less than the drill timeout, so a sweep cannot drop
 * a drill that is still running in another execution.
 *
 * A drop that fails for a definite reason is reported and left for the next run; a transient
 * failure is thrown so the state machine retries the (idempotent) sweep.
 */
export async function sweepOrphans(
  input: SweepOrphansInput,
  { milvus, now }: SweepOrphansDependencies,
): Promise<OrphanSweepResult> {
  const { database } = input.target;
  const { drill } = input.run;
  const maxAgeMs = Math.max(drill.orphanMaxAgeHours * 3_600_000, drill.timeoutMinutes * 60_000);
  const plan = planOrphanSweep(await milvus.listCollections(database), {
    prefix: drill.prefix,
    maxAgeMs,
    now: now(),
  });
  const dropped: string[] = [];
  const failed: Array<{ name: string; reason: string }> = [];
  for (const orphan of plan.drop) {
    try {
      await milvus.dropCollection({ database, collection: orphan.name });
      dropped.push(orphan.name);
    } catch (error) {
      // Another collection's sweep in the same run may have dropped it first: that is the goal.
      if (error instanceof CollectionNotFoundError) dropped.push(orphan.name);
      else if (error instanceof MilvusUnavailableError) throw error;
      else failed.push({ name: orphan.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    dropped,
    ...(plan.keep.length ? { kept: [...plan.keep] } : {}),
    ...(failed.length ? { failed } : {}),
  };
}
