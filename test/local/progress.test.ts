import { describe, expect, it } from 'vitest';
import { type RunReport, runReportSchema } from '../../functions/shared/contracts/run-report';
import { RunState } from '../../lib/state-machine/run-definition';
import { progressLine, RUN_FAILED_STATE, summaryTable } from '../../local/progress';
import type { LocalRunEvent } from '../../local/run-local';
import { sampleReport } from '../cli/support/sample-report';

/** The sample report with its collections and mode replaced. */
function reportWith(mode: RunReport['mode'], dryRun: boolean, collections: unknown[]): RunReport {
  return runReportSchema.parse({ ...sampleReport('local-1'), mode, dryRun, collections });
}

const CHECKS = [
  { name: 'exists', ok: true, expected: 'x', actual: 'x' },
  { name: 'rowCount', ok: true, expected: 2000, actual: 2000 },
];

const RESTORE = {
  snapshotName: 'nightly_20261120_030000',
  targetCollection: 'products_restored_20261121_093000',
  jobId: '7',
  state: 'Completed',
  polls: 2,
  restoreMs: 30_000,
  wallMs: 40_000,
  expectedRows: 2000,
  restoredRows: 2000,
  checks: CHECKS,
  verified: true,
  cleanedUp: true,
  kept: "it is the restore's result",
};

describe('summaryTable', () => {
  it('shows the snapshots a dry run kept, so a retention-only run names the snapshots it saw', () => {
    // Prepare
    const report = reportWith('full', true, [
      {
        database: 'default',
        collection: 'products',
        status: 'SUCCEEDED',
        retention: {
          dryRun: true,
          counts: { kept: 4, dropped: 0, skipped: 0, notOurs: 0, vanished: 0 },
          kept: ['a', 'b', 'c', 'd'].map((n) => ({ name: `manual_${n}`, reasons: ['last'] })),
          dropped: [],
          skipped: [],
          notOurs: [],
          vanished: [],
        },
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(
      /default\.products +SUCCEEDED +kept: manual_a, manual_b \+2 +- +kept 4, would drop 0/,
    );
  });

  it("shows an operator restore's snapshot, rows and target under a restore column, with the alias it moved", () => {
    // Prepare
    const report = reportWith('restore', false, [
      {
        database: 'default',
        collection: 'products',
        status: 'SUCCEEDED',
        restore: {
          ...RESTORE,
          switchover: {
            pending: false,
            loadPolls: 1,
            loaded: true,
            done: true,
            alias: { name: 'catalog', from: null, to: RESTORE.targetCollection },
          },
        },
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(/COLLECTION +STATUS +SNAPSHOT +ROWS +RETENTION +RESTORE/);
    expect(table).toMatch(
      /default\.products +SUCCEEDED +nightly_20261120_030000 +2000 +- +restored into products_restored_20261121_093000, 2\/2 checks, alias catalog moved/,
    );
  });

  it('says a restore that did not verify by its state, not as restored', () => {
    // Prepare
    const report = reportWith('restore', false, [
      {
        database: 'default',
        collection: 'products',
        status: 'FAILED',
        restore: { ...RESTORE, state: 'Failed', verified: false, checks: [] },
        error: { name: 'RestoreFailed', message: 'the restore of nightly_20261120_030000 failed' },
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toContain('Failed into products_restored_20261121_093000, not verified, kept');
    expect(table).not.toContain('restored into');
    expect(table).not.toContain('0/0 checks');
  });

  it('says a restore Ctrl-C stopped was interrupted before verification, and that its collection is kept', () => {
    // Prepare
    const report = reportWith('restore', false, [
      {
        database: 'default',
        collection: 'products',
        status: 'FAILED',
        restore: {
          ...RESTORE,
          state: 'Failed',
          reason: 'RunInterruptedError: the run was interrupted (Ctrl-C) before PollRestore',
          verified: false,
          checks: [],
          kept: 'kept to inspect the failed restore (set "cleanupOnFailure": true to drop it)',
        },
        error: {
          name: 'RunInterruptedError',
          message: 'the run was interrupted (Ctrl-C) before PollRestore',
        },
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(
      /default\.products +FAILED +nightly_20261120_030000 +2000 +- +interrupted before verification, into products_restored_20261121_093000, kept +RunInterruptedError/,
    );
  });
});

/** A drill as RecordDrill reports it after Ctrl-C stopped it, `overrides` laid over it. */
function interruptedDrill(overrides: Record<string, unknown> = {}) {
  return {
    database: 'default',
    collection: 'products',
    status: 'FAILED',
    error: {
      name: 'RunInterruptedError',
      message:
        'the drill of manual_20261121_030000 failed: the run was interrupted (Ctrl-C) before PollRestore',
    },
    drill: {
      snapshotName: 'manual_20261121_030000',
      targetCollection: 'drill_products_20261121_030000_a1b2c3',
      jobId: '42',
      state: 'Failed',
      reason: 'RunInterruptedError: the run was interrupted (Ctrl-C) before PollRestore',
      polls: 1,
      restoreMs: 0,
      wallMs: 5_000,
      expectedRows: 2000,
      restoredRows: null,
      checks: [],
      verified: false,
      cleanedUp: true,
      ...overrides,
    },
  };
}

describe("summaryTable's drill column", () => {
  it('says a drill Ctrl-C stopped during its restore was interrupted before verification, and cleaned up', () => {
    // Prepare
    const report = reportWith('drill', false, [interruptedDrill()]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(
      /default\.products +FAILED +manual_20261121_030000 +2000 +- +interrupted before verification, cleaned up +RunInterruptedError: the drill/,
    );
    expect(table).not.toMatch(/Failed, 0\/0 checks/);
  });

  it('says a drill kept its collection on purpose, verified or not', () => {
    // Prepare
    const report = reportWith('drill', false, [
      interruptedDrill({ kept: 'drill.keepOnFailure is set and the drill did not verify' }),
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(/default\.products .* interrupted before verification, kept /);
  });

  it('says when an interrupted drill could not clean up, and when it was stopped before its restore', () => {
    // Prepare
    const report = reportWith('drill', false, [
      interruptedDrill({ cleanedUp: false, leftBehind: ['drop default.drill_products_x: UNAVAILABLE'] }),
      {
        ...interruptedDrill({ jobId: '', targetCollection: '', polls: 0 }),
        collection: 'support_tickets',
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(/default\.products .* interrupted before verification, NOT cleaned up /);
    expect(table).toMatch(
      /default\.support_tickets .* interrupted before the restore started +RunInterruptedError/,
    );
  });

  it('says a drill whose restore failed was not verified rather than counting no checks, and one that never started', () => {
    // Prepare
    const report = reportWith('drill', false, [
      {
        ...interruptedDrill({ reason: 'the restore failed: disk quota exceeded' }),
        error: { name: 'RestoreFailedError', message: 'the restore failed: disk quota exceeded' },
      },
      {
        database: 'default',
        collection: 'support_tickets',
        status: 'FAILED',
        error: { name: 'NoSnapshotToDrillError', message: 'default.support_tickets has no snapshot' },
        drill: { ...interruptedDrill().drill, snapshotName: '', targetCollection: '', jobId: '', polls: 0 },
      },
    ]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(
      /default\.products .* restore Failed, not verified, cleaned up +RestoreFailedError/,
    );
    expect(table).toMatch(/default\.support_tickets .* not started +NoSnapshotToDrillError/);
    expect(table).not.toContain('0/0 checks');
  });

  it('keeps a verified drill as it was: its restore time and checks, nothing about cleanup', () => {
    // Prepare
    const { error: _, ...verified } = interruptedDrill({
      state: 'Completed',
      reason: undefined,
      restoreMs: 30_000,
      checks: [{ name: 'rowCount', ok: true, expected: 2000, actual: 2000 }],
      verified: true,
    });
    const report = reportWith('drill', false, [{ ...verified, status: 'SUCCEEDED' }]);

    // Act
    const table = summaryTable(report);

    // Assess
    expect(table).toMatch(
      /default\.products +SUCCEEDED +manual_20261121_030000 +2000 +- +verified in 30\.0 s, 1\/1 checks$/m,
    );
  });
});

describe('progressLine', () => {
  const failed = (name: string, Cause: string, index?: number) =>
    ({
      type: 'StateFailed',
      timestamp: 0,
      state: { name, type: 'Fail', input: {} },
      Error: name === RUN_FAILED_STATE ? 'RunFailed' : 'MilvusError',
      Cause,
      ...(index === undefined ? {} : { index }),
    }) as unknown as LocalRunEvent;

  it("prints no line for the run's own Fail state: it repeats the report line's subject", () => {
    // Act
    const line = progressLine(
      failed(RUN_FAILED_STATE, '[FAILED] manual full: 3 of 3 collections failed'),
      3_600,
    );

    // Assess
    expect(line).toBeUndefined();
    // The name it looks for is the definition's.
    expect(RUN_FAILED_STATE).toBe(RunState.RunFailed);
  });

  it("still prints a collection's failed step, with its collection", () => {
    // Prepare
    const event = {
      ...(failed('Flush', JSON.stringify({ errorMessage: 'disk error' })) as object),
      state: {
        name: 'Flush',
        type: 'Task',
        input: { target: { database: 'default', collection: 'products' } },
      },
    } as unknown as LocalRunEvent;

    // Act
    const line = progressLine(event, 3_600);

    // Assess
    expect(line).toBe(`   3.6s  ${'default.products'.padEnd(32)} Flush ✗ MilvusError: disk error`);
  });

  it('names the snapshot a backup will take, and none for a dry run, which takes none', () => {
    // Prepare
    const planned = (run: Record<string, unknown>) =>
      ({
        type: 'StateExited',
        timestamp: 0,
        state: {
          name: 'PrepareRun',
          type: 'Task',
          input: {},
          output: { collections: { count: 3 }, run: { snapshotName: 'manual_20261121_130409', ...run } },
        },
      }) as unknown as LocalRunEvent;

    // Act
    const backup = progressLine(planned({ mode: 'full', dryRun: false }), 300);
    const dryRun = progressLine(planned({ mode: 'full', dryRun: true }), 300);

    // Assess
    expect(backup).toBe(
      '   0.3s  planned a full run of 3 collection(s), snapshot name manual_20261121_130409',
    );
    expect(dryRun).toBe('   0.3s  planned a full dry run of 3 collection(s)');
  });
});
