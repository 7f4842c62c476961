import type { z } from 'zod';
import { prepareRun } from '../../../functions/prepare-run/prepare-run';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import type { drillResultSchema, RetentionResult } from '../../../functions/shared/contracts/run-report';
import { type RunMode, runtimeConfigSchema } from '../../../functions/shared/contracts/runtime-config';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../../support/deployment';

const config = runtimeConfigSchema.parse({
  collections: [{ name: 'products' }, { database: 'analytics', name: 'user_events' }],
  schedules: { nightly: { cron: 'cron(0 3 * * ? *)', mode: 'full' } },
  retention: { default: { keepDaily: 7 } },
});

/** A run context as PrepareRun makes it. */
export function runContext(options: { mode?: RunMode; dryRun?: boolean; name?: string } = {}): RunContext {
  return prepareRun(
    {
      input: {
        schedule: 'nightly',
        scheduledTime: '2026-11-21T03:00:00Z',
        ...(options.mode && { mode: options.mode }),
        ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
      },
      execution: { name: options.name ?? 'run-1', startTime: '2026-11-21T03:00:02.410Z' },
      config,
      deployment: TEST_DEPLOYMENT,
    },
    TEST_CLUSTER,
  ).run;
}

/** A drill's result. */
type DrillResult = z.infer<typeof drillResultSchema>;

export const products = { database: 'default', collection: 'products', policy: 'default' } as const;

export const backup = {
  snapshotName: 'nightly_20261121_030000',
  alreadyExisted: false,
  rowCount: 2000,
  createdAt: '2026-11-21T03:00:03.120Z',
};

export const retention: RetentionResult = {
  dryRun: false,
  counts: { kept: 1, dropped: 1, skipped: 0, notOurs: 0, vanished: 0 },
  kept: [{ name: 'nightly_20261121_030000', reasons: ['just created', 'daily 1'] }],
  dropped: [{ name: 'nightly_20261113_030000', reason: 'not kept by keep 7 daily' }],
  skipped: [],
  notOurs: [],
  vanished: [],
};

/** A drill result as RecordDrill makes it. */
export function drill(overrides: Partial<DrillResult> = {}): DrillResult {
  return {
    snapshotName: 'nightly_20261121_030000',
    targetCollection: 'drill_products_20261121_030000',
    jobId: '4417',
    state: 'Completed',
    polls: 3,
    restoreMs: 8200,
    wallMs: 14_900,
    expectedRows: 2000,
    restoredRows: 2000,
    checks: [{ name: 'rowCount', ok: true, expected: 2000, actual: 2000 }],
    verified: true,
    cleanedUp: true,
    ...overrides,
  };
}

/** What Step Functions' Catch stores for a failed Lambda task. */
export function lambdaError(name: string, message: string) {
  return { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: ['at x'] }) };
}
