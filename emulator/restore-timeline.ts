/** Restore job states, named as the SDK reports them. */
export type RestoreState =
  | 'RestoreSnapshotPending'
  | 'RestoreSnapshotExecuting'
  | 'RestoreSnapshotCompleted'
  | 'RestoreSnapshotFailed';

/** How a restore job was told to behave, and what it copies. */
export interface RestoreTimeline {
  readonly startMs: number;
  /** Clock milliseconds from start until the copy completes (or fails). */
  readonly durationMs: number;
  readonly outcome: 'completed' | 'failed' | 'stuck';
  readonly failureReason: string;
  readonly totalSegments: number;
  /** The server gives up on a job after this long (24 h) with reason "timeout". */
  readonly timeoutMs: number;
}

/** A restore job's state at one moment. */
export interface RestorePoint {
  readonly state: RestoreState;
  /** Segments copied so far. */
  readonly copiedSegments: number;
  /** `copiedSegments * 100 / totalSegments` (integer); 100 when there is nothing to copy. */
  readonly progress: number;
  readonly reason: string;
  /** When the job reached its terminal state; undefined while running. */
  readonly endedAtMs?: number;
}

/**
 * Period of datacoord's copy-segment checker. A job with nothing to copy waits in Pending
 * (progress 100) until the checker's next pass marks it Completed.
 */
export const RESTORE_CHECKER_TICK_MS = 2_000;

// A job waits in Pending for a tenth of its duration (at most a second) before copying.
const PENDING_SHARE = 0.1;
const MAX_PENDING_MS = 1_000;

/**
 * Where a restore job stands at `nowMs`, computed from the clock rather than from timers: Pending,
 * then Executing while segments are copied evenly over the duration, then Completed, or Failed
 * with the plan's reason. A `stuck` job copies all but its last segment and stays Executing; any
 * job still running after the server's 24 h timeout fails with reason "timeout". A job with no
 * segments reads Pending with progress 100 for one checker tick, then Completed with reason
 * "no segments to copy", whatever the plan said (there is no copy to fail or to get stuck).
 */
export function restorePointAt(timeline: RestoreTimeline, nowMs: number): RestorePoint {
  const { startMs, durationMs, outcome, totalSegments, timeoutMs } = timeline;
  if (totalSegments === 0) {
    const checkedAt = startMs + RESTORE_CHECKER_TICK_MS;
    return nowMs < checkedAt
      ? { state: 'RestoreSnapshotPending', copiedSegments: 0, progress: 100, reason: '' }
      : {
          state: 'RestoreSnapshotCompleted',
          copiedSegments: 0,
          progress: 100,
          reason: 'no segments to copy',
          endedAtMs: checkedAt,
        };
  }
  const timeoutAt = startMs + timeoutMs;
  const endAt = outcome === 'stuck' ? Number.POSITIVE_INFINITY : startMs + durationMs;
  const copiedAt = (atMs: number): number => {
    const pendingMs = Math.min(durationMs * PENDING_SHARE, MAX_PENDING_MS);
    const executingMs = durationMs - pendingMs;
    const elapsed = atMs - startMs - pendingMs;
    const fraction = executingMs <= 0 ? 1 : Math.min(1, Math.max(0, elapsed / executingMs));
    const copied = Math.floor(totalSegments * fraction);
    // Only a completed copy finishes its last segment.
    return outcome === 'completed' && atMs >= endAt ? totalSegments : Math.min(copied, totalSegments - 1);
  };
  const point = (
    state: RestoreState,
    copiedSegments: number,
    reason: string,
    endedAtMs?: number,
  ): RestorePoint => ({
    state,
    copiedSegments,
    progress: Math.floor((copiedSegments * 100) / totalSegments),
    reason,
    ...(endedAtMs === undefined ? {} : { endedAtMs }),
  });

  if (endAt <= nowMs && endAt <= timeoutAt) {
    return outcome === 'completed'
      ? point('RestoreSnapshotCompleted', totalSegments, '', endAt)
      : point('RestoreSnapshotFailed', copiedAt(endAt), timeline.failureReason, endAt);
  }
  if (timeoutAt <= nowMs) {
    return point('RestoreSnapshotFailed', copiedAt(timeoutAt), 'timeout', timeoutAt);
  }
  const pendingUntil = startMs + Math.min(durationMs * PENDING_SHARE, MAX_PENDING_MS);
  if (nowMs < pendingUntil) {
    return point('RestoreSnapshotPending', 0, '');
  }
  return point('RestoreSnapshotExecuting', copiedAt(nowMs), '');
}
