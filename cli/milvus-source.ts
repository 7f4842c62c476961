import { relative } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type Command, Option } from 'commander';
import { clusterIdentity } from '../functions/shared/contracts/deployment';
import { PLACEHOLDER_TOKEN, tokenFromSecretValue } from '../functions/shared/lambda/milvus-token';
import { connectMilvus, milvusConnectionSchema } from '../functions/shared/milvus/milvus-connection';
import type { MilvusGateway } from '../functions/shared/milvus/milvus-gateway';
import type { RecordScope, ReportStore } from '../functions/shared/reports/report-store';
import { describeIssues } from '../functions/shared/validation';
import { DEFAULT_LOCAL_DEPLOYMENT_ID, type DeploymentConfig } from '../lib/config/deployment-config';
import { DeploymentConfigError, loadDeploymentConfig } from '../lib/config/load-config';
import { awsCall } from './aws/aws-errors';
import { type AwsOptions, type AwsSession, addAwsOptions } from './aws/aws-session';
import { resolveDeployment } from './aws/deployment';
import { CliError, EXIT_CODES } from './cli-error';
import type { CliIo } from './cli-io';
import { milvusCliError, reportStoreOf } from './deployment-records';

/** The options {@link addMilvusSourceOptions} adds. */
export interface MilvusSourceOptions extends AwsOptions {
  readonly milvusUri?: string;
  readonly milvusToken?: string;
  readonly config?: string;
  readonly reports?: string;
  readonly deploymentId?: string;
  readonly clusterId?: string;
  readonly stack?: string;
}

/** Adds the options that say which Milvus and which deployment's records a command reads. */
export function addMilvusSourceOptions(command: Command): Command {
  command
    .addOption(
      new Option(
        '--milvus-uri <uri>',
        'Milvus address (default: the stack output MilvusAddress with --stack, else milvus.address of the configuration)',
      ).env('MILVUS_URI'),
    )
    .addOption(
      new Option(
        '--milvus-token <token>',
        "Milvus token, never printed (default: the deployment's token secret with --stack)",
      ).env('MILVUS_TOKEN'),
    )
    .option(
      '--config <file>',
      'the configuration file (default: SNAPSHOT_SCHEDULER_CONFIG, scheduler.config.json, the example)',
    )
    .option(
      '--reports <dir|s3://bucket>',
      "the deployment's records (default: the stack's bucket with --stack, else .local-runs when it exists)",
    )
    .option(
      '--deployment-id <id>',
      `whose records (default: the stack output DeploymentId with --stack, else deploymentId of the configuration, else ${DEFAULT_LOCAL_DEPLOYMENT_ID})`,
    )
    .option(
      '--cluster-id <id>',
      "the cluster's key in the records (default: the stack output MilvusClusterKey with --stack, else milvus.clusterId, else derived from the address)",
    )
    // Not read from SNAPSHOT_SCHEDULER_STACK: which records are read (local or deployed) is said on the command line.
    .option(
      '--stack <name>',
      "read Milvus' address, the token secret, the bucket and the deployment id from this deployed stack",
    );
  return addAwsOptions(command);
}

/** The Milvus a command reads, the deployment whose records it reads, and where they are. */
export interface MilvusSource {
  readonly address: string;
  readonly tls: boolean;
  readonly token: string | undefined;
  readonly scope: RecordScope;
  readonly store: ReportStore | undefined;
  readonly storeOptions: { readonly reports?: string };
  readonly config: DeploymentConfig | undefined;
  readonly configPath: string | undefined;
}

/**
 * Where a command's Milvus and records are: with `--stack`, the deployed stack's outputs (Milvus'
 * address, its token secret, the bucket, the deployment id and cluster key), each overridable;
 * without, the flags and the configuration, as the local runner uses them.
 *
 * @param needsConfig whether the command cannot work without a configuration
 */
export async function milvusSourceOf(
  options: MilvusSourceOptions,
  io: CliIo,
  aws: AwsSession,
  needsConfig: boolean,
): Promise<MilvusSource> {
  const { config, configPath } = loadCliConfig(options.config, io, needsConfig);

  if (options.stack !== undefined) {
    const deployed = await resolveDeployment(
      aws,
      {
        stack: options.stack,
        ...(options.milvusUri !== undefined && { milvusAddress: options.milvusUri, milvusTls: 'false' }),
        ...(options.deploymentId !== undefined && { deploymentId: options.deploymentId }),
        ...(options.clusterId !== undefined && { milvusClusterKey: options.clusterId }),
        // Given on the command line, the secret and the bucket are not looked up (nor used).
        ...(options.milvusToken !== undefined && { milvusTokenSecret: '(--milvus-token)' }),
        ...(options.reports !== undefined && { reportsBucket: '(--reports)' }),
      },
      [
        'milvusAddress',
        'milvusTls',
        'milvusClusterKey',
        'deploymentId',
        'milvusTokenSecret',
        'reportsBucket',
      ],
    );
    const reports = options.reports ?? `s3://${deployed.reportsBucket}`;
    io.stderr.write(`reading the deployment ${deployed.deploymentId} of stack ${options.stack}\n`);
    return {
      address: deployed.milvusAddress,
      // A URI given on the command line (a tunnel, say) says its own TLS (https://).
      tls: deployed.milvusTls === 'true',
      token: options.milvusToken || (await deploymentToken(aws, deployed.milvusTokenSecret)),
      // The deployment's own key, even through a tunnel whose address differs.
      scope: { deploymentId: deployed.deploymentId, clusterKey: deployed.milvusClusterKey },
      store: reportStoreOf({ reports }, io, aws),
      storeOptions: { reports },
      config,
      configPath,
    };
  }

  const address = options.milvusUri ?? config?.milvus.address;
  if (!address) {
    throw new CliError(
      'no Milvus address: pass --milvus-uri, set MILVUS_URI, set milvus.address in the configuration, ' +
        'or pass --stack to use the deployed one',
    );
  }
  const store = reportStoreOf(options, io, aws);
  if (!store) {
    io.stderr.write(
      "note: no --reports given: without the ledger no snapshot is proven this deployment's, and no drill is known\n",
    );
  }
  return {
    address,
    tls: options.milvusUri === undefined ? (config?.milvus.tls ?? false) : false,
    token: options.milvusToken || undefined,
    scope: {
      deploymentId: options.deploymentId ?? config?.deploymentId ?? DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: options.clusterId ?? clusterIdentity(address, config?.milvus.clusterId).key,
    },
    store,
    storeOptions: options,
    config,
    configPath,
  };
}

/** The token in the deployment's secret (`secretsmanager:GetSecretValue`), as the functions read it. */
async function deploymentToken(aws: AwsSession, secretId: string): Promise<string> {
  const res = await awsCall({ action: 'secretsmanager:GetSecretValue', target: `secret ${secretId}` }, () =>
    aws.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId })),
  );
  const token = tokenFromSecretValue(res.SecretString ?? '');
  if (!token) {
    throw new CliError(
      `the Milvus token secret ${secretId} is empty: store the token in it, or pass --milvus-token`,
    );
  }
  if (token === PLACEHOLDER_TOKEN) {
    throw new CliError(
      `the Milvus token secret ${secretId} still holds the placeholder value: set it with ` +
        `"aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <token>", or pass --milvus-token`,
    );
  }
  return token;
}

/** Connects to the source's Milvus, runs `use`, and closes; Milvus' failures become messages that say what to fix. */
export async function withMilvus<T>(
  source: MilvusSource,
  scrub: (text: string) => string,
  use: (milvus: MilvusGateway) => Promise<T>,
): Promise<T> {
  const connection = milvusConnectionSchema.safeParse({
    address: source.address,
    tls: source.tls,
    timeoutMs: source.config?.milvus.timeoutMs ?? 15_000,
  });
  if (!connection.success) throw new CliError(`Milvus address: ${describeIssues(connection.error.issues)}`);
  let milvus: MilvusGateway;
  try {
    milvus = await connectMilvus(connection.data, source.token);
  } catch (error) {
    throw milvusCliError(error, source.address, scrub);
  }
  try {
    return await use(milvus);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw milvusCliError(error, source.address, scrub);
  } finally {
    await milvus.close();
  }
}

/**
 * The configuration a CLI command reads (`--config`, else the default file), said on stderr. A
 * missing or invalid one is an error when the command needs it or `--config` named it; otherwise
 * the command goes on without.
 */
export function loadCliConfig(
  path: string | undefined,
  io: CliIo,
  required: boolean,
): { config?: DeploymentConfig; configPath?: string } {
  try {
    const loaded = loadDeploymentConfig({ cwd: io.cwd, ...(path ? { path } : {}) });
    const configPath = relative(io.cwd, loaded.path) || loaded.path;
    io.stderr.write(`using configuration ${configPath}\n`);
    return { config: loaded.config, configPath };
  } catch (error) {
    if (!(error instanceof DeploymentConfigError)) throw error;
    if (required || path !== undefined) throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
    return {};
  }
}
