import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';

/** `--region` and `--profile`, as every AWS command takes them. */
export interface AwsOptions {
  /** @default the standard chain: AWS_REGION, then the profile's region */
  readonly region?: string;
  /** @default the standard chain: AWS_PROFILE, then the default profile */
  readonly profile?: string;
}

/** Adds `--region` and `--profile` to an AWS command. */
export function addAwsOptions(command: Command): Command {
  return command
    .addOption(new Option('--region <region>', 'AWS region (default: AWS_REGION or your profile)'))
    .addOption(new Option('--profile <profile>', 'AWS profile (default: AWS_PROFILE or "default")'));
}

/**
 * The AWS clients of one command, created on first use with the same region and profile, and
 * closed together when the command ends (so no idle socket keeps the process alive).
 */
export class AwsSession {
  #sfn?: SFNClient;
  #s3?: S3Client;
  #scheduler?: SchedulerClient;
  #cloudFormation?: CloudFormationClient;
  #secretsManager?: SecretsManagerClient;
  private readonly config: { region?: string; profile?: string };

  public constructor(options: AwsOptions) {
    this.config = {
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    };
  }

  /** Step Functions. */
  public get sfn(): SFNClient {
    this.#sfn ??= new SFNClient(this.config);
    return this.#sfn;
  }

  /** S3, for the reports bucket. */
  public get s3(): S3Client {
    this.#s3 ??= new S3Client(this.config);
    return this.#s3;
  }

  /** EventBridge Scheduler. */
  public get scheduler(): SchedulerClient {
    this.#scheduler ??= new SchedulerClient(this.config);
    return this.#scheduler;
  }

  /** CloudFormation, for the stack's outputs. */
  public get cloudFormation(): CloudFormationClient {
    this.#cloudFormation ??= new CloudFormationClient(this.config);
    return this.#cloudFormation;
  }

  /** Secrets Manager, for the deployment's Milvus token. */
  public get secretsManager(): SecretsManagerClient {
    this.#secretsManager ??= new SecretsManagerClient(this.config);
    return this.#secretsManager;
  }

  /** Closes every client that was created. */
  public destroy(): void {
    for (const client of [this.#sfn, this.#s3, this.#scheduler, this.#cloudFormation, this.#secretsManager])
      client?.destroy();
  }
}

/** Runs `action` with a session that is closed afterwards, whatever happens. */
export async function withAwsSession<T>(
  options: AwsOptions,
  action: (aws: AwsSession) => Promise<T>,
): Promise<T> {
  const aws = new AwsSession(options);
  try {
    return await action(aws);
  } finally {
    aws.destroy();
  }
}
