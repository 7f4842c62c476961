import * as z from 'zod';
import type { PollBackoff } from '../shared/contracts/drill-settings';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { RestoreJobNotFoundError } from '../shared/errors';
import type { MilvusGateway, RestoreJob } from '../shared/milvus/milvus-gateway';
import { restoreStartSchema } from '../start-restore/start-restore';
import { nextWaitSeconds } from './poll-backoff';

/** What the poll loop does next. */
export const POLL_DECISIONS = ['wait', 'completed', 'failed', 'timedOut'] as const;

/** A poll's view of the job: Milvus' state name, or `RestoreJobNotFound` when Milvus answered 2101. */
export const POLLED_STATES = [
  'RestoreSnapshotNone',
  'RestoreSnapshotPending',
  'RestoreSnapshotExecuting',
  'RestoreSnapshotCompleted',
  'RestoreSnapshotFailed',
  'RestoreJobNotFound',
  'Unknown',
] as const;

/** One poll of the restore (`$.poll`); the previous one is fed back into the next poll. */
export const pollResultSchema = z
  .object({
    state: z.enum(POLLED_STATES),
    /** Milvus' progress (copied segments, percent). Reported, never used to decide. */
    progress: z.number().min(0).max(100),
    reason: z.string().optional(),
    /** Polls made so far, this one included. */
    polls: z.number().int().positive(),
    /** Since the restore started. */
    elapsedMs: z.number().int().nonnegative(),
    /** Milvus' own restore time (`time_cost`), when completed; 0 otherwise. */
    restoreMs: z.number().int().nonnegative(),
    /** Seconds to wait before the next poll (0 when the loop is over). */
    waitSeconds: z.number().int().nonnegative(),
    /** Polls in a row, up to this one, that read RestoreSnapshotNone. */
    noneStreak: z.number().int().nonnegative().optional(),
    decision: z.enum(POLL_DECISIONS),
  })
  .strict();

/** One poll of the restore. */
export type PollResult = z.infer<typeof pollResultSchema>;

/** PollRestore's input: the run, the collection, the started restore and the previous poll. */
export const pollRestoreInputSchema = collectionStepBaseSchema.extend({
  restore: restoreStartSchema,
  poll: pollResultSchema.optional(),
});

/** PollRestore's input. */
export type PollRestoreInput = z.infer<typeof pollRestoreInputSchema>;

/** What PollRestore needs. */
export interface PollRestoreDependencies {
  readonly milvus: MilvusGateway;
  readonly now: () => Date;
}

/** What one poll observed: the job, or Milvus' answer that it does not know the job. */
export type PollObservation =
  | { readonly kind: 'job'; readonly job: RestoreJob }
  | { readonly kind: 'notFound'; readonly message: string };

/**
 * Polls in a row that may read `RestoreSnapshotNone` before the drill fails. Milvus reports any
 * internal job state it does not list (a publishing phase, in some versions) as None, so one None
 * is not an answer; a job that stays None this long is reported as one that never ran.
 */
export const MAX_NONE_STREAK = 5;

/** The drill's clock and budget at this poll. */
export interface PollTiming {
  readonly backoff: PollBackoff;
  /** Polls made before this one. */
  readonly previousPolls: number;
  /** Polls in a row before this one that read RestoreSnapshotNone. */
  readonly previousNoneStreak?: number;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
}

/**
 * Decides the next move from one observation. Only `state` decides: a job at 100 % that is still
 * Executing keeps being polled, a Completed job is done whatever its progress says.
 */
export function decidePoll(observation: PollObservation, timing: PollTiming): PollResult {
  const polls = timing.previousPolls + 1;
  const elapsedMs = Math.max(0, Math.round(timing.elapsedMs));
  const base = { polls, elapsedMs, restoreMs: 0, waitSeconds: 0 };
  if (observation.kind === 'notFound') {
    return {
      ...base,
      state: 'RestoreJobNotFound',
      progress: 0,
      decision: 'failed',
      reason:
        'Milvus no longer knows the restore job (code 2101): it was never created, or it finished more ' +
        `than about 3 hours ago and was forgotten. ${observation.message}`,
    };
  }
  const { job } = observation;
  const progress = clampProgress(job.progress);
  switch (job.state) {
    case 'RestoreSnapshotCompleted':
      return {
        ...base,
        state: job.state,
        progress,
        restoreMs: Math.max(0, Math.round(job.timeCostMs)),
        decision: 'completed',
      };
    case 'RestoreSnapshotFailed':
      return {
        ...base,
        state: job.state,
        progress,
        decision: 'failed',
        reason: `Milvus reports the restore failed: ${job.reason.trim() || 'no reason given'}`,
      };
    case 'RestoreSnapshotPending':
    case 'RestoreSnapshotExecuting':
    case 'RestoreSnapshotNone': {
      const noneStreak = job.state === 'RestoreSnapshotNone' ? (timing.previousNoneStreak ?? 0) + 1 : 0;
      const streak = noneStreak > 0 ? { noneStreak } : {};
      const what =
        job.state === 'RestoreSnapshotPending'
          ? 'pending'
          : job.state === 'RestoreSnapshotExecuting'
            ? 'executing'
            : 'in state RestoreSnapshotNone';
      if (elapsedMs >= timing.timeoutMs) {
        return {
          ...base,
          state: job.state,
          progress,
          ...streak,
          decision: 'timedOut',
          reason:
            `the restore was still ${what} (progress ${progress} %) after ${formatDuration(elapsedMs)}, ` +
            `past the drill timeout of ${formatDuration(timing.timeoutMs)}`,
        };
      }
      if (noneStreak >= MAX_NONE_STREAK) {
        return {
          ...base,
          state: job.state,
          progress,
          ...streak,
          decision: 'failed',
          reason:
            `Milvus reported the restore job in state RestoreSnapshotNone ${noneStreak} polls in a row ` +
            `(${formatDuration(elapsedMs)} after it started): it is not running`,
        };
      }
      const waitSeconds = nextWaitSeconds({
        backoff: timing.backoff,
        attempt: polls,
        elapsedMs,
        timeoutMs: timing.timeoutMs,
      });
      return { ...base, state: job.state, progress, ...streak, waitSeconds, decision: 'wait' };
    }
    default:
      return {
        ...base,
        state: 'Unknown',
        progress,
        decision: 'failed',
        reason: `Milvus reports the restore job in an unknown state '${String(job.state)}'`,
      };
  }
}

/**
 * Reads the restore job's state once and decides: wait (with the next backoff step), completed,
 * failed (Milvus' reason, or a clear one for an unknown job), or timed out. The waiting itself is
 * the state machine's Wait state (`SecondsPath: $.poll.waitSeconds`).
 */
export async function pollRestore(
  input: PollRestoreInput,
  { milvus, now }: PollRestoreDependencies,
): Promise<PollResult> {
  let observation: PollObservation;
  try {
    observation = { kind: 'job', job: await milvus.restoreState(input.restore.jobId) };
  } catch (error) {
    if (!(error instanceof RestoreJobNotFoundError)) throw error;
    observation = { kind: 'notFound', message: error.message };
  }
  return decidePoll(observation, {
    backoff: input.run.drill.backoff,
    previousPolls: input.poll?.polls ?? 0,
    previousNoneStreak: input.poll?.noneStreak ?? 0,
    elapsedMs: now().getTime() - Date.parse(input.restore.startedAt),
    timeoutMs: input.run.drill.timeoutMinutes * 60_000,
  });
}

function clampProgress(progress: number): number {
  return Number.isFinite(progress) ? Math.min(100, Math.max(0, Math.round(progress))) : 0;
}

/** `42 s`, `5 min 3 s`, `1 h 2 min`: for reasons a person reads. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
