import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/program';
import { prepareRun } from '../../../functions/prepare-run/prepare-run';
import { runtimeConfigOf } from '../../../lib/config/deployment-config';
import { loadDeploymentConfig } from '../../../lib/config/load-config';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../../support/deployment';
import { memoryIo } from '../cli-test-io';
import { cli, DEPLOYED, executionArn, jsonBody } from '../support/deployment-fixture';
import { counts, playTimeline, type Timeline } from '../support/execution-timeline';
import { sampleReport } from '../support/sample-report';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const ARN = ['--state-machine-arn', DEPLOYED.stateMachineArn];
const DEPLOYMENT = [...ARN, '--reports-bucket', DEPLOYED.reportsBucket];
const NOW = new Date('2026-11-21T03:00:00Z');

/**
 * A definition deployed from the example configuration, reduced to what `start` reads from it:
 * PrepareRun's embedded configuration (test/cli/deployed-run-check.test.ts checks that the
 * synthesized definition carries it there).
 */
function deployedDefinition(overrides: Record<string, unknown> = {}): string {
  const loaded = loadDeploymentConfig({ cwd: REPO_ROOT, path: 'examples/scheduler.config.json' });
  const config = { ...loaded.config, ...overrides } as typeof loaded.config;
  return JSON.stringify({
    StartAt: 'PrepareRun',
    States: {
      PrepareRun: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:PrepareRun',
        Parameters: {
          'input.$': '$$.Execution.Input',
          execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
          config: runtimeConfigOf(config),
        },
        End: true,
      },
    },
  });
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-start-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sfn.on(DescribeStateMachineCommand).resolves({
    stateMachineArn: DEPLOYED.stateMachineArn,
    name: 'MilvusSnapshotRun',
    definition: deployedDefinition(),
    roleArn: 'arn:aws:iam::123456789012:role/RunRole',
    type: 'STANDARD',
    creationDate: new Date('2026-10-01T00:00:00Z'),
  });
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: executionArn(input.name),
    startDate: new Date(),
  }));
});

afterEach(() => {
  sfn.reset();
  s3.reset();
  vi.useRealTimers();
});

/** What PrepareRun would throw for `input` with the example configuration deployed. */
function prepareRunMessage(input: unknown): string {
  const { config } = loadDeploymentConfig({ cwd: REPO_ROOT, path: 'examples/scheduler.config.json' });
  try {
    prepareRun(
      {
        input,
        execution: { name: 'x', startTime: NOW.toISOString() },
        config: runtimeConfigOf(config),
        deployment: TEST_DEPLOYMENT,
      },
      TEST_CLUSTER,
    );
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('PrepareRun accepted the input');
}

describe('start', () => {
  it('starts the state machine with the input built from the flags, and prints the ARN and console URL', async () => {
    // Act
    const run = await cli(
      'start',
      ...ARN,
      '--mode',
      'drill',
      '--collections',
      'products, analytics.user_events',
      '--snapshot',
      'nightly_20261120_030000',
      '--name',
      'drill-before-upgrade',
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const request = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(request).toEqual({
      stateMachineArn: DEPLOYED.stateMachineArn,
      name: 'drill-before-upgrade',
      input: expect.any(String),
    });
    expect(JSON.parse(request?.input ?? '')).toEqual({
      mode: 'drill',
      collections: ['products', 'analytics.user_events'],
      snapshot: 'nightly_20261120_030000',
    });
    const arn = executionArn('drill-before-upgrade');
    expect(run.stdout).toBe(
      'Started drill-before-upgrade\n' +
        `  execution  ${arn}\n` +
        `  console    https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}\n`,
    );
  });

  it('sends {} for a default run, under a readable generated name', async () => {
    // Act
    const run = await cli('start', ...ARN);

    // Assess
    expect(run.code).toBe(0);
    const request = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(request?.input).toBe('{}');
    expect(request?.name).toMatch(/^cli-\d{8}-\d{6}-[0-9a-f]{4}$/);
  });

  it('reads the input from --input, the flags overriding its keys', async () => {
    // Prepare
    const file = join(dir, 'input.json');
    await writeFile(file, JSON.stringify({ Comment: 'Insert your JSON here', mode: 'backup', dryRun: true }));

    // Act
    const run = await cli('start', ...ARN, '--input', file, '--mode', 'full');

    // Assess
    expect(run.code).toBe(0);
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '';
    expect(JSON.parse(input)).toEqual({ Comment: 'Insert your JSON here', mode: 'full', dryRun: true });
  });

  describe('refuses a bad input before anything starts, with the message the run would fail with (exit code 2)', () => {
    it.each([
      ['a bad mode', ['--mode', 'weekly'], { mode: 'weekly' }],
      ['no collection', ['--collections', ','], { collections: [] }],
    ])('%s', async (_, args, input) => {
      // Act
      const run = await cli('start', ...ARN, ...args);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: ${prepareRunMessage(input)}\nNothing was started.\n`);
      expect(sfn.calls()).toHaveLength(0);
    });

    it('an unknown key in the input file', async () => {
      // Prepare
      const file = join(dir, 'typo.json');
      await writeFile(file, JSON.stringify({ colections: ['products'] }));

      // Act
      const run = await cli('start', ...ARN, '--input', file);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: invalid execution input: (root): unknown key "colections"');
      expect(run.stderr).toBe(
        `error: ${prepareRunMessage({ colections: ['products'] })}\nNothing was started.\n`,
      );
      expect(sfn.calls()).toHaveLength(0);
    });

    it('an input file that is not JSON, in one line that names the place', async () => {
      // Prepare
      const file = join(dir, 'broken.json');
      await writeFile(file, '{\n  "mode": x\n}\n');

      // Act
      const run = await cli('start', ...ARN, '--input', file);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: ${file} is not valid JSON: unexpected "x" at line 2 column 11\n`);
      expect(sfn.calls()).toHaveLength(0);
    });

    it('a collection the deployment does not manage, checked against the deployed configuration', async () => {
      // Act
      const run = await cli('start', ...ARN, '--collections', 'products,prodcts');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: unknown collection "default.prodcts"; configured: default.products, default.support_tickets, analytics.user_events, selector analytics.* except tmp_*, scratch_*\n' +
          'Nothing was started.\n',
      );
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('--snapshot without drill mode, as PrepareRun refuses it', async () => {
      // Act
      const run = await cli('start', ...ARN, '--snapshot', 'nightly_20261120_030000');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: ${prepareRunMessage({ snapshot: 'nightly_20261120_030000' })}`);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('an execution name Step Functions would refuse', async () => {
      // Act
      const run = await cli('start', ...ARN, '--name', 'my run');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: --name must be 1 to 80 letters, digits, ".", "_" or "-", got "my run"\n',
      );
      expect(sfn.calls()).toHaveLength(0);
    });
  });

  it('starts anyway, saying so, when the deployed definition cannot be read', async () => {
    // Prepare
    sfn
      .on(DescribeStateMachineCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act
    const run = await cli('start', ...ARN, '--collections', 'products');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "note: could not read the state machine's definition (AccessDeniedException); " +
        'collections and schedule are checked by the run itself\n',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('accepts collections a deployed selector covers, saying the run checks Milvus has them; refuses one it excludes', async () => {
    // Prepare: a deployment that backs up every collection of prod but the scratch ones
    sfn.on(DescribeStateMachineCommand).resolves({
      definition: deployedDefinition({
        selectors: [{ database: 'prod', match: '*', exclude: ['tmp_*'], retention: 'default' }],
      }),
    });

    // Act
    const covered = await cli('start', ...ARN, '--collections', 'prod.orders,prod.*,products');
    const excluded = await cli('start', ...ARN, '--collections', 'prod.tmp_a');

    // Assess
    expect(covered.code).toBe(0);
    expect(covered.stderr).toBe(
      'note: prod.orders is not configured by name but covered by a selector; the run checks that Milvus has them when it resolves the selectors\n',
    );
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '')).toMatchObject({
      collections: ['prod.orders', 'prod.*', 'products'],
    });
    expect(excluded.code).toBe(2);
    expect(excluded.stderr).toContain(
      'error: unknown collection "prod.tmp_a"; configured: default.products, default.support_tickets, analytics.user_events, selector prod.* except tmp_*; "prod.tmp_a" is excluded by selector 1 ("tmp_*")',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('refuses a name already used, exit code 2', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }));

    // Act
    const run = await cli('start', ...ARN, '--name', 'nightly-rerun');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: an execution named nightly-rerun already exists (names are unique per state machine for 90 days); ' +
        'pass another --name, or leave it out\n',
    );
  });
});

describe('start --watch', () => {
  const NAME = 'cli-20261121-030000-3fa2';
  const MAP_RUN = `arn:aws:states:eu-west-1:123456789012:mapRun:MilvusSnapshotRun/${NAME}:Collections`;
  const REPORT_KEY = `reports/2026/11/21/${NAME}.json`;

  /** A full run of three collections: PrepareRun, the map run, then the report. */
  function fullRun(end: Timeline['end']): Timeline {
    const lambda = (at: number, state: string, ms: number): Timeline['events'] => [
      { at, type: 'TaskStateEntered', stateEnteredEventDetails: { name: state } },
      { at: at + 50, type: 'LambdaFunctionScheduled' },
      { at: at + ms - 50, type: 'LambdaFunctionSucceeded' },
      { at: at + ms, type: 'TaskStateExited', stateExitedEventDetails: { name: state } },
    ];
    return {
      name: NAME,
      startDate: NOW,
      events: [
        { at: 0, type: 'ExecutionStarted' },
        ...lambda(100, 'PrepareRun', 1_300),
        { at: 1_500, type: 'MapStateEntered', stateEnteredEventDetails: { name: 'Collections' } },
        { at: 1_600, type: 'MapRunStarted', mapRunStartedEventDetails: { mapRunArn: MAP_RUN } },
        { at: 40_000, type: 'MapRunSucceeded' },
        { at: 40_100, type: 'MapStateExited', stateExitedEventDetails: { name: 'Collections' } },
        ...lambda(40_200, 'BuildReport', 1_800),
        { at: 42_100, type: 'ChoiceStateEntered', stateEnteredEventDetails: { name: 'RunFailed?' } },
        { at: 42_150, type: 'ChoiceStateExited', stateExitedEventDetails: { name: 'RunFailed?' } },
        { at: 42_200, type: 'FailStateEntered', stateEnteredEventDetails: { name: 'RunFailed' } },
        { at: end.at, type: end.status === 'SUCCEEDED' ? 'ExecutionSucceeded' : 'ExecutionFailed' },
      ],
      end,
      mapRun: {
        arn: MAP_RUN,
        counts: [
          { at: 0, counts: counts({ total: 3, pending: 3 }) },
          { at: 5_000, counts: counts({ total: 3, running: 3 }) },
          { at: 20_000, counts: counts({ total: 3, running: 1, succeeded: 2 }) },
          { at: 38_000, counts: counts({ total: 3, succeeded: 3 }) },
        ],
      },
    };
  }

  /**
   * Moves the fake clock on, a second at a time, until `pending` has settled. Only as far as the
   * program needs: running every timer there is would also run, without end, the reconnection
   * backoff of any gRPC channel this worker still has open.
   */
  async function untilSettled(pending: Promise<unknown>): Promise<void> {
    let settled = false;
    const settle = () => {
      settled = true;
    };
    pending.then(settle, settle);
    while (!settled) await vi.advanceTimersByTimeAsync(1_000);
  }

  /** Runs the program on the fake clock until it has finished. */
  async function watch(...args: string[]) {
    const streams = memoryIo({ cwd: REPO_ROOT });
    const pending = runCli(['start', ...DEPLOYMENT, '--name', NAME, '--watch', ...args], streams.io);
    await untilSettled(pending);
    return { code: await pending, stdout: streams.stdout(), stderr: streams.stderr() };
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }).setSystemTime(NOW);
  });

  it('prints the steps as they happen, then the report, and exits 1 when the run failed', async () => {
    // Prepare
    playTimeline(
      sfn,
      fullRun({
        at: 42_300,
        status: 'FAILED',
        error: 'RunFailed',
        cause: '[FAILED] manual full: 2 of 3 collections failed',
      }),
    );
    s3.on(GetObjectCommand, { Bucket: DEPLOYED.reportsBucket, Key: REPORT_KEY }).resolves({
      Body: jsonBody(sampleReport(NAME)),
    });

    // Act
    const run = await watch();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: run ${NAME} FAILED\n`);
    const [started, steps = '', ...rest] = run.stdout.split(/\n\n(?=Watching|Run )/);
    const report = rest.join('\n\n');
    expect(started).toContain(`Started ${NAME}`);
    expect(steps.split('\n')).toEqual([
      `Watching ${NAME} (Ctrl-C stops watching; the run goes on)`,
      '  +0s       PrepareRun           started',
      '  +1s       PrepareRun           done (1s)',
      '  +2s       Collections          started',
      '  +2s       Collections          one child execution per collection started',
      '  +2s       Collections          0 of 3 collections done',
      // Progress is shown at the poll that sees it.
      '  +7s       Collections          0 of 3 collections done, 3 running',
      '  +23s      Collections          2 of 3 collections done, 1 running',
      '  +40s      Collections          3 of 3 collections done',
      '  +40s      Collections          done (39s)',
      '  +40s      BuildReport          started',
      '  +42s      BuildReport          done (2s)',
    ]);
    expect(report).toContain(
      `Run ${NAME} FAILED after 42s: RunFailed: [FAILED] manual full: 2 of 3 collections failed`,
    );
    expect(report).toContain(`Run ${NAME}: FAILED (manual full; started by hand)`);
    expect(report).toContain(
      '  default.support_tickets: MilvusUnavailableError: flush of default.support_tickets: UNAVAILABLE',
    );
    expect(report).toContain(`Report: s3://${DEPLOYED.reportsBucket}/${REPORT_KEY}`);
  });

  it('exits 0 when the run succeeded', async () => {
    // Prepare
    playTimeline(sfn, fullRun({ at: 42_300, status: 'SUCCEEDED' }));
    const report = { ...sampleReport(NAME), status: 'SUCCEEDED' };
    s3.on(GetObjectCommand, { Key: REPORT_KEY }).resolves({ Body: jsonBody(report) });

    // Act
    const run = await watch();

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Run ${NAME} SUCCEEDED after 42s\n`);
  });

  it('reads only new history, newest first, and polls at a bounded, gentle pace', async () => {
    // Prepare
    playTimeline(sfn, fullRun({ at: 120_000, status: 'SUCCEEDED' }));
    s3.on(GetObjectCommand).resolves({ Body: jsonBody({ ...sampleReport(NAME), status: 'SUCCEEDED' }) });
    const polledAt: number[] = [];
    sfn.on(DescribeExecutionCommand).callsFake(() => {
      polledAt.push(Date.now() - NOW.getTime());
      const ended = Date.now() - NOW.getTime() >= 120_000;
      return {
        executionArn: executionArn(NAME),
        stateMachineArn: DEPLOYED.stateMachineArn,
        name: NAME,
        startDate: NOW,
        status: ended ? 'SUCCEEDED' : 'RUNNING',
        ...(ended ? { stopDate: new Date(NOW.getTime() + 120_000) } : {}),
      };
    });

    // Act
    const run = await watch();

    // Assess
    expect(run.code).toBe(0);
    const gaps = polledAt.slice(1).map((t, i) => t - (polledAt[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
    // Nothing happens between 42 s and 120 s: the pace slows down to the cap.
    expect(gaps.at(-2)).toBe(15_000);
    const history = sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(history.every((input) => input.reverseOrder === true && input.maxResults === 100)).toBe(true);
    // Each event is printed once although every poll re-reads from the newest one.
    expect(run.stdout.match(/BuildReport +started/g)).toHaveLength(1);
  });

  it('shows the error of a step, without the Lambda trace, and says when no report was stored', async () => {
    // Prepare
    const cause = JSON.stringify({
      errorType: 'InvalidInputError',
      errorMessage: 'unknown schedule "nigthly"; configured schedules: hourly, nightly, weekly',
      trace: ['InvalidInputError: unknown schedule', '    at prepareRun (/var/task/index.js:1:2)'],
    });
    playTimeline(sfn, {
      name: NAME,
      startDate: NOW,
      events: [
        { at: 0, type: 'ExecutionStarted' },
        { at: 100, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'PrepareRun' } },
        {
          at: 900,
          type: 'LambdaFunctionFailed',
          lambdaFunctionFailedEventDetails: { error: 'InvalidInputError', cause },
        },
        {
          at: 1_000,
          type: 'ExecutionFailed',
          executionFailedEventDetails: { error: 'InvalidInputError', cause },
        },
      ],
      end: { at: 1_000, status: 'FAILED', error: 'InvalidInputError', cause },
    });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));

    // Act
    const run = await watch();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '  +1s       PrepareRun           failed: InvalidInputError: unknown schedule "nigthly"; configured schedules: hourly, nightly, weekly\n',
    );
    expect(run.stdout).toContain('No report was stored: the run ended before BuildReport.\n');
    expect(run.stdout).not.toContain('/var/task');
  });

  it('says the run goes on when watching fails', async () => {
    // Prepare
    playTimeline(sfn, fullRun({ at: 42_300, status: 'SUCCEEDED' }));
    sfn
      .on(GetExecutionHistoryCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const run = await watch();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: states:GetExecutionHistory on ${executionArn(NAME)} failed: ThrottlingException: Rate exceeded\n` +
        `Stopped watching; the run was NOT stopped: ${NAME} goes on in AWS ("report ${NAME}" later)\n`,
    );
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('stops watching on Ctrl-C without stopping the run, and says so (exit code 130)', async () => {
    // Prepare
    playTimeline(sfn, fullRun({ at: 42_300, status: 'SUCCEEDED' }));
    const listenersBefore = process.listenerCount('SIGINT');
    const streams = memoryIo({ cwd: REPO_ROOT });

    // Act
    const pending = runCli(['start', ...DEPLOYMENT, '--name', NAME, '--watch'], streams.io);
    await vi.advanceTimersByTimeAsync(10_000);
    process.emit('SIGINT');
    await untilSettled(pending);
    const code = await pending;

    // Assess
    expect(code).toBe(130);
    expect(streams.stderr()).toBe(
      `error: stopped watching (Ctrl-C). The run was NOT stopped: ${NAME} goes on in AWS. ` +
        `Follow it with "runs", read its report later with "report ${NAME}"\n`,
    );
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(streams.stdout()).toContain('PrepareRun           done');
    expect(streams.stdout()).not.toContain('BuildReport');
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
  });
});
