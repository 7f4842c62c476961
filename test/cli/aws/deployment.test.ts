import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli, DEPLOYED, stackWithOutputs } from '../support/deployment-fixture';

const cloudFormation = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);

beforeEach(() => {
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

afterEach(() => {
  cloudFormation.reset();
  sfn.reset();
  vi.unstubAllEnvs();
});

describe('finding the deployment', () => {
  it('reads the state machine from the outputs of the default stack', async () => {
    // Prepare
    vi.stubEnv('SNAPSHOT_SCHEDULER_STACK', undefined);
    stackWithOutputs(cloudFormation);

    // Act
    const run = await cli('runs');

    // Assess
    expect(run.code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: 'MilvusSnapshotScheduler',
    });
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: DEPLOYED.stateMachineArn,
    });
  });

  it('reads the stack named by SNAPSHOT_SCHEDULER_STACK, and --stack over it', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'x',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: DEPLOYED.stateMachineArn }],
        },
      ],
    });
    vi.stubEnv('SNAPSHOT_SCHEDULER_STACK', 'FromEnv');

    // Act
    const fromEnv = await cli('runs');
    const fromFlag = await cli('runs', '--stack', 'FromFlag');

    // Assess
    expect([fromEnv.code, fromFlag.code]).toEqual([0, 0]);
    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual([
      'FromEnv',
      'FromFlag',
    ]);
  });

  it('uses --state-machine-arn without asking CloudFormation', async () => {
    // Act
    const run = await cli('runs', '--state-machine-arn', DEPLOYED.stateMachineArn);

    // Assess
    expect(run.code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input.stateMachineArn).toBe(
      DEPLOYED.stateMachineArn,
    );
  });

  it('passes --region and --profile to the clients', async () => {
    // Act
    const run = await cli(
      'runs',
      '--state-machine-arn',
      DEPLOYED.stateMachineArn,
      '--region',
      'ap-southeast-2',
      '--profile',
      'ops',
    );

    // Assess
    expect(run.code).toBe(0);
    const client = sfn.send.thisValues[0] as SFNClient;
    expect(await client.config.region()).toBe('ap-southeast-2');
    expect(client.config.profile).toBe('ops');
  });

  describe('what to fix, exit code 2', () => {
    it('a stack without the output names the output, the stack status and the flag to pass', async () => {
      // Prepare
      stackWithOutputs(cloudFormation, { ReportsBucketName: DEPLOYED.reportsBucket });

      // Act
      const run = await cli('runs');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: stack MilvusSnapshotScheduler (UPDATE_COMPLETE) has no output StateMachineArn ' +
          '(it has: ReportsBucketName). Deploy the current version of the stack, or pass --state-machine-arn\n',
      );
      expect(sfn.calls()).toHaveLength(0);
    });

    it('a stack that does not exist', async () => {
      // Prepare
      cloudFormation
        .on(DescribeStacksCommand)
        .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));

      // Act
      const run = await cli('runs', '--stack', 'Nope');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: no CloudFormation stack named Nope in this account and region');
      expect(run.stderr).toContain('Pass --stack <name> (or set SNAPSHOT_SCHEDULER_STACK) and --region');
    });

    it('no credentials', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      );

      // Act
      const run = await cli('runs');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'error: no AWS credentials found (Could not load credentials from any providers)',
      );
      expect(run.stderr).toContain('pass --profile');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });

    it('access denied names the action to grant and the resource', async () => {
      // Prepare
      sfn.on(ListExecutionsCommand).rejects(
        Object.assign(new Error('User: arn:aws:iam::123456789012:user/dev is not authorized'), {
          name: 'AccessDeniedException',
        }),
      );

      // Act
      const run = await cli('runs', '--state-machine-arn', DEPLOYED.stateMachineArn);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `error: AWS denied states:ListExecutions on ${DEPLOYED.stateMachineArn} (AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized)`,
      );
    });

    it('expired credentials', async () => {
      // Prepare
      sfn.on(ListExecutionsCommand).rejects(
        Object.assign(new Error('The security token included in the request is expired'), {
          name: 'ExpiredTokenException',
        }),
      );

      // Act
      const run = await cli('runs', '--state-machine-arn', DEPLOYED.stateMachineArn);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: AWS did not accept your credentials (ExpiredTokenException');
    });

    it('a malformed --state-machine-arn, before any AWS call', async () => {
      // Act
      const run = await cli('runs', '--state-machine-arn', 'MilvusSnapshotRun');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--state-machine-arn must be a state machine ARN');
      expect(run.stderr).toContain('got "MilvusSnapshotRun"');
      expect([...cloudFormation.calls(), ...sfn.calls()]).toHaveLength(0);
    });
  });

  it('reports any other AWS failure with the action, exit code 1', async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const run = await cli('runs', '--state-machine-arn', DEPLOYED.stateMachineArn);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: states:ListExecutions on ${DEPLOYED.stateMachineArn} failed: ThrottlingException: Rate exceeded\n`,
    );
  });
});
