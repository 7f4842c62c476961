import { describe, expect, it } from 'vitest';
import {
  RESTORE_CHECKER_TICK_MS,
  type RestoreTimeline,
  restorePointAt,
} from '../../emulator/restore-timeline';

const base: RestoreTimeline = {
  startMs: 1_000_000,
  durationMs: 10_000,
  outcome: 'completed',
  failureReason: 'copy failed',
  totalSegments: 4,
  timeoutMs: 86_400_000,
};

describe('restorePointAt', () => {
  it('keeps an empty snapshot Pending at progress 100 for one checker tick, then completes it with "no segments to copy"', () => {
    // Act
    const empty = { ...base, totalSegments: 0, outcome: 'stuck' as const };
    const before = restorePointAt(empty, base.startMs + RESTORE_CHECKER_TICK_MS - 1);
    const after = restorePointAt(empty, base.startMs + RESTORE_CHECKER_TICK_MS);

    // Assess: even a plan that says stuck has nothing to get stuck on
    expect(before).toEqual({ state: 'RestoreSnapshotPending', copiedSegments: 0, progress: 100, reason: '' });
    expect(after).toEqual({
      state: 'RestoreSnapshotCompleted',
      copiedSegments: 0,
      progress: 100,
      reason: 'no segments to copy',
      endedAtMs: base.startMs + RESTORE_CHECKER_TICK_MS,
    });
  });

  it('is Pending first, then Executing with progress in whole segments, then Completed at the duration', () => {
    // Act
    const at = (elapsed: number) => restorePointAt(base, base.startMs + elapsed);

    // Assess
    expect(at(0)).toMatchObject({ state: 'RestoreSnapshotPending', progress: 0 });
    expect(at(999)).toMatchObject({ state: 'RestoreSnapshotPending' });
    expect(at(1_000)).toMatchObject({ state: 'RestoreSnapshotExecuting', progress: 0 });
    expect(at(5_500)).toMatchObject({ state: 'RestoreSnapshotExecuting', copiedSegments: 2, progress: 50 });
    expect(at(9_999)).toMatchObject({ state: 'RestoreSnapshotExecuting', progress: 75 });
    expect(at(10_000)).toEqual({
      state: 'RestoreSnapshotCompleted',
      copiedSegments: 4,
      progress: 100,
      reason: '',
      endedAtMs: base.startMs + 10_000,
    });
  });

  it('fails at the duration with the reason, short of the last segment', () => {
    // Act
    const point = restorePointAt({ ...base, outcome: 'failed' }, base.startMs + 20_000);

    // Assess
    expect(point).toEqual({
      state: 'RestoreSnapshotFailed',
      copiedSegments: 3,
      progress: 75,
      reason: 'copy failed',
      endedAtMs: base.startMs + 10_000,
    });
  });

  it('keeps a stuck job Executing below 100 until the timeout, then fails it with "timeout"', () => {
    // Prepare
    const stuck = { ...base, outcome: 'stuck' as const };

    // Act
    const before = restorePointAt(stuck, base.startMs + base.timeoutMs - 1);
    const after = restorePointAt(stuck, base.startMs + base.timeoutMs);

    // Assess
    expect(before).toMatchObject({ state: 'RestoreSnapshotExecuting', progress: 75 });
    expect(after).toMatchObject({
      state: 'RestoreSnapshotFailed',
      reason: 'timeout',
      endedAtMs: base.startMs + base.timeoutMs,
    });
  });

  it('times out a completing job whose duration exceeds the server timeout', () => {
    // Act
    const point = restorePointAt({ ...base, durationMs: base.timeoutMs * 2 }, base.startMs + base.timeoutMs);

    // Assess
    expect(point).toMatchObject({ state: 'RestoreSnapshotFailed', reason: 'timeout' });
  });

  it('completes immediately with a zero duration', () => {
    // Assess
    expect(restorePointAt({ ...base, durationMs: 0 }, base.startMs)).toMatchObject({
      state: 'RestoreSnapshotCompleted',
      progress: 100,
    });
  });
});
