import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildDrillResult,
  drillMetrics,
  errorMessage,
  type RecordDrillInput,
  recordDrill,
} from '../../../functions/record-drill/record-drill';
import { clusterIdentity } from '../../../functions/shared/contracts/deployment';
import { drillSettingsSchema } from '../../../functions/shared/contracts/drill-settings';
import { FileReportStore, ReportKeys, recordScopeOf } from '../../../functions/shared/reports/report-store';
import { testRunDeployment } from '../../support/deployment';

const NOW = new Date('2026-11-21T03:20:00Z');
const base = (): RecordDrillInput => ({
  run: {
    runId: 'exec-1',
    deployment: testRunDeployment(),
    trigger: 'schedule',
    schedule: 'daily',
    mode: 'drill',
    dryRun: false,
    startedAt: '2026-11-21T03:00:00.000Z',
    slot: '2026-11-21T03:00:00.000Z',
    snapshotName: 'daily_20261121_030000',
    markerSchedule: 'daily',
    policies: {},
    protect: {},
    drill: drillSettingsSchema.parse({}),
    flush: { timeoutSeconds: 600, pollSeconds: 5 },
  },
  target: { database: 'default', collection: 'products', policy: 'default' },
  drillSource: {
    snapshotName: 'daily_20261120_030000',
    createdAt: '2026-11-20T03:00:01.000Z',
    contents: {
      rows: 2000,
      segments: { count: 2, rows: 2000 },
      visibleRows: 2000,
      sampleKeys: ['1', '2', '3'],
      primaryIsString: false,
      schema: '4f2a9c1d7e3b5a60',
    },
  },
  restore: {
    targetCollection: 'drill_products_20261121_030000_0a1b2c',
    collectionId: '464011987654321001',
    jobId: '451',
    startedAt: '2026-11-21T03:01:00.000Z',
    firstWaitSeconds: 5,
    resumed: false,
  },
});
const completed = {
  state: 'RestoreSnapshotCompleted',
  progress: 100,
  polls: 4,
  elapsedMs: 75_000,
  restoreMs: 61_500,
  waitSeconds: 0,
  decision: 'completed',
} as const;
const cleanup = {
  targetCollection: 'drill_products_20261121_030000_0a1b2c',
  dropped: true,
  cleanedUp: true,
  problems: [],
};
const checks = (rows: number) => [
  { name: 'exists', ok: true, expected: 'x', actual: 'x' },
  { name: 'rowCount', ok: rows === 2000, expected: 2000, actual: rows },
];
const verification = (rows: number) => ({
  checks: checks(rows),
  verified: rows === 2000,
  restoredRows: rows,
  deepPending: false,
  finishedAt: '2026-11-21T03:02:30.000Z',
});

describe('buildDrillResult', () => {
  it('reports a verified drill with Milvus restore time and the wall time up to the end of verification', () => {
    // Act
    const result = buildDrillResult(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      NOW,
    );

    // Assess
    expect(result).toEqual({
      snapshotName: 'daily_20261120_030000',
      targetCollection: 'drill_products_20261121_030000_0a1b2c',
      jobId: '451',
      state: 'Completed',
      polls: 4,
      restoreMs: 61_500,
      wallMs: 90_000,
      expectedRows: 2000,
      restoredRows: 2000,
      checks: checks(2000),
      verified: true,
      cleanedUp: true,
    });
  });

  it('names each failed check with both values when verification fails', () => {
    // Act
    const result = buildDrillResult(
      { ...base(), poll: completed, verification: verification(1500), cleanup },
      NOW,
    );

    // Assess
    expect(result).toMatchObject({ state: 'Completed', verified: false, restoredRows: 1500 });
    expect(result.reason).toBe('verification failed: rowCount expected 2000, got 1500');
  });

  it('reports a timed-out restore with the poll reason and the time it was given up', () => {
    // Act
    const result = buildDrillResult(
      {
        ...base(),
        poll: {
          ...completed,
          state: 'RestoreSnapshotExecuting',
          restoreMs: 0,
          elapsedMs: 3_600_000,
          decision: 'timedOut',
          reason: 'still executing',
        },
        cleanup,
      },
      NOW,
    );

    // Assess
    expect(result).toMatchObject({
      state: 'TimedOut',
      reason: 'still executing',
      wallMs: 3_600_000,
      verified: false,
      restoreMs: 0,
    });
  });

  it('reports a step that threw as Failed with the message from the Lambda error cause', () => {
    // Act
    const result = buildDrillResult(
      {
        ...base(),
        restore: undefined,
        drillError: {
          Error: 'DrillTargetConflictError',
          Cause: JSON.stringify({
            errorType: 'DrillTargetConflictError',
            errorMessage: 'the drill collection exists',
            trace: [],
          }),
        },
        cleanup: { ...cleanup, targetCollection: null, dropped: false },
      },
      NOW,
    );

    // Assess
    expect(result).toMatchObject({
      state: 'Failed',
      reason: 'DrillTargetConflictError: the drill collection exists',
      targetCollection: '',
      jobId: '',
      polls: 0,
      wallMs: 0,
      verified: false,
      cleanedUp: true,
    });
  });

  it('never reports a drill whose verification threw as verified', () => {
    // Act
    const result = buildDrillResult(
      {
        ...base(),
        poll: completed,
        verification: verification(2000),
        cleanup,
        drillError: { Error: 'MilvusError', Cause: 'boom' },
      },
      NOW,
    );

    // Assess
    expect(result).toMatchObject({ state: 'Failed', verified: false, reason: 'MilvusError: boom' });
  });

  it('marks the drill not cleaned up, and says why, when cleanup failed or threw', () => {
    // Act
    const reported = buildDrillResult(
      {
        ...base(),
        poll: completed,
        verification: verification(2000),
        cleanup: { ...cleanup, dropped: false, cleanedUp: false, problems: ['drop x: refused'] },
      },
      NOW,
    );
    const thrown = buildDrillResult(
      {
        ...base(),
        poll: completed,
        verification: verification(2000),
        cleanupError: { Error: 'MilvusUnavailableError', Cause: '{"errorMessage":"unreachable"}' },
      },
      NOW,
    );

    // Assess
    expect(reported).toMatchObject({
      cleanedUp: false,
      verified: true,
      reason: 'cleanup left something behind: drop x: refused',
    });
    expect(thrown).toMatchObject({
      cleanedUp: false,
      reason: 'cleanup failed: MilvusUnavailableError: unreachable',
    });
  });
});

describe('errorMessage', () => {
  it.each([
    [
      { Error: 'X', Cause: '{"errorType":"NoSnapshotToDrillError","errorMessage":"no snapshot"}' },
      'NoSnapshotToDrillError: no snapshot',
    ],
    [
      { Error: 'States.Timeout', Cause: 'Task timed out after 60 s' },
      'States.Timeout: Task timed out after 60 s',
    ],
    [
      { Error: 'States.TaskFailed', Cause: '{"errorMessage": trunc' },
      'States.TaskFailed: {"errorMessage": trunc',
    ],
    [{ Error: 'States.Runtime' }, 'States.Runtime'],
    [{ Error: 'X', Cause: '{"errorMessage":""}' }, 'X: {"errorMessage":""}'],
  ])('reads %j as %s', (caught, message) => {
    expect(errorMessage(caught)).toBe(message);
  });
});

describe('recordDrill', () => {
  let dir: string;
  let store: FileReportStore;
  const key = ReportKeys.latestVerified(recordScopeOf(base().run), 'default', 'products');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-drill-'));
    store = new FileReportStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records a verified snapshot as the newest verified one for retention', async () => {
    // Act
    await recordDrill(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );

    // Assess
    expect(await store.getJson(key)).toEqual({
      snapshotName: 'daily_20261120_030000',
      snapshotCreatedAt: '2026-11-20T03:00:01.000Z',
      verifiedAt: '2026-11-21T03:02:30.000Z',
      runId: 'exec-1',
      restoreMs: 61_500,
    });
  });

  it('keeps one record per cluster: a drill on one Milvus never replaces the newest verified of another', async () => {
    // Prepare: the same runs directory serves the built-in emulator and a real Milvus
    const real = {
      ...base().run,
      deployment: testRunDeployment(clusterIdentity('milvus.prod.example.com:19530')),
    };
    const source = base().drillSource;
    if (!source) throw new Error('the base input has a drill source');
    const newerOnReal = {
      ...base(),
      run: real,
      drillSource: {
        ...source,
        snapshotName: 'daily_20261121_030000',
        createdAt: '2026-11-21T03:00:01.000Z',
      },
    };

    // Act
    await recordDrill(
      { ...newerOnReal, poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );
    await recordDrill(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );

    // Assess
    expect(await store.getJson(key)).toMatchObject({ snapshotName: 'daily_20261120_030000' });
    expect(
      await store.getJson(ReportKeys.latestVerified(recordScopeOf(real), 'default', 'products')),
    ).toMatchObject({ snapshotName: 'daily_20261121_030000' });
  });

  it('does not move the record back to an older snapshot, and does not record a failed drill', async () => {
    // Prepare
    const newer = {
      snapshotName: 'daily_20261121_030000',
      snapshotCreatedAt: '2026-11-21T03:00:01.000Z',
      verifiedAt: '2026-11-21T03:05:00.000Z',
      runId: 'exec-0',
      restoreMs: 1000,
    };
    await store.putJson(key, newer);

    // Act
    await recordDrill(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );

    // Assess
    expect(await store.getJson(key)).toEqual(newer);
  });

  it('leaves the record alone when the drill did not verify', async () => {
    // Act
    await recordDrill(
      { ...base(), poll: completed, verification: verification(1500), cleanup },
      { store, now: () => NOW },
    );

    // Assess
    expect(await store.getJson(key)).toBeUndefined();
  });

  it("records every drill's outcome as its snapshot's last drill, a failed one with why", async () => {
    // Prepare
    const drillKey = ReportKeys.snapshotDrill(
      recordScopeOf(base().run),
      'default',
      'products',
      'daily_20261120_030000',
    );

    // Act: a drill that verified, then a later one of the same snapshot that found rows missing
    await recordDrill(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );
    const first = await store.getJson(drillKey);
    await recordDrill(
      {
        ...base(),
        run: { ...base().run, runId: 'exec-2' },
        poll: completed,
        verification: verification(1500),
        cleanup,
      },
      { store, now: () => NOW },
    );

    // Assess
    expect(first).toMatchObject({ kind: 'drill', runId: 'exec-1', verified: true, restoredRows: 2000 });
    expect(await store.getJson(drillKey)).toMatchObject({
      kind: 'drill',
      runId: 'exec-2',
      verified: false,
      state: 'Completed',
      restoredRows: 1500,
      reason: expect.stringContaining('verification failed'),
    });
  });

  it('replaces a stored record it cannot read', async () => {
    // Prepare
    await store.putJson(key, { hello: 'world' });

    // Act
    await recordDrill(
      { ...base(), poll: completed, verification: verification(2000), cleanup },
      { store, now: () => NOW },
    );

    // Assess
    expect(await store.getJson(key)).toMatchObject({ snapshotName: 'daily_20261120_030000' });
  });
});

describe('drillMetrics', () => {
  it('counts a verified drill and reports its timings', () => {
    // Prepare
    const input = { ...base(), poll: completed, verification: verification(2000), cleanup };

    // Act
    const values = Object.fromEntries(
      drillMetrics(buildDrillResult(input, NOW)).map((m) => [m.name, m.value]),
    );

    // Assess
    expect(values).toMatchObject({
      DrillsRun: 1,
      DrillsVerified: 1,
      DrillsFailed: 0,
      DrillPolls: 4,
      DrillRestoreTime: 61_500,
    });
  });
});
