import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordScheduleSuccess } from '../../../functions/build-report/schedule-status';
import type { RunReport } from '../../../functions/shared/contracts/run-report';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';

const DEPLOYMENT = 'Production.eu-west-1';

function report(change: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: 1,
    runId: 'exec-9',
    trigger: 'schedule',
    schedule: 'nightly',
    mode: 'backup',
    dryRun: false,
    status: 'SUCCEEDED',
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:04:00.000Z',
    summary: {
      collections: 1,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      snapshotsCreated: 1,
      snapshotsDropped: 0,
      drillsVerified: 0,
      drillsFailed: 0,
      restoresSucceeded: 0,
      restoresFailed: 0,
    },
    collections: [],
    ...change,
  } as RunReport;
}

const storeIn = () => new FileReportStore(mkdtempSync(join(tmpdir(), 'status-')));
const statusKey = ReportKeys.scheduleStatus(DEPLOYMENT, 'nightly');

describe('recordScheduleSuccess', () => {
  it("records a successful scheduled run as the schedule's newest success, under its deployment", async () => {
    const store = storeIn();
    await recordScheduleSuccess(report(), DEPLOYMENT, store);
    expect(statusKey).toBe('status/Production.eu-west-1/schedules/nightly.json');
    expect(await store.getJson(statusKey)).toEqual({
      schemaVersion: 1,
      deploymentId: DEPLOYMENT,
      schedule: 'nightly',
      lastSuccess: {
        runId: 'exec-9',
        mode: 'backup',
        startedAt: '2026-11-21T03:00:00.000Z',
        finishedAt: '2026-11-21T03:04:00.000Z',
      },
    });
  });

  it.each([
    ['a failed run', { status: 'FAILED' as const }],
    ['a dry run', { dryRun: true }],
    ['a run of no schedule', { schedule: undefined, trigger: 'manual' as const }],
  ])('records nothing for %s', async (_what, change) => {
    const store = storeIn();
    expect(await recordScheduleSuccess(report(change), DEPLOYMENT, store)).toBeUndefined();
    expect(await store.list('status/')).toEqual([]);
  });

  it('never moves the record back to an older run', async () => {
    const store = storeIn();
    await recordScheduleSuccess(
      report({ runId: 'newer', finishedAt: '2026-11-22T03:04:00.000Z' }),
      DEPLOYMENT,
      store,
    );
    await recordScheduleSuccess(report({ runId: 'older' }), DEPLOYMENT, store);
    expect(await store.getJson(statusKey)).toMatchObject({ lastSuccess: { runId: 'newer' } });
  });
});
