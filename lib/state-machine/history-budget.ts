import { nextWaitSeconds } from '../../functions/poll-restore/poll-backoff';
import type { RuntimeConfig } from '../../functions/shared/contracts/runtime-config';

/**
 * Step Functions keeps at most 25,000 events in an execution's history; an execution that needs
 * more fails. Each collection runs in its own child execution, so what must fit is one
 * collection's worst case: every loop running until its deadline.
 */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * What the loops may use of it. The rest (5,000 events) is left for retries, which add three
 * events each (failed, scheduled, started): 1,666 retries of the steps' Retry policies.
 */
export const HISTORY_BUDGET = 20_000;

/**
 * Events each kind of state writes to the history: a Lambda task (`lambda:invoke`) is entered,
 * scheduled, started, succeeds and is exited; a Choice, Wait or Pass is entered and exited.
 * test/lib/state-machine/history-budget.test.ts checks these against the definition.
 */
export const EVENTS_PER_STATE = { Task: 5, Choice: 2, Wait: 2, Pass: 2 } as const;

/** ExecutionStarted and ExecutionSucceeded (or Failed). */
export const EXECUTION_EVENTS = 2;

/** One more round of a polling loop: a Wait, the checking task, the Choice. */
export const EVENTS_PER_LOOP_ROUND = EVENTS_PER_STATE.Wait + EVENTS_PER_STATE.Task + EVENTS_PER_STATE.Choice;

/**
 * A full run of one collection with one flush check, one restore poll and no load wait: Route,
 * Flush, CheckFlush, Flushed?, CreateSnapshot, EnforceRetention, DrillAfterBackup?, ChooseSnapshot,
 * SweepOrphans, StartRestore, WaitBeforeFirstPoll, PollRestore, RestoreDone?, VerifyRestore,
 * VerificationDone?, CleanupDrill, RecordDrill, RecordCollectionResult (checked by the test).
 */
export const FULL_RUN_BASE_EVENTS =
  EXECUTION_EVENTS + 12 * EVENTS_PER_STATE.Task + 5 * EVENTS_PER_STATE.Choice + EVENTS_PER_STATE.Wait;

/** The worst case of one collection's child execution under a configuration. */
export interface HistoryWorstCase {
  /** Flush-state checks until `flush.timeoutSeconds` has passed. */
  readonly flushChecks: number;
  /** Restore polls until `drill.timeoutMinutes` has passed. */
  readonly restorePolls: number;
  /** Load waits of a deep check, when the restore finished at the worst moment (0 for `standard`). */
  readonly loadWaits: number;
  /** History events of a full run with all of these. */
  readonly events: number;
}

/**
 * The most history events one collection's child execution can write: a full run whose flush
 * completes at its last check before the timeout, and whose restore and load take until the drill
 * deadline. Lambda and state machine overheads are left out (they only shorten the loops).
 */
export function historyWorstCase(config: Pick<RuntimeConfig, 'drill' | 'flush'>): HistoryWorstCase {
  const { flush, drill } = config;
  const flushChecks = Math.ceil(flush.timeoutSeconds / flush.pollSeconds) + 1;
  const timeoutMs = drill.timeoutMinutes * 60_000;
  const pollTimes = waitsUntil(drill.backoff, 0, timeoutMs);
  const restorePolls = pollTimes.length;
  let loadWaits = 0;
  let loopRounds = restorePolls - 1;
  const base = FULL_RUN_BASE_EVENTS + EVENTS_PER_LOOP_ROUND * (flushChecks - 1);
  if (drill.verification === 'deep' && base + EVENTS_PER_LOOP_ROUND * loopRounds <= HISTORY_BUDGET) {
    // The restore may finish at any poll; the load then waits, on its own backoff, until the
    // deadline. The worst case is the poll that leaves the most rounds in total.
    for (const [k, detectedAt] of pollTimes.entries()) {
      const waits = waitsUntil(drill.backoff, detectedAt, timeoutMs).length;
      if (k + waits > loopRounds + loadWaits) {
        loopRounds = k;
        loadWaits = waits;
      }
    }
  }
  return {
    flushChecks,
    restorePolls: loopRounds + 1,
    loadWaits,
    events: base + EVENTS_PER_LOOP_ROUND * (loopRounds + loadWaits),
  };
}

/** The times (ms from the restore's start) of each check that waits until the deadline, as the steps schedule them. */
function waitsUntil(
  backoff: RuntimeConfig['drill']['backoff'],
  startMs: number,
  timeoutMs: number,
): number[] {
  const times: number[] = [];
  let elapsedMs = startMs;
  while (elapsedMs < timeoutMs) {
    elapsedMs += nextWaitSeconds({ backoff, attempt: times.length, elapsedMs, timeoutMs }) * 1000;
    times.push(elapsedMs);
    // A pathological configuration (a 1 s wait for a day) is refused without counting it all.
    if (times.length >= MAX_HISTORY_EVENTS) break;
  }
  return times;
}

/** Why a configuration may exceed the history limit, or `undefined` when it cannot. */
export function historyProblem(config: Pick<RuntimeConfig, 'drill' | 'flush'>): string | undefined {
  const worst = historyWorstCase(config);
  if (worst.events <= HISTORY_BUDGET) return undefined;
  const { flush, drill } = config;
  const loads = worst.loadWaits > 0 ? ` and ${worst.loadWaits} load waits of the deep check` : '';
  return (
    `one collection's run may write ${worst.events.toLocaleString('en-US')} history events ` +
    `(${worst.flushChecks} flush checks every ${flush.pollSeconds} s for ${flush.timeoutSeconds} s, ` +
    `${worst.restorePolls} restore polls from ${drill.backoff.initialSeconds} s × ${drill.backoff.factor} up to ${drill.backoff.maxSeconds} s for ${drill.timeoutMinutes} min${loads}), ` +
    `more than the ${HISTORY_BUDGET.toLocaleString('en-US')} this workflow allows its loops of the ${MAX_HISTORY_EVENTS.toLocaleString('en-US')} Step Functions keeps; ` +
    'wait longer between checks (flush.pollSeconds, drill.backoff) or give up sooner (flush.timeoutSeconds, drill.timeoutMinutes)'
  );
}
