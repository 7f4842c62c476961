import { describe, expect, it } from 'vitest';
import {
  decidePoll,
  formatDuration,
  MAX_NONE_STREAK,
  type PollTiming,
} from '../../../functions/poll-restore/poll-restore';
import { pollBackoffSchema } from '../../../functions/shared/contracts/drill-settings';
import type { RestoreJob, RestoreState } from '../../../functions/shared/milvus/milvus-gateway';

const HOUR = 3_600_000;
const timing = (overrides: Partial<PollTiming> = {}): PollTiming => ({
  backoff: pollBackoffSchema.parse({}),
  previousPolls: 3,
  elapsedMs: 75_000,
  timeoutMs: HOUR,
  ...overrides,
});
const job = (state: RestoreState, overrides: Partial<RestoreJob> = {}) =>
  ({
    kind: 'job',
    job: {
      jobId: '451',
      snapshotName: 'daily_20261121_030000',
      database: 'default',
      collection: 'drill_products_20261121_030000_abc123',
      state,
      progress: 40,
      reason: '',
      startTime: 0,
      timeCostMs: 0,
      ...overrides,
    },
  }) as const;

describe('decidePoll', () => {
  it('keeps waiting on an Executing job that already reports 100 %: state decides, not progress', () => {
    // Act
    const poll = decidePoll(job('RestoreSnapshotExecuting', { progress: 100 }), timing());

    // Assess
    expect(poll).toMatchObject({ decision: 'wait', progress: 100, polls: 4, waitSeconds: 80 });
  });

  it('completes a Completed job whatever its progress, with Milvus time_cost as the restore time', () => {
    // Act
    const poll = decidePoll(job('RestoreSnapshotCompleted', { progress: 60, timeCostMs: 71_234 }), timing());

    // Assess
    expect(poll).toMatchObject({ decision: 'completed', restoreMs: 71_234, waitSeconds: 0, polls: 4 });
  });

  it('fails a Failed job with Milvus reason', () => {
    // Act
    const poll = decidePoll(
      job('RestoreSnapshotFailed', { reason: 'copy segment 7: object not found' }),
      timing(),
    );

    // Assess
    expect(poll.decision).toBe('failed');
    expect(poll.reason).toContain('copy segment 7: object not found');
  });

  it('keeps polling a job that reads RestoreSnapshotNone: Milvus shows internal phases (publishing) as None', () => {
    // Act
    const first = decidePoll(job('RestoreSnapshotNone'), timing());
    const again = decidePoll(
      job('RestoreSnapshotNone'),
      timing({ previousNoneStreak: first.noneStreak ?? 0 }),
    );

    // Assess
    expect(first).toMatchObject({ decision: 'wait', noneStreak: 1, state: 'RestoreSnapshotNone' });
    expect(again).toMatchObject({ decision: 'wait', noneStreak: 2 });
  });

  it(`fails a job that stays RestoreSnapshotNone ${MAX_NONE_STREAK} polls in a row, saying so`, () => {
    expect(
      decidePoll(job('RestoreSnapshotNone'), timing({ previousNoneStreak: MAX_NONE_STREAK - 1 })),
    ).toMatchObject({
      decision: 'failed',
      noneStreak: MAX_NONE_STREAK,
      reason: expect.stringMatching(/RestoreSnapshotNone 5 polls in a row .*: it is not running/),
    });
  });

  it('starts counting None again after the job moves on', () => {
    const poll = decidePoll(job('RestoreSnapshotExecuting'), timing({ previousNoneStreak: 4 }));
    expect(poll.decision).toBe('wait');
    expect(poll.noneStreak).toBeUndefined();
  });

  it('times out a job still reading None at the drill deadline', () => {
    expect(decidePoll(job('RestoreSnapshotNone'), timing({ elapsedMs: HOUR }))).toMatchObject({
      decision: 'timedOut',
      reason: expect.stringContaining('still in state RestoreSnapshotNone'),
    });
  });

  it('fails an unknown job (2101) with a reason that says why it may be gone', () => {
    // Act
    const poll = decidePoll({ kind: 'notFound', message: 'restore job not found: jobID=451' }, timing());

    // Assess
    expect(poll).toMatchObject({ decision: 'failed', state: 'RestoreJobNotFound', waitSeconds: 0 });
    expect(poll.reason).toMatch(/2101.*3 hours.*jobID=451/);
  });

  it('times out a job still running exactly at the deadline, not one second before', () => {
    // Act
    const before = decidePoll(job('RestoreSnapshotPending'), timing({ elapsedMs: HOUR - 1000 }));
    const at = decidePoll(job('RestoreSnapshotPending'), timing({ elapsedMs: HOUR }));

    // Assess
    expect(before).toMatchObject({ decision: 'wait', waitSeconds: 1 });
    expect(at).toMatchObject({ decision: 'timedOut', waitSeconds: 0 });
    expect(at.reason).toBe(
      'the restore was still pending (progress 40 %) after 1 h, past the drill timeout of 1 h',
    );
  });

  it('reports a job that completed after the deadline as completed: the restore did succeed', () => {
    expect(decidePoll(job('RestoreSnapshotCompleted'), timing({ elapsedMs: 2 * HOUR })).decision).toBe(
      'completed',
    );
  });

  it('counts the first poll as poll 1 and waits the second backoff step after it', () => {
    expect(
      decidePoll(job('RestoreSnapshotPending'), timing({ previousPolls: 0, elapsedMs: 5_000 })),
    ).toMatchObject({
      polls: 1,
      waitSeconds: 10,
      elapsedMs: 5_000,
    });
  });

  it('fails a state name it does not know rather than looping on it', () => {
    expect(decidePoll(job('RestoreSnapshotPaused' as RestoreState), timing())).toMatchObject({
      decision: 'failed',
      state: 'Unknown',
      reason: expect.stringContaining("'RestoreSnapshotPaused'"),
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [42_000, '42 s'],
    [303_000, '5 min 3 s'],
    [3_720_000, '1 h 2 min'],
    [7_200_000, '2 h'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
