import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type Command, Option } from 'commander';
import { CliError } from '../cli-error';
import { awsCall } from './aws-errors';
import type { AwsOptions, AwsSession } from './aws-session';

/** The stack name used when neither `--stack` nor the environment names one (the `bin/app.ts` default). */
export const DEFAULT_STACK_NAME = 'MilvusSnapshotScheduler';

/** The environment variable that names the stack. */
export const STACK_ENV_VAR = 'SNAPSHOT_SCHEDULER_STACK';

/**
 * What the CLI needs from a deployment, and the CloudFormation output of the stack that holds
 * each one. The stack (`lib/milvus-snapshot-scheduler-stack.ts`) exports exactly these keys.
 */
export const DEPLOYMENT_OUTPUTS = {
  stateMachineArn: { output: 'StateMachineArn', flag: '--state-machine-arn <arn>' },
  reportsBucket: { output: 'ReportsBucketName', flag: '--reports-bucket <name>' },
  scheduleGroup: { output: 'ScheduleGroupName', flag: '--schedule-group <name>' },
  deploymentId: { output: 'DeploymentId', flag: '--deployment-id <id>' },
  milvusAddress: { output: 'MilvusAddress', flag: '--milvus-uri <uri>' },
  milvusTls: { output: 'MilvusTls', flag: '--milvus-uri <uri>' },
  milvusClusterKey: { output: 'MilvusClusterKey', flag: '--cluster-id <id>' },
  milvusTokenSecret: { output: 'MilvusTokenSecretArn', flag: '--milvus-token <token>' },
} as const;

/** One thing the CLI finds in a deployment. */
export type DeploymentPart = keyof typeof DEPLOYMENT_OUTPUTS;

/** The deployment's resources, as found in the stack's outputs or given on the command line. */
export type Deployment = Record<DeploymentPart, string>;

/** `--stack` and the explicit overrides, as commander parses them. */
export interface DeploymentOptions extends AwsOptions {
  readonly stack: string;
  readonly stateMachineArn?: string;
  readonly reportsBucket?: string;
  readonly scheduleGroup?: string;
  readonly deploymentId?: string;
  readonly milvusAddress?: string;
  readonly milvusTls?: string;
  readonly milvusClusterKey?: string;
  readonly milvusTokenSecret?: string;
}

const OVERRIDE_HELP: Record<DeploymentPart, string> = {
  stateMachineArn: 'the state machine, instead of the stack output StateMachineArn',
  reportsBucket: 'the reports bucket, instead of the stack output ReportsBucketName',
  scheduleGroup: 'the schedule group, instead of the stack output ScheduleGroupName',
  deploymentId: 'the deployment id, instead of the stack output DeploymentId',
  milvusAddress: "Milvus' address, instead of the stack output MilvusAddress",
  milvusTls: 'whether Milvus is reached over TLS, instead of the stack output MilvusTls',
  milvusClusterKey: "the cluster's key in the records, instead of the stack output MilvusClusterKey",
  milvusTokenSecret: 'the Milvus token, instead of the secret the stack output MilvusTokenSecretArn names',
};

/** Adds `--stack` and the overrides of the parts a command uses. */
export function addDeploymentOptions(command: Command, parts: readonly DeploymentPart[]): Command {
  command.addOption(
    new Option('--stack <name>', 'the deployed CloudFormation stack to read outputs from')
      .env(STACK_ENV_VAR)
      .default(DEFAULT_STACK_NAME),
  );
  for (const part of parts) command.addOption(new Option(DEPLOYMENT_OUTPUTS[part].flag, OVERRIDE_HELP[part]));
  return command;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_.-]{1,80}$/;

/**
 * Finds the parts a command needs: explicit overrides first; the others from the stack's
 * CloudFormation outputs (one `DescribeStacks`, made only when something is missing).
 *
 * @throws CliError (exit 2) when the stack does not exist, lacks an output, or an override is malformed
 */
export async function resolveDeployment<P extends DeploymentPart>(
  aws: AwsSession,
  options: DeploymentOptions,
  parts: readonly P[],
): Promise<Pick<Deployment, P>> {
  if (options.stateMachineArn !== undefined && !STATE_MACHINE_ARN.test(options.stateMachineArn)) {
    throw new CliError(
      `--state-machine-arn must be a state machine ARN such as ` +
        `"arn:aws:states:eu-west-1:123456789012:stateMachine:MyRun", got "${options.stateMachineArn}"`,
    );
  }
  const found: Partial<Deployment> = {};
  for (const part of parts) {
    const given = options[part];
    if (given !== undefined) found[part] = given;
  }
  const missing = parts.filter((part) => found[part] === undefined);
  if (missing.length > 0) {
    const outputs = await stackOutputs(aws, options.stack);
    for (const part of missing) {
      const { output, flag } = DEPLOYMENT_OUTPUTS[part];
      const value = outputs.values.get(output);
      if (value === undefined) {
        const has = [...outputs.values.keys()];
        throw new CliError(
          `stack ${options.stack} (${outputs.status}) has no output ${output} ` +
            `(it has: ${has.length > 0 ? has.join(', ') : 'none'}). ` +
            `Deploy the current version of the stack, or pass ${flag.split(' ')[0]}`,
        );
      }
      found[part] = value;
    }
  }
  return found as Pick<Deployment, P>;
}

async function stackOutputs(
  aws: AwsSession,
  stack: string,
): Promise<{ status: string; values: Map<string, string> }> {
  const context = { action: 'cloudformation:DescribeStacks', target: `stack ${stack}` };
  const res = await awsCall(
    context,
    () => aws.cloudFormation.send(new DescribeStacksCommand({ StackName: stack })),
    {
      // CloudFormation says "Stack with id X does not exist" as a ValidationError.
      ValidationError: (error) => {
        if (!/does not exist/i.test(error.message))
          throw new CliError(`cannot read stack ${stack}: ${error.message}`);
        throw new CliError(
          `no CloudFormation stack named ${stack} in this account and region. ` +
            `Pass --stack <name> (or set ${STACK_ENV_VAR}) and --region, ` +
            'or name the resources with --state-machine-arn, --reports-bucket, --schedule-group',
          undefined,
          { cause: error },
        );
      },
    },
  );
  const description = res.Stacks?.[0];
  const values = new Map<string, string>();
  for (const output of description?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue) values.set(output.OutputKey, output.OutputValue);
  }
  return { status: description?.StackStatus ?? 'status unknown', values };
}
