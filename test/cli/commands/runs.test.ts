import { type ExecutionListItem, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli, DEPLOYED, executionArn } from '../support/deployment-fixture';

const sfn = mockClient(SFNClient);
const ARN = ['--state-machine-arn', DEPLOYED.stateMachineArn];

function execution(
  name: string,
  status: ExecutionListItem['status'],
  start: string,
  stop?: string,
): ExecutionListItem {
  return {
    name,
    executionArn: executionArn(name),
    stateMachineArn: DEPLOYED.stateMachineArn,
    status,
    startDate: new Date(start),
    ...(stop === undefined ? {} : { stopDate: new Date(stop) }),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] }).setSystemTime(new Date('2026-11-21T03:10:00Z'));
});

afterEach(() => {
  sfn.reset();
  vi.useRealTimers();
});

describe('runs', () => {
  it('prints recent runs as an aligned table: name, status, start (UTC), duration', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution('nightly-20261121', 'RUNNING', '2026-11-21T03:00:00Z'),
        execution('cli-20261120-101500-3fa2', 'FAILED', '2026-11-20T10:15:00Z', '2026-11-20T10:17:05Z'),
        execution('nightly-20261120', 'SUCCEEDED', '2026-11-20T03:00:00Z', '2026-11-20T04:02:03Z'),
      ],
    });

    // Act
    const run = await cli('runs', ...ARN);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'NAME                      STATUS     STARTED                     DURATION',
        'nightly-20261121          RUNNING    2026-11-21 03:00:00Z  10m 00s so far',
        'cli-20261120-101500-3fa2  FAILED     2026-11-20 10:15:00Z          2m 05s',
        'nightly-20261120          SUCCEEDED  2026-11-20 03:00:00Z      1h 02m 03s',
        '',
      ].join('\n'),
    );
  });

  it('pages through ListExecutions up to --limit, asking only for what is still needed', async () => {
    // Prepare
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        execution(`run-${from + i}`, 'SUCCEEDED', '2026-11-20T03:00:00Z', '2026-11-20T03:01:00Z'),
      );
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: page(0, 1000), nextToken: 't1' })
      .resolvesOnce({ executions: page(1000, 200), nextToken: 't2' });

    // Act
    const run = await cli('runs', ...ARN, '--limit', '1200', '--status', 'succeeded', '--json');

    // Assess
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: DEPLOYED.stateMachineArn, maxResults: 1000, statusFilter: 'SUCCEEDED' },
      {
        stateMachineArn: DEPLOYED.stateMachineArn,
        maxResults: 200,
        statusFilter: 'SUCCEEDED',
        nextToken: 't1',
      },
    ]);
    expect(JSON.parse(run.stdout)).toHaveLength(1200);
  });

  it('prints JSON with ISO times and durations in seconds', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution('nightly-20261120', 'SUCCEEDED', '2026-11-20T03:00:00Z', '2026-11-20T04:02:03Z'),
      ],
    });

    // Act
    const run = await cli('runs', ...ARN, '--json');

    // Assess
    expect(JSON.parse(run.stdout)).toEqual([
      {
        name: 'nightly-20261120',
        status: 'SUCCEEDED',
        startedAt: '2026-11-20T03:00:00.000Z',
        stoppedAt: '2026-11-20T04:02:03.000Z',
        durationSeconds: 3723,
        executionArn: executionArn('nightly-20261120'),
      },
    ]);
  });

  it('says so when there are no runs', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });

    // Act
    const run = await cli('runs', ...ARN, '--status', 'FAILED');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('No runs in status FAILED.\n');
  });

  it.each([
    [
      ['--limit', '0'],
      "option '--limit <n>' argument '0' is invalid. expected a whole number from 1 to 10000.",
    ],
    [['--limit', 'ten'], "option '--limit <n>' argument 'ten' is invalid"],
    [
      ['--status', 'broken'],
      "argument 'broken' is invalid. expected one of ABORTED, FAILED, PENDING_REDRIVE, RUNNING, SUCCEEDED, TIMED_OUT.",
    ],
  ])('refuses %j with exit code 2 before any AWS call', async (args, message) => {
    // Act
    const run = await cli('runs', ...ARN, ...args);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(sfn.calls()).toHaveLength(0);
  });
});
