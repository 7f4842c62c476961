import * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { pollResultSchema } from '../poll-restore/poll-restore';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { switchoverResultSchema } from '../shared/contracts/run-report';
import { CollectionNotFoundError, MilvusUnavailableError, RestoreJobNotFoundError } from '../shared/errors';
import { DrillLedger } from '../shared/ledger/drill-ledger';
import { drillCollectionState } from '../shared/ledger/drill-proof';
import type { CollectionRef, MilvusGateway } from '../shared/milvus/milvus-gateway';
import { type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { runTargetName } from '../start-restore/drill-target';
import { replacedName, restoreStartSchema } from '../start-restore/start-restore';
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
  switchover: switchoverResultSchema.optional(),
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
    /**
     * Nothing the drill created is left in Milvus, and nothing it asked for can still appear: the
     * drill collection is verified absent (or kept on purpose) and no restore request of the drill
     * is unaccounted for.
     */
    cleanedUp: z.boolean(),
    /** What may be left behind, and why; the orphan sweep of a later drill removes it. */
    problems: z.array(z.string()),
  })
  .strict();

/** What cleanup did. */
export type CleanupResult = z.infer<typeof cleanupResultSchema>;

/** What CleanupDrill needs. */
export interface CleanupDrillDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'hasCollection' | 'describeCollection' | 'listRestoreJobs' | 'dropCollection' | 'restoreState'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
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

const RUNNING = new Set(['RestoreSnapshotPending', 'RestoreSnapshotExecuting']);

/**
 * Runs after every drill, whatever happened: drops the drill collection — only the one this
 * drill's ledger record proves it created (by its Milvus id, or a restore job of the snapshot
 * into it) — and then checks that Milvus really holds nothing of it any more.
 *
 * `cleanedUp` is true only when the collection is verified absent (or kept on purpose), none of
 * the drill's restore jobs is still running, and every RestoreSnapshot request of the drill was
 * answered: a request whose reply was lost may still create the collection later, so the report
 * says so and the record stays in the ledger, where the next drill's sweep finds it. The record
 * is removed once nothing is left.
 *
 * Problems are reported (`cleanedUp: false`), not thrown, so the drill's result is still recorded;
 * only a transient Milvus failure is thrown, after everything was attempted, for the state machine
 * to retry this idempotent step.
 */
export async function cleanupDrill(
  input: CleanupDrillInput,
  deps: CleanupDrillDependencies,
): Promise<CleanupResult> {
  const { run, target, verification } = input;
  const { milvus } = deps;
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

  const name = runTargetName(run, target.collection);
  const ref: CollectionRef = { database: target.database, collection: name };
  const operator = run.mode === 'restore';
  const ledger = new DrillLedger(deps.store, recordScopeOf(run), operator ? 'restore' : 'drill');
  const record = await ledger.read(ref.database, name);
  if (!record || record.runId !== run.runId) {
    // The drill never asked for a restore (or the name is another run's): nothing of this drill exists.
    return { targetCollection: null, dropped: false, cleanedUp: true, problems: [] };
  }
  if (record.state === 'chosen') {
    // Only the hold ChooseSnapshot took: no restore was asked for, so nothing of the drill is in
    // Milvus (a collection of that name is someone else's). Releasing it frees the snapshot for
    // retention now rather than at the run's end.
    await attempt('release the hold on the chosen snapshot', () => ledger.remove(record));
    if (transient) throw transient;
    return { targetCollection: null, dropped: false, cleanedUp: problems.length === 0, problems };
  }

  const verified = verification?.verified === true && !verification.deepPending;
  if (operator) {
    // An operator's restore: its collection is the result, never dropped once it succeeded, and
    // after a failure only with cleanupOnFailure.
    const succeeded = verified && input.switchover?.done === true;
    if (!succeeded && run.restore?.swap) {
      // A swap that failed after its first rename (a lost reply, then retries run out) left the
      // original aside: the operator must know where the application's collection went.
      const db = target.database;
      const aside = replacedName(run, target.collection);
      const moved = await attempt(
        `look up ${db}.${target.collection}`,
        async () =>
          !(await milvus.hasCollection({ database: db, collection: target.collection })) &&
          (await milvus.hasCollection({ database: db, collection: aside })),
      );
      if (moved) {
        problems.push(
          `${db}.${target.collection} does not exist: the swap renamed the original to ${db}.${aside} ` +
            `and did not finish; rename it back to ${target.collection}`,
        );
      }
    }
    if (succeeded || !run.restore?.cleanupOnFailure) {
      if (succeeded) await attempt('remove the restore record', () => ledger.remove(record));
      if (transient) throw transient;
      return {
        targetCollection: input.switchover?.swap?.original ?? name,
        dropped: false,
        keptReason: succeeded
          ? "it is the restore's result"
          : 'kept to inspect the failed restore (set "cleanupOnFailure": true to drop it)',
        cleanedUp: problems.length === 0,
        problems,
      };
    }
  }

  let dropped = false;
  let absent = false;
  const keptReason = operator ? undefined : keepReason(run.drill, verified);
  const state = await attempt(`look up ${name}`, () => drillCollectionState(milvus, record));
  if (state && !state.exists) absent = true;
  if (state?.exists && !state.ours) {
    problems.push(`${ref.database}.${name} exists but is left untouched: ${state.reason}`);
  }
  if (state?.exists && state.ours && !keptReason) {
    await attempt(`drop ${ref.database}.${name}`, async () => {
      try {
        await milvus.dropCollection(ref);
      } catch (error) {
        if (!(error instanceof CollectionNotFoundError)) throw error;
      }
      dropped = true;
    });
    if (dropped) {
      const still = await attempt(`check that ${name} is gone`, () => milvus.hasCollection(ref));
      if (still === false) absent = true;
      else if (still === true) problems.push(`${ref.database}.${name} is still listed after it was dropped`);
    }
  }

  for (const jobId of record.jobIds) {
    const job = await attempt(`read restore job ${jobId}`, () =>
      milvus.restoreState(jobId).catch((error: unknown) => {
        // Forgotten by Milvus: long over.
        if (error instanceof RestoreJobNotFoundError) return undefined;
        throw error;
      }),
    );
    if (job && RUNNING.has(job.state)) problems.push(`restore job ${jobId} into ${name} is still running`);
  }
  if (record.lostRequests > 0 && !keptReason) {
    problems.push(
      `${record.lostRequests} restore request(s) into ${name} got no reply and may still create it; ` +
        "the next drill's orphan sweep removes it if it appears",
    );
  }

  if (keptReason && state?.exists && state.ours) {
    await ledger.write({
      ...record,
      state: 'kept',
      updatedBy: run.runId,
      updatedAt: deps.now().toISOString(),
    });
  } else if (absent && problems.length === 0) {
    await attempt('remove the drill record', () => ledger.remove(record));
  }

  if (transient) throw transient;
  return {
    targetCollection: name,
    dropped,
    ...(keptReason ? { keptReason } : {}),
    cleanedUp: problems.length === 0 && (absent || keptReason !== undefined),
    problems,
  };
}
