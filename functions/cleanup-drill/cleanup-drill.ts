import * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { pollResultSchema } from '../poll-restore/poll-restore';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { CollectionNotFoundError, DrillTargetConflictError, MilvusUnavailableError } from '../shared/errors';
import type { CollectionRef, MilvusGateway } from '../shared/milvus/milvus-gateway';
import { drillTargetName, isOwnDrillTarget } from '../start-restore/drill-target';
import { ownRestoreJob, restoreStartSchema } from '../start-restore/start-restore';
import { verificationResultSchema } from '../verify-restore/verify-restore';

/** What Step Functions' Catch puts in the `ResultPath` of a caught error. */
export const caughtErrorSchema = z.object({
  Error: z.string(),
  /** For a Lambda error: a JSON string `{ errorMessage, errorType, … }`; may be anything. */
  Cause: z.string().optional(),
});

/** A caught error. */
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/**
 * CleanupDrill's input: everything the drill produced so far. Only `run` and `target` are sure to
 * be there; the rest depends on how far the drill got before it ended or a step threw.
 */
export const cleanupDrillInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema.optional(),
  restore: restoreStartSchema.optional(),
  poll: pollResultSchema.optional(),
  verification: verificationResultSchema.optional(),
  drillError: caughtErrorSchema.optional(),
});

/** CleanupDrill's input. */
export type CleanupDrillInput = z.infer<typeof cleanupDrillInputSchema>;

/** What cleanup did (`$.cleanup`). */
export const cleanupResultSchema = z
  .object({
    /** The drill collection looked after, or null when the drill never got to create one. */
    targetCollection: z.string().nullable(),
    /** The drill collection was dropped by this cleanup. */
    dropped: z.boolean(),
    /** Why the drill collection was deliberately kept, when it was. */
    keptReason: z.string().optional(),
    /** The drill's pin was released (false when there was none). */
    pinReleased: z.boolean(),
    /** Nothing the drill meant to remove is left behind. */
    cleanedUp: z.boolean(),
    /** What went wrong; the orphan sweep of a later run removes a collection left behind. */
    problems: z.array(z.string()),
  })
  .strict();

/** What cleanup did. */
export type CleanupResult = z.infer<typeof cleanupResultSchema>;

/** What CleanupDrill needs. */
export interface CleanupDrillDependencies {
  readonly milvus: MilvusGateway;
}

/** Whether the drill collection is kept on purpose, and why. */
export function keepReason(
  drill: { readonly keepDrillCollection: boolean; readonly keepOnFailure: boolean },
  verified: boolean,
): string | undefined {
  if (drill.keepDrillCollection) return 'drill.keepDrillCollection is set';
  if (drill.keepOnFailure && !verified) return 'drill.keepOnFailure is set and the drill did not verify';
  return undefined;
}

/**
 * Runs after every drill, whatever happened: drops the drill collection and releases the drill's
 * pin. It drops only the collection this drill created: its name must equal the name the drill
 * computes and start with the drill prefix, and the drill must have started a restore into it
 * (`restore` in the input, or — when StartRestore failed after Milvus applied the restore — a
 * restore job of the drilled snapshot targeting it). A {@link DrillTargetConflictError} means the
 * collection is someone else's: it is never dropped. A failed restore leaves its target in place,
 * so it is dropped like any other.
 *
 * Problems are reported (`cleanedUp: false`), not thrown, so the drill's result is still recorded;
 * only a transient Milvus failure is thrown, after everything was attempted, for the state machine
 * to retry this idempotent step.
 */
export async function cleanupDrill(
  input: CleanupDrillInput,
  { milvus }: CleanupDrillDependencies,
): Promise<CleanupResult> {
  const { run, target, restore, verification, drillError } = input;
  const problems: string[] = [];
  let transient: MilvusUnavailableError | undefined;
  const attempt = async <T>(what: string, action: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await action();
    } catch (error) {
      if (error instanceof MilvusUnavailableError) transient ??= error;
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const computed = drillTargetName(run, target.collection);
  const targetRef: CollectionRef = { database: target.database, collection: computed };
  let targetCollection: string | null = restore?.targetCollection ?? null;
  let dropped = false;
  let keptReason: string | undefined;

  if (restore && !isOwnDrillTarget(run, target.collection, restore.targetCollection)) {
    problems.push(
      `refused to drop ${target.database}.${restore.targetCollection}: it is not this drill's collection ` +
        `(${computed}) or lacks the drill prefix '${run.drill.prefix}_'`,
    );
  } else if (drillError?.Error !== DrillTargetConflictError.name) {
    const exists = await attempt(`look up ${computed}`, () => milvus.hasCollection(targetRef));
    const source = input.drillSource;
    // Without `restore`, StartRestore threw: the collection is ours only if Milvus ran our restore into it.
    const startedByThisDrill = async () =>
      source !== undefined &&
      (await attempt(`list restore jobs of ${computed}`, () =>
        ownRestoreJob(milvus, targetRef, source.snapshotName),
      )) !== undefined;
    const ours = exists === true && (restore !== undefined || (await startedByThisDrill()));
    if (ours) {
      targetCollection = computed;
      keptReason = keepReason(run.drill, verification?.verified === true && !verification.deepPending);
      if (!keptReason) {
        await attempt(`drop ${target.database}.${computed}`, async () => {
          try {
            await milvus.dropCollection(targetRef);
          } catch (error) {
            if (!(error instanceof CollectionNotFoundError)) throw error;
          }
          dropped = true;
        });
      }
    }
  }

  let pinReleased = false;
  if (restore) {
    await attempt(`release pin ${restore.pinId}`, async () => {
      await milvus.unpinSnapshot(restore.pinId);
      pinReleased = true;
    });
  }

  if (transient) throw transient;
  return {
    targetCollection,
    dropped,
    ...(keptReason ? { keptReason } : {}),
    pinReleased,
    cleanedUp: problems.length === 0,
    problems,
  };
}
