import { join } from 'node:path';
import { DescribeStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runtimeConfigOf } from '../../../lib/config/deployment-config';
import { loadDeploymentConfig } from '../../../lib/config/load-config';
import { cli, DEPLOYED, executionArn } from '../support/deployment-fixture';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const sfn = mockClient(SFNClient);
const ARN = ['--state-machine-arn', DEPLOYED.stateMachineArn];

/** A definition deployed from the example configuration: what `restore` checks its input against. */
function deployedDefinition(): string {
  const { config } = loadDeploymentConfig({ cwd: REPO_ROOT, path: 'examples/scheduler.config.json' });
  return JSON.stringify({
    StartAt: 'PrepareRun',
    States: {
      PrepareRun: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:PrepareRun',
        Parameters: { 'input.$': '$$.Execution.Input', config: runtimeConfigOf(config) },
        End: true,
      },
    },
  });
}

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
});

describe('restore', () => {
  it('starts a restore run of the deployed state machine with the input its flags describe', async () => {
    // Act
    const run = await cli(
      'restore',
      ...ARN,
      '--collection',
      'products',
      '--snapshot',
      'nightly_20261120_030000',
      '--alias',
      'catalog',
      '--name',
      'restore-products',
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Started restore-products');
    const request = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(JSON.parse(request?.input ?? '')).toEqual({
      mode: 'restore',
      collections: ['default.products'],
      snapshot: 'nightly_20261120_030000',
      alias: 'catalog',
    });
  });

  it('refuses --alias with --swap before anything starts (exit code 2)', async () => {
    const run = await cli('restore', ...ARN, '--collection', 'products', '--alias', 'catalog', '--swap');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--alias and --swap exclude each other');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a collection the deployment does not manage, with the message the run would fail with', async () => {
    const run = await cli('restore', ...ARN, '--collection', 'default.orders');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown collection "default.orders"');
    expect(run.stderr).toContain('Nothing was started.');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
