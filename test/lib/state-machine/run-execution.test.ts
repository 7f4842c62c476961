import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as buildReport } from '../../../functions/build-report/handler';
import { drillSourceSchema } from '../../../functions/choose-snapshot/choose-snapshot';
import { cleanupResultSchema } from '../../../functions/cleanup-drill/cleanup-drill';
import { flushOutputSchema } from '../../../functions/flush/flush';
import { pollResultSchema } from '../../../functions/poll-restore/poll-restore';
import { handler as prepareRun } from '../../../functions/prepare-run/handler';
import { handler as recordCollectionResult } from '../../../functions/record-collection-result/handler';
import { handler as recordDrill } from '../../../functions/record-drill/handler';
import { useClock } from '../../../functions/shared/clock';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import {
  backupResultSchema,
  type RunReport,
  retentionResultSchema,
} from '../../../functions/shared/contracts/run-report';
import {
  MilvusUnavailableError,
  SnapshotNameTakenError,
  SnapshotNotFoundError,
} from '../../../functions/shared/errors';
import { closeCachedMilvus } from '../../../functions/shared/lambda/milvus-environment';
import { ReportKeys } from '../../../functions/shared/reports/report-store';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import { restoreStartSchema } from '../../../functions/start-restore/start-restore';
import { orphanSweepResultSchema } from '../../../functions/sweep-orphans/sweep-orphans';
import { verificationResultSchema } from '../../../functions/verify-restore/verify-restore';
import { type SynthesizedRun, synthesizeRun } from '../../../lib/state-machine/synthesized-definition';
import { type LocalDefinition, prepareLocalDefinition } from '../../../local/local-definition';
import { executeLocally, type LocalExecutionOptions } from '../../../local/run-local';
import { removeDir } from '../../../local/runs-dir';
import {
  createTestCollection,
  type EmulatorFixture,
  startFixture,
} from '../../emulator/support/emulator-fixture';
import { exampleConfig } from '../fixtures';

/**
 * Runs the synthesized definition on the local runner's engine (aws-local-stepfunctions, with the
 * Distributed Map as a Map Run of child executions and Step Functions' quotas) —
 * with the real PrepareRun, RecordDrill, RecordCollectionResult and BuildReport handlers (results
 * in a temporary REPORTS_DIR) and scripted Milvus steps whose outputs are checked against the
 * steps' own schemas. What is tested is the definition: paths, routing, retries, catches, loops.
 * PrepareRun resolves the example's selector against Milvus: an emulator holding exactly the
 * example's collections, so the selector adds none and nothing is unprotected.
 */

interface StepInput {
  readonly run: RunContext;
  readonly target: { readonly database: string; readonly collection: string };
  readonly [key: string]: unknown;
}
type Script = (input: StepInput, call: number) => unknown;
/** The local runner's handler map (aws-local-stepfunctions' JSON value type is not exported). */
type LocalHandlers = LocalExecutionOptions['handlers'];

/**
 * The execution's start on the run clock: a day far from any machine's date, so that a step
 * reading the wall clock instead of the run's would be caught by the report's times and key.
 */
const START = '2031-03-09T03:00:00.000Z';
const T0 = '2026-11-21T03:00:05.000Z';
/** The run clock stands 25 s after the start while the run executes. */
const RUN_NOW = Date.parse(START) + 25_000;
const context = { functionName: 'local', awsRequestId: 'local' } as Context;
const wrap = (h: (event: unknown, context: Context) => Promise<unknown>) => (input: unknown) =>
  h(input, context);

/** Scripted Milvus steps: a normal run unless a collection's script says otherwise. */
const NORMAL: Record<string, Script> = {
  Flush: () => flushOutputSchema.parse({ segmentIds: ['11'], flushTs: '4500', startedAt: T0 }),
  CheckFlush: (_i, call) => ({ flushed: call >= 2, timedOut: false, waitedSeconds: call * 5 }),
  CreateSnapshot: (i) =>
    backupResultSchema.parse({
      snapshotName: i.run.snapshotName,
      alreadyExisted: false,
      rowCount: 100,
      createdAt: T0,
    }),
  EnforceRetention: (i) =>
    retentionResultSchema.parse({
      dryRun: i.run.dryRun,
      counts: { kept: 1, dropped: 0, skipped: 0, notOurs: 0, vanished: 0 },
      kept: [{ name: 'a', reasons: ['last 1'] }],
      dropped: [],
      skipped: [],
      notOurs: [],
      vanished: [],
    }),
  ChooseSnapshot: (i) =>
    drillSourceSchema.parse({
      snapshotName:
        (i.backup as { snapshotName?: string } | undefined)?.snapshotName ?? 'nightly_20261120_020000',
      createdAt: T0,
      contents: {
        rows: 100,
        segments: { count: 1, rows: 100 },
        visibleRows: null,
        sampleKeys: [],
        primaryIsString: false,
        schema: '4f2a9c1d7e3b5a60',
      },
    }),
  SweepOrphans: () =>
    orphanSweepResultSchema.parse({
      dropped: [],
      notOurs: [],
      counts: { dropped: 0, notOurs: 0, inProgress: 0, failed: 0 },
    }),
  StartRestore: (i) =>
    restoreStartSchema.parse({
      targetCollection: drillTargetName(i.run, i.target.collection),
      collectionId: '464011987654321001',
      jobId: '77',
      startedAt: T0,
      firstWaitSeconds: 5,
      resumed: false,
    }),
  PollRestore: (_i, call) =>
    pollResultSchema.parse({
      state: call >= 2 ? 'RestoreSnapshotCompleted' : 'RestoreSnapshotExecuting',
      progress: call >= 2 ? 100 : 40,
      polls: call,
      elapsedMs: call * 5000,
      restoreMs: call >= 2 ? 9000 : 0,
      waitSeconds: call >= 2 ? 0 : 10,
      decision: call >= 2 ? 'completed' : 'wait',
    }),
  VerifyRestore: () =>
    verificationResultSchema.parse({
      checks: [{ name: 'rowCount', ok: true, expected: 100, actual: 100 }],
      verified: true,
      restoredRows: 100,
      deepPending: false,
      finishedAt: '2026-11-21T03:00:30.000Z',
    }),
  CleanupDrill: (i) =>
    cleanupResultSchema.parse({
      targetCollection: drillTargetName(i.run, i.target.collection),
      dropped: true,
      cleanedUp: true,
      problems: [],
    }),
};

let run: SynthesizedRun;
let local: LocalDefinition;
let reportsDir: string;
let restoreClock: () => void;
let calls: string[];
let published: { subject?: unknown; message?: unknown; attributes?: unknown }[];
let events: unknown[];

let milvus: EmulatorFixture;

beforeAll(async () => {
  run = synthesizeRun(exampleConfig());
  // As the local runner does: the execution starts when the run clock says, not when the machine does.
  local = prepareLocalDefinition(run.definition, 0, { '$$.Execution.StartTime': START });
  milvus = await startFixture();
  await milvus.client.createDatabase({ db_name: 'analytics' });
  for (const c of exampleConfig().collections) {
    await createTestCollection(milvus.client, { database: c.database, name: c.name });
  }
});

afterAll(async () => {
  await closeCachedMilvus();
  await milvus.close();
});

beforeEach(() => {
  reportsDir = mkdtempSync(join(tmpdir(), 'run-execution-'));
  process.env.REPORTS_DIR = reportsDir;
  process.env.MILVUS_ADDRESS = milvus.emulator.address;
  restoreClock = useClock(() => RUN_NOW);
  calls = [];
  published = [];
  events = [];
});

afterEach(async () => {
  restoreClock();
  await removeDir(reportsDir);
});

/** Runs the definition once; `scripts` replace the normal Milvus steps per `database.collection`. */
async function execute(
  input: Record<string, unknown>,
  scripts: Record<string, Record<string, Script>> = {},
  replace: Record<string, (input: unknown) => Promise<unknown>> = {},
) {
  const counters = new Map<string, number>();
  const milvusStep = (state: string) => async (raw: unknown) => {
    const i = raw as StepInput;
    const key = `${i.target.database}.${i.target.collection}`;
    const count = (counters.get(`${state}:${key}`) ?? 0) + 1;
    counters.set(`${state}:${key}`, count);
    calls.push(`${state} ${key}`);
    const script = scripts[key]?.[state] ?? NORMAL[state === 'ContinueDeepCheck' ? 'VerifyRestore' : state];
    if (!script) throw new Error(`no script for ${state}`);
    return script(i, count);
  };
  const real: Record<string, (input: unknown) => Promise<unknown>> = {
    PrepareRun: wrap(prepareRun),
    RecordDrill: wrap(recordDrill),
    RecordCollectionResult: async (i) => {
      const { target } = i as StepInput;
      const script = scripts[`${target.database}.${target.collection}`]?.RecordCollectionResult;
      if (script) return script(i as StepInput, 1);
      return recordCollectionResult(i, context);
    },
    BuildReport: wrap(buildReport),
    PublishReport: async (i) => {
      const { TopicArn, Subject, Message, MessageAttributes } = i as Record<string, unknown>;
      expect(TopicArn).toMatch(/^arn:aws:sns:local:000000000000:SchedulerReportTopic/);
      published.push({ subject: Subject, message: Message, attributes: MessageAttributes });
      return { MessageId: '1' };
    },
    EmitRunEvent: async (i) => {
      events.push(...((i as { Entries: unknown[] }).Entries ?? []));
      return { Entries: [{ EventId: '1' }], FailedEntryCount: 0 };
    },
    ...replace,
  };
  // Wait states are local timer tasks here (see local-definition.ts); they wait no time at all.
  const handlers = Object.fromEntries(
    [...local.tasks.keys()]
      .map((name) => [name, real[name] ?? milvusStep(name)])
      .concat([...local.waits.keys()].map((name) => [name, async (i: unknown) => i])),
  );
  // As the local runner runs it: the Distributed Map as a Map Run of child executions, with quotas.
  const result = await executeLocally({
    synthesized: run,
    local,
    input,
    handlers: handlers as LocalHandlers,
    runId: 'exec-1',
    startTime: START,
    reportsDir,
    retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((n) => [n, [0, 0]])),
    now: () => RUN_NOW,
  });
  return {
    output: result.output as { published: { status: string } } | undefined,
    error: result.error ? { name: result.error.name, message: result.error.cause } : undefined,
    result,
  };
}

/** The report BuildReport stored: filed under the day the execution started on the run clock. */
const storedReport = (): RunReport =>
  JSON.parse(
    readFileSync(join(reportsDir, ReportKeys.runReport('exec-1', new Date(START))), 'utf8'),
  ) as RunReport;
const callsOf = (collection: string) =>
  calls.filter((c) => c.endsWith(` ${collection}`)).map((c) => c.split(' ')[0]);
const slot = { schedule: 'nightly', scheduledTime: '2026-11-21T02:00:00Z' };

describe('the definition, executed as the local runner executes it', () => {
  it('dates the report by the run clock: started at the execution start, finished after it, filed under its day', async () => {
    // Act
    const { output } = await execute({ mode: 'backup' });

    // Assess: no step used the machine's clock (it is years away from the run clock here)
    expect(output?.published.status).toBe('SUCCEEDED');
    const report = storedReport();
    expect(report.startedAt).toBe(START);
    expect(report.finishedAt).toBe(new Date(RUN_NOW).toISOString());
    expect(Date.parse(report.startedAt)).toBeLessThanOrEqual(Date.parse(report.finishedAt));
  });

  it('runs a full nightly slot: each collection isolated, cleanup after every drill, a failed run ends Failed', async () => {
    // Act
    const { error } = await execute(slot, {
      'default.support_tickets': {
        CreateSnapshot: () => {
          throw new SnapshotNameTakenError(
            'a snapshot named nightly_20261121_020000 already exists and was not made by us',
          );
        },
      },
    });

    // Assess: the run fails (so the failed-executions alarm fires) with the report's subject.
    expect(error).toMatchObject({
      name: 'RunFailed',
      message: '[FAILED] nightly full: 1 of 3 collections failed',
    });
    expect(callsOf('default.products')).toEqual([
      'Flush',
      'CheckFlush',
      'CheckFlush',
      'CreateSnapshot',
      'EnforceRetention',
      'ChooseSnapshot',
      'SweepOrphans',
      'StartRestore',
      'PollRestore',
      'PollRestore',
      'VerifyRestore',
      'CleanupDrill',
    ]);
    expect(callsOf('default.support_tickets')).toEqual([
      'Flush',
      'CheckFlush',
      'CheckFlush',
      'CreateSnapshot',
    ]);

    const report = storedReport();
    expect(report).toMatchObject({
      runId: 'exec-1',
      trigger: 'schedule',
      schedule: 'nightly',
      mode: 'full',
      status: 'FAILED',
    });
    expect(report.collections.map((c) => [c.collection, c.status])).toEqual([
      ['products', 'SUCCEEDED'],
      ['support_tickets', 'FAILED'],
      ['user_events', 'SUCCEEDED'],
    ]);
    expect(report.collections[0]?.drill).toMatchObject({
      state: 'Completed',
      verified: true,
      cleanedUp: true,
      polls: 2,
    });
    expect(report.collections[1]?.error).toEqual({
      name: 'SnapshotNameTakenError',
      message: 'a snapshot named nightly_20261121_020000 already exists and was not made by us',
    });

    expect(published).toEqual([
      {
        subject: '[FAILED] nightly full: 1 of 3 collections failed',
        message: expect.stringContaining('Milvus snapshot run FAILED'),
        attributes: {
          status: { DataType: 'String', StringValue: 'FAILED' },
          mode: { DataType: 'String', StringValue: 'full' },
        },
      },
    ]);
    expect(events).toEqual([
      {
        Source: 'milvus-snapshot-scheduler',
        DetailType: 'Milvus Snapshot Run Completed',
        Detail: expect.objectContaining({
          runId: 'exec-1',
          status: 'FAILED',
          reportLocation: expect.any(String),
        }),
      },
    ]);
  });

  it('retries a transient Milvus failure and succeeds; the execution ends with the published report', async () => {
    const { output, error } = await execute(
      { mode: 'backup', collections: ['default.products'] },
      {
        'default.products': {
          Flush: (i, call) => {
            if (call <= 2) throw new MilvusUnavailableError('Milvus at milvus:19530 is unavailable');
            return NORMAL.Flush?.(i, call);
          },
        },
      },
    );
    expect(error).toBeUndefined();
    expect(output?.published.status).toBe('SUCCEEDED');
    expect(callsOf('default.products').filter((c) => c === 'Flush')).toHaveLength(3);
    expect(published[0]?.subject).toBe('[OK] manual backup: 1 collection succeeded');
  });

  it('cleans up after a drill step that threw, and reports the drill as failed', async () => {
    const { error } = await execute(
      { mode: 'drill', collections: ['analytics.user_events'] },
      {
        'analytics.user_events': {
          PollRestore: () => {
            throw new SnapshotNotFoundError('the snapshot was dropped during the restore');
          },
        },
      },
    );
    expect(error?.name).toBe('RunFailed');
    expect(callsOf('analytics.user_events')).toEqual([
      'ChooseSnapshot',
      'SweepOrphans',
      'StartRestore',
      'PollRestore',
      'CleanupDrill',
    ]);
    const [events_] = storedReport().collections;
    expect(events_).toMatchObject({
      status: 'FAILED',
      error: { name: 'SnapshotNotFoundError' },
      drill: {
        state: 'Failed',
        verified: false,
        cleanedUp: true,
        reason: expect.stringContaining('the snapshot was dropped'),
      },
    });
  });

  it('waits for a deep check to load, then finishes it', async () => {
    const { error } = await execute(
      { mode: 'drill', collections: ['default.products'] },
      {
        'default.products': {
          VerifyRestore: () =>
            verificationResultSchema.parse({
              checks: [{ name: 'rowCount', ok: true, expected: 100, actual: 100 }],
              verified: false,
              restoredRows: 100,
              deepPending: true,
              waitSeconds: 5,
              loadPolls: 1,
            }),
        },
      },
    );
    expect(error).toBeUndefined();
    expect(callsOf('default.products').slice(-3)).toEqual([
      'VerifyRestore',
      'ContinueDeepCheck',
      'CleanupDrill',
    ]);
  });

  it('leaves the flush loop when the flush times out, takes no snapshot, and says why', async () => {
    const { error } = await execute(
      { mode: 'full', collections: ['default.products'] },
      {
        'default.products': {
          CheckFlush: (_i, call) => ({ flushed: false, timedOut: call >= 3, waitedSeconds: call * 300 }),
        },
      },
    );
    expect(error?.name).toBe('RunFailed');
    expect(callsOf('default.products')).toEqual(['Flush', 'CheckFlush', 'CheckFlush', 'CheckFlush']);
    expect(storedReport().collections[0]?.error?.name).toBe('FlushTimeoutError');
  });

  it('only plans retention in a dry run', async () => {
    const { output } = await execute({ dryRun: true, mode: 'full' });
    expect(output?.published.status).toBe('SUCCEEDED');
    expect([...new Set(calls.map((c) => c.split(' ')[0]))]).toEqual(['EnforceRetention']);
    expect(published[0]?.subject).toBe('[OK] manual full dry run: 3 collections succeeded');
  });

  it('fails at once, before any Milvus step, on an input a person must fix', async () => {
    const { error } = await execute({ mode: 'drill', colections: ['products'] });
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('colections'),
    });
    expect(calls).toEqual([]);
    expect(published).toEqual([]);
  });

  it('reports a collection whose result could not be stored as FAILED, without stopping the others', async () => {
    const { error } = await execute(
      { mode: 'backup' },
      {
        'default.support_tickets': {
          RecordCollectionResult: () => {
            throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
          },
        },
      },
    );
    expect(error?.name).toBe('RunFailed');
    const report = storedReport();
    expect(report.collections.map((c) => c.status)).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    expect(report.collections[1]?.error).toEqual({
      name: 'AccessDenied',
      message: 'its child execution failed, so no result was recorded: Access Denied',
    });
  });

  it('reports a collection whose child failed outright (a 256 KB overflow) FAILED with the AWS error; the others go on', async () => {
    // Prepare: 8,000 kept snapshots make a retention result of about 350 KB.
    const kept = Array.from({ length: 8000 }, (_, i) => ({
      name: `nightly_${String(i).padStart(6, '0')}`,
      reasons: ['daily'],
    }));

    // Act
    const { error, result } = await execute(
      { mode: 'backup' },
      {
        'default.support_tickets': {
          EnforceRetention: () => ({ dryRun: false, kept, dropped: [], skipped: [] }),
        },
      },
    );

    // Assess: neither the task's Retry nor its Catch (States.ALL) caught it; the child failed, the run went on.
    expect(callsOf('default.support_tickets')).toEqual([
      'Flush',
      'CheckFlush',
      'CheckFlush',
      'CreateSnapshot',
      'EnforceRetention',
    ]);
    expect(error?.name).toBe('RunFailed');
    expect(result.mapRuns[0]?.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    const report = storedReport();
    expect(report.collections.map((c) => `${c.collection} ${c.status}`)).toEqual([
      'products SUCCEEDED',
      'support_tickets FAILED',
      'user_events SUCCEEDED',
    ]);
    expect(report.collections[1]?.error).toEqual({
      name: 'States.DataLimitExceeded',
      message: expect.stringMatching(
        /^its child execution failed, so no result was recorded: The state\/task 'EnforceRetention' returned a result with a size exceeding the maximum number of bytes service limit/,
      ),
    });
    expect(published.map((p) => p.subject)).toEqual(['[FAILED] manual backup: 1 of 3 collections failed']);
  });

  it('fails a child whose history passes 25,000 events with the AWS error, and reports that collection FAILED', async () => {
    // A flush that never completes and never times out: the loop runs until the history is full.
    const { result } = await execute(
      { mode: 'backup', collections: ['default.products'] },
      {
        'default.products': {
          CheckFlush: (_i, call) => ({ flushed: false, timedOut: false, waitedSeconds: call }),
        },
      },
    );
    expect(storedReport().collections[0]?.error).toEqual({
      name: 'States.Runtime',
      message:
        'its child execution failed, so no result was recorded: The execution reached the maximum number of history events (25000).',
    });
    expect(result.longestHistory?.events).toBe(25_000);
  });

  it('fails the run itself with States.DataLimitExceeded when its own state passes 256 KB: no Catch, no report', async () => {
    const { error } = await execute(
      { mode: 'backup' },
      {},
      {
        PrepareRun: async (i) => {
          const prepared = (await wrap(prepareRun)(i)) as Record<string, unknown>;
          return { ...prepared, padding: 'x'.repeat(300_000) };
        },
      },
    );
    expect(error).toMatchObject({
      name: 'States.DataLimitExceeded',
      message: expect.stringContaining("'PrepareRun'"),
    });
    expect(calls).toEqual([]);
    expect(published).toEqual([]);
  });

  it('still publishes a FAILED notification and event when BuildReport throws', async () => {
    // Act
    const { error } = await execute(
      { mode: 'backup' },
      {},
      {
        BuildReport: async () => {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
        },
      },
    );

    // Assess: a minimal report, built by the definition from the run context, on SNS and EventBridge.
    expect(error).toEqual({
      name: 'RunFailed',
      message: '[FAILED] manual backup: the run report could not be built',
    });
    expect(published).toEqual([
      {
        subject: '[FAILED] manual backup: the run report could not be built',
        message: expect.stringContaining(
          'Milvus snapshot run exec-1 FAILED: the run report could not be built',
        ),
        attributes: {
          status: { DataType: 'String', StringValue: 'FAILED' },
          mode: { DataType: 'String', StringValue: 'backup' },
        },
      },
    ]);
    expect(String(published[0]?.message)).toContain('AccessDenied');
    expect(events).toEqual([
      expect.objectContaining({
        Source: 'milvus-snapshot-scheduler',
        DetailType: 'Milvus Snapshot Run Completed',
      }),
    ]);
    expect((events[0] as { Detail: unknown }).Detail).toEqual({
      schemaVersion: 2,
      reportBuilt: false,
      runId: 'exec-1',
      deployment: {
        id: 'MilvusSnapshotScheduler.local',
        cluster: {
          key: expect.stringMatching(/^127\.0\.0\.1_\d+-[0-9a-f]{8}$/),
          endpoint: milvus.emulator.address,
        },
      },
      trigger: 'manual',
      schedule: 'manual',
      mode: 'backup',
      dryRun: false,
      status: 'FAILED',
      startedAt: '2031-03-09T03:00:00.000Z',
      error: { Error: 'AccessDenied', Cause: 'Access Denied' },
    });
  });
});
