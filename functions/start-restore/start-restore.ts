import * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { nextWaitSeconds } from '../poll-restore/poll-backoff';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { DrillTargetConflictError } from '../shared/errors';
import type { CollectionRef, MilvusGateway, RestoreJob } from '../shared/milvus/milvus-gateway';
import { drillTargetName } from './drill-target';

/** StartRestore's input: the run, the collection and the chosen snapshot. */
export const startRestoreInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema,
});

/** StartRestore's input. */
export type StartRestoreInput = z.infer<typeof startRestoreInputSchema>;

/** The restore a drill started (`$.restore`). */
export const restoreStartSchema = z
  .object({
    /** The drill collection (see drill-target.ts). */
    targetCollection: z.string().min(1),
    /** Milvus' restore job id (int64, as a string). */
    jobId: z.string().min(1),
    /** The drill's pin on the snapshot; CleanupDrill releases it. */
    pinId: z.string().min(1),
    /** When the restore started (ISO 8601): the start of the drill's time budget. */
    startedAt: z.iso.datetime(),
    /** Seconds the state machine waits before the first poll. */
    firstWaitSeconds: z.number().int().positive(),
    /** This call carried on with a restore an earlier attempt of the same step had started. */
    resumed: z.boolean(),
  })
  .strict();

/** The restore a drill started. */
export type RestoreStart = z.infer<typeof restoreStartSchema>;

/** What StartRestore needs. */
export interface StartRestoreDependencies {
  readonly milvus: MilvusGateway;
  readonly now: () => Date;
}

/**
 * How much longer than the drill timeout the drill's pin lasts: room for verification and cleanup
 * after a restore that finished just before the deadline. A pin whose release was lost expires by
 * itself after the drill timeout plus this margin.
 */
export const PIN_MARGIN_SECONDS = 30 * 60;

/** The longest pin Milvus accepts (30 days). */
const MAX_PIN_TTL_SECONDS = 2_592_000;

/**
 * Pins the snapshot, then restores it into this drill's collection.
 *
 * - The pin (TTL = drill timeout + {@link PIN_MARGIN_SECONDS}) keeps a concurrent retention run from
 *   dropping the snapshot mid-drill; if the restore call fails, the pin is released before the
 *   error is re-thrown.
 * - If the drill collection already exists and a restore job of the same snapshot targets it, it is
 *   this drill's restore started by an earlier attempt whose reply was lost: the step carries on
 *   with that job (`resumed: true`). Any other existing collection of that name fails the drill with
 *   {@link DrillTargetConflictError} and is never touched.
 */
export async function startRestore(
  input: StartRestoreInput,
  { milvus, now }: StartRestoreDependencies,
): Promise<RestoreStart> {
  const { run, target, drillSource } = input;
  const source: CollectionRef = { database: target.database, collection: target.collection };
  const targetCollection = drillTargetName(run, target.collection);
  const targetRef: CollectionRef = { database: target.database, collection: targetCollection };
  const timeoutMs = run.drill.timeoutMinutes * 60_000;
  const ttlSeconds = Math.min(MAX_PIN_TTL_SECONDS, run.drill.timeoutMinutes * 60 + PIN_MARGIN_SECONDS);

  if (await milvus.hasCollection(targetRef)) {
    const job = await ownRestoreJob(milvus, targetRef, drillSource.snapshotName);
    if (!job) {
      throw new DrillTargetConflictError(
        `the drill collection ${target.database}.${targetCollection} already exists and no restore of ` +
          `snapshot ${drillSource.snapshotName} targets it, so this drill did not create it; it is left ` +
          'untouched. Rename or drop it, or change drill.prefix.',
      );
    }
    const pinId = await milvus.pinSnapshot(source, drillSource.snapshotName, ttlSeconds);
    const startedAt = job.startTime > 0 ? new Date(job.startTime) : now();
    const elapsedMs = Math.max(0, now().getTime() - startedAt.getTime());
    return {
      targetCollection,
      jobId: job.jobId,
      pinId,
      startedAt: startedAt.toISOString(),
      firstWaitSeconds: nextWaitSeconds({ backoff: run.drill.backoff, attempt: 0, elapsedMs, timeoutMs }),
      resumed: true,
    };
  }

  const pinId = await milvus.pinSnapshot(source, drillSource.snapshotName, ttlSeconds);
  const startedAt = now();
  let jobId: string;
  try {
    jobId = await milvus.restoreSnapshot(source, drillSource.snapshotName, targetCollection);
  } catch (error) {
    // Best effort: the pin also expires by its TTL. The restore's own error is what matters.
    await milvus.unpinSnapshot(pinId).catch(() => undefined);
    throw error;
  }
  return {
    targetCollection,
    jobId,
    pinId,
    startedAt: startedAt.toISOString(),
    firstWaitSeconds: nextWaitSeconds({ backoff: run.drill.backoff, attempt: 0, elapsedMs: 0, timeoutMs }),
    resumed: false,
  };
}

/**
 * The restore job of `snapshotName` that targets the drill collection, if there is one: the proof
 * that the collection was created by this drill. The newest such job wins.
 */
export async function ownRestoreJob(
  milvus: MilvusGateway,
  targetRef: CollectionRef,
  snapshotName: string,
): Promise<RestoreJob | undefined> {
  const jobs = await milvus.listRestoreJobs(targetRef);
  return jobs
    .filter(
      (j) =>
        j.snapshotName === snapshotName &&
        j.collection === targetRef.collection &&
        (j.database === '' || j.database === targetRef.database),
    )
    .sort((a, b) => b.startTime - a.startTime)[0];
}
