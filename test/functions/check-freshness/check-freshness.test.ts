import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFreshness } from '../../../functions/check-freshness/check-freshness';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';

const DEPLOYMENT = 'Production.eu-west-1';
const at = (iso: string) => () => new Date(iso);

function world() {
  const store = new FileReportStore(mkdtempSync(join(tmpdir(), 'freshness-')));
  const check = (now: string, schedules = ['nightly']) =>
    checkFreshness({ schedules }, { store, now: at(now), deploymentId: DEPLOYMENT });
  const succeeded = (schedule: string, finishedAt: string) =>
    store.putJson(ReportKeys.scheduleStatus(DEPLOYMENT, schedule), {
      schemaVersion: 1,
      deploymentId: DEPLOYMENT,
      schedule,
      lastSuccess: { runId: 'exec-1', mode: 'backup', startedAt: finishedAt, finishedAt },
    });
  return { store, check, succeeded };
}

describe('checkFreshness', () => {
  it('measures from the newest successful run BuildReport recorded', async () => {
    // Prepare
    const { check, succeeded } = world();
    await succeeded('nightly', '2026-11-21T03:10:00.000Z');

    // Act
    const [nightly] = await check('2026-11-22T05:40:00.000Z');

    // Assess
    expect(nightly).toEqual({
      schedule: 'nightly',
      hoursSinceLastSuccess: 26.5,
      measuredFrom: 'lastSuccess',
      lastSuccess: { runId: 'exec-1', finishedAt: '2026-11-21T03:10:00.000Z' },
    });
  });

  it('is fresh on the first day of a schedule that never ran, and goes stale if it never succeeds', async () => {
    // Prepare
    const { check } = world();

    // Act: the first check writes the baseline; later ones measure from it.
    const [first] = await check('2026-11-21T00:00:00.000Z');
    const [later] = await check('2026-11-23T06:00:00.000Z');

    // Assess
    expect(first).toMatchObject({ hoursSinceLastSuccess: 0, measuredFrom: 'baseline' });
    expect(later).toMatchObject({ hoursSinceLastSuccess: 54, measuredFrom: 'baseline' });
  });

  it('switches from the baseline to the first success once there is one', async () => {
    const { check, succeeded } = world();
    await check('2026-11-21T00:00:00.000Z');
    await succeeded('nightly', '2026-11-21T03:00:00.000Z');
    const [nightly] = await check('2026-11-21T04:00:00.000Z');
    expect(nightly).toMatchObject({ hoursSinceLastSuccess: 1, measuredFrom: 'lastSuccess' });
  });

  it("reads only its own deployment's records", async () => {
    const { store, check } = world();
    await store.putJson(ReportKeys.scheduleStatus('Staging.eu-west-1', 'nightly'), {
      schemaVersion: 1,
      deploymentId: 'Staging.eu-west-1',
      schedule: 'nightly',
      lastSuccess: {
        runId: 'x',
        mode: 'backup',
        startedAt: '2026-11-21T03:00:00.000Z',
        finishedAt: '2026-11-21T03:00:00.000Z',
      },
    });
    const [nightly] = await check('2026-11-21T04:00:00.000Z');
    expect(nightly?.measuredFrom).toBe('baseline');
  });

  it('never reports a negative age for a record from a clock ahead of this one', async () => {
    const { check, succeeded } = world();
    await succeeded('nightly', '2026-11-21T05:00:00.000Z');
    const [nightly] = await check('2026-11-21T04:00:00.000Z');
    expect(nightly?.hoursSinceLastSuccess).toBe(0);
  });

  it('checks each schedule once, in the order given', async () => {
    const { check } = world();
    const results = await check('2026-11-21T04:00:00.000Z', ['weekly', 'nightly', 'weekly']);
    expect(results.map((r) => r.schedule)).toEqual(['weekly', 'nightly']);
  });
});
