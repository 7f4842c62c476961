import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/program';
import { memoryIo } from '../cli-test-io';

/** The deployment the AWS command tests talk to. */
export const DEPLOYED = {
  stack: 'MilvusSnapshotScheduler',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:MilvusSnapshotRun',
  reportsBucket: 'milvus-snapshot-reports-abc123',
  scheduleGroup: 'MilvusSnapshotSchedulerGroup',
} as const;

/** The execution ARN of `name` in {@link DEPLOYED}. */
export function executionArn(name: string): string {
  return `arn:aws:states:eu-west-1:123456789012:execution:MilvusSnapshotRun:${name}`;
}

/** Makes the mocked CloudFormation answer DescribeStacks with the outputs the stack exports. */
export function stackWithOutputs(
  cloudFormation: AwsClientStub<CloudFormationClient>,
  outputs: Record<string, string> = {
    StateMachineArn: DEPLOYED.stateMachineArn,
    ReportsBucketName: DEPLOYED.reportsBucket,
    ScheduleGroupName: DEPLOYED.scheduleGroup,
    ReportTopicArn: 'arn:aws:sns:eu-west-1:123456789012:reports',
  },
): void {
  cloudFormation.on(DescribeStacksCommand, { StackName: DEPLOYED.stack }).resolves({
    Stacks: [
      {
        StackName: DEPLOYED.stack,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-10-01T00:00:00Z'),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

/** An S3 object body holding `value` as JSON. */
export function jsonBody(value: unknown): GetObjectCommandOutput['Body'] {
  return {
    transformToString: async () => JSON.stringify(value),
  } as unknown as GetObjectCommandOutput['Body'];
}

/** What one run of the program printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the program in-process, as `npm run cli -- …args` would. */
export async function cli(...args: string[]): Promise<CliRun> {
  const streams = memoryIo({ cwd: process.cwd() });
  const code = await runCli(args, streams.io);
  return { code, stdout: streams.stdout(), stderr: streams.stderr() };
}
