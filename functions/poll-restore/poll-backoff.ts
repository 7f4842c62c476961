import type { PollBackoff } from '../shared/contracts/drill-settings';

/**
 * The wait before poll number `attempt` (0 = the first poll after starting the restore):
 * `initialSeconds × factor^attempt`, never more than `maxSeconds`, in whole seconds (a Wait
 * state's `SecondsPath` takes an integer).
 */
export function backoffWaitSeconds(backoff: PollBackoff, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`a poll attempt is a non-negative integer, got ${attempt}`);
  }
  const raw = backoff.initialSeconds * backoff.factor ** attempt;
  return Math.max(1, Math.ceil(Math.min(backoff.maxSeconds, raw)));
}

/** Where a wait is in the drill's time budget. */
export interface WaitContext {
  readonly backoff: PollBackoff;
  /** Polls made so far (0 before the first). */
  readonly attempt: number;
  /** Time since the restore started. */
  readonly elapsedMs: number;
  /** The drill's time budget, from the start of the restore. */
  readonly timeoutMs: number;
}

/**
 * The next wait, cut so that the next poll lands right at the deadline rather than a whole backoff
 * step past it: a restore still running then is reported as timed out without delay. Never less
 * than one second.
 */
export function nextWaitSeconds({ backoff, attempt, elapsedMs, timeoutMs }: WaitContext): number {
  const scheduled = backoffWaitSeconds(backoff, attempt);
  const remainingSeconds = Math.ceil((timeoutMs - elapsedMs) / 1000);
  return Math.max(1, Math.min(scheduled, remainingSeconds));
}

/** How a restore of a given duration is observed under a backoff schedule. */
export interface PollSimulation {
  /** Polls made, the last one seeing the restore finished (or the deadline passed). */
  readonly polls: number;
  /** When the finishing poll happened, from the start of the restore. */
  readonly detectedAtMs: number;
  /** How long after the restore finished the workflow noticed it. */
  readonly lagMs: number;
  /** The restore was still running at the deadline. */
  readonly timedOut: boolean;
}

/**
 * Replays the poll loop for a restore that takes `restoreMs` (ignoring Lambda and state-machine
 * overhead): what a drill of that restore will cost in polls and in detection lag.
 */
export function simulatePolls(backoff: PollBackoff, restoreMs: number, timeoutMs: number): PollSimulation {
  let elapsedMs = nextWaitSeconds({ backoff, attempt: 0, elapsedMs: 0, timeoutMs }) * 1000;
  let polls = 1;
  while (elapsedMs < restoreMs && elapsedMs < timeoutMs) {
    elapsedMs += nextWaitSeconds({ backoff, attempt: polls, elapsedMs, timeoutMs }) * 1000;
    polls += 1;
  }
  const timedOut = elapsedMs < restoreMs;
  return { polls, detectedAtMs: elapsedMs, lagMs: timedOut ? 0 : elapsedMs - restoreMs, timedOut };
}
