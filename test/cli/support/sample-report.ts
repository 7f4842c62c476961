import { type RunReport, runReportSchema } from '../../../functions/shared/contracts/run-report';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../../support/deployment';

/** A full run of three collections: one fine, one whose backup failed, one whose drill did not verify. */
export function sampleReport(runId: string, startedAt = '2026-11-21T03:00:00.000Z'): RunReport {
  return runReportSchema.parse({
    schemaVersion: 2,
    runId,
    deployment: { id: TEST_DEPLOYMENT.id, cluster: TEST_CLUSTER },
    trigger: 'manual',
    mode: 'full',
    dryRun: false,
    status: 'FAILED',
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + 252_000).toISOString(),
    summary: {
      collections: 3,
      succeeded: 1,
      failed: 2,
      skipped: 0,
      snapshotsCreated: 2,
      snapshotsDropped: 1,
      drillsVerified: 1,
      drillsFailed: 1,
    },
    collections: [
      {
        database: 'default',
        collection: 'products',
        status: 'SUCCEEDED',
        backup: {
          snapshotName: 'manual_20261121_030000',
          alreadyExisted: false,
          rowCount: 2000,
          createdAt: '2026-11-21T03:00:05.000Z',
        },
        retention: {
          dryRun: false,
          counts: { kept: 1, dropped: 1, skipped: 0, notOurs: 0, vanished: 0 },
          kept: [{ name: 'manual_20261121_030000', reasons: ['last'] }],
          dropped: [{ name: 'manual_20261120_030000', reason: 'not kept by any rule (keep last 1)' }],
          skipped: [],
          notOurs: [],
          vanished: [],
        },
        drill: {
          snapshotName: 'manual_20261121_030000',
          targetCollection: 'drill_products_20261121_030000_a1b2c3',
          jobId: '42',
          state: 'Completed',
          polls: 3,
          restoreMs: 12_000,
          wallMs: 20_000,
          expectedRows: 2000,
          restoredRows: 2000,
          checks: [{ name: 'rowCount', ok: true, expected: 2000, actual: 2000 }],
          verified: true,
          cleanedUp: true,
        },
      },
      {
        database: 'default',
        collection: 'support_tickets',
        status: 'FAILED',
        error: { name: 'MilvusUnavailableError', message: 'flush of default.support_tickets: UNAVAILABLE' },
      },
      {
        database: 'analytics',
        collection: 'user_events',
        status: 'FAILED',
        backup: {
          snapshotName: 'manual_20261121_030000',
          alreadyExisted: false,
          rowCount: 500,
          createdAt: '2026-11-21T03:00:06.000Z',
        },
        drill: {
          snapshotName: 'manual_20261121_030000',
          targetCollection: 'drill_user_events_20261121_030000_a1b2c3',
          jobId: '43',
          state: 'Completed',
          polls: 2,
          restoreMs: 9_000,
          wallMs: 15_000,
          expectedRows: 500,
          restoredRows: 490,
          checks: [{ name: 'rowCount', ok: false, expected: 500, actual: 490 }],
          verified: false,
          cleanedUp: true,
        },
      },
    ],
  });
}
