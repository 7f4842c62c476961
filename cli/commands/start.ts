import { randomBytes } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { awsCall } from '../aws/aws-errors';
import { type AwsSession, addAwsOptions, withAwsSession } from '../aws/aws-session';
import { addDeploymentOptions, type DeploymentOptions, resolveDeployment } from '../aws/deployment';
import { CliError, EXIT_CODES } from '../cli-error';
import type { CliIo } from '../cli-io';
import { checkAgainstDeployment } from '../deployed-run-check';
import { formatReportSummary } from '../format/report-summary';
import { formatDuration } from '../format/time-format';
import { buildRunInput, type RunInputOptions, validateRunInput } from '../run-input';
import { type ExecutionFacts, loadRunReport, readableCause } from '../run-lookup';
import { watchExecution } from '../watch-execution';

/** Exit code after Ctrl-C while watching (128 + SIGINT), as shells report an interrupted command. */
export const EXIT_INTERRUPTED = 130;

/** Execution names: Step Functions' rules, kept to the characters that are safe everywhere. */
const EXECUTION_NAME = /^[A-Za-z0-9_.-]{1,80}$/;

interface StartOptions extends RunInputOptions, DeploymentOptions {
  readonly name?: string;
  readonly watch?: boolean;
}

/** `cli-20261121-030000-3fa2`: sortable, says where it came from, unique enough to not collide. */
export function defaultExecutionName(now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `cli-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The Step Functions console page of an execution. */
export function executionConsoleUrl(executionArn: string): string {
  const [, partition = 'aws', , region = 'us-east-1'] = executionArn.split(':');
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? `${region}.console.amazonaws-us-gov.com`
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * Adds `start`: validates an execution input locally (the schema, then — when the definition can
 * be read — the deployed configuration, with PrepareRun's own messages), starts a run of the
 * deployed state machine, and with `--watch` follows it to the end and prints its report.
 */
export function registerStartCommand(parent: Command, io: CliIo): void {
  const command = parent
    .command('start')
    .description('start a run of the deployed state machine (the input is checked before anything starts)')
    .option('--mode <mode>', "backup, drill or full (default: the schedule's mode, else backup)")
    .option(
      '--collections <list>',
      'only these collections, comma-separated: database.collection, collection in default, or a pattern such as prod.* (names a selector covers are accepted)',
    )
    .option('--dry-run', 'change nothing: no flush, snapshot, drop or drill; report what retention would do')
    .option('--snapshot <name>', 'drill this snapshot instead of the newest (with --mode drill)')
    .option(
      '--schedule <name>',
      'run as this configured schedule (its mode, snapshot prefix and collections)',
    )
    .option('--input <file>', 'the execution input as JSON (a file, or - for stdin); flags override its keys')
    .option('--name <name>', 'the execution name (default: cli-<UTC date>-<time>-<4 hex>)')
    .option(
      '--watch',
      'follow the run to its end, then print its report (Ctrl-C stops watching, not the run)',
    );
  addDeploymentOptions(command, ['stateMachineArn', 'reportsBucket']);
  addAwsOptions(command).action(async (options: StartOptions) => {
    const input = await buildRunInput(options, io);
    validateRunInput(input);
    await launchRun(options, input, io);
  });
}

/** What {@link launchRun} needs: where the deployment is, the execution's name, and whether to watch. */
export interface LaunchOptions extends DeploymentOptions {
  readonly name?: string;
  readonly watch?: boolean;
}

/**
 * Starts a run of the deployed state machine with an input already checked against the schema:
 * checks it against the deployed configuration first (PrepareRun's own messages), then starts it,
 * and with `watch` follows it to its end and prints its report. `start` and `restore` share it.
 */
export async function launchRun(options: LaunchOptions, input: unknown, io: CliIo): Promise<void> {
  const name = options.name ?? defaultExecutionName();
  if (!EXECUTION_NAME.test(name)) {
    throw new CliError(`--name must be 1 to 80 letters, digits, ".", "_" or "-", got "${name}"`);
  }

  await withAwsSession(options, async (aws) => {
    const deployment = await resolveDeployment(
      aws,
      options,
      options.watch ? (['stateMachineArn', 'reportsBucket'] as const) : (['stateMachineArn'] as const),
    );
    const { stateMachineArn } = deployment;
    const check = await checkAgainstDeployment(aws, stateMachineArn, input, name);
    if (!check.checked) {
      io.stderr.write(`note: ${check.reason}; collections and schedule are checked by the run itself\n`);
    } else if (check.bySelector.length > 0) {
      io.stderr.write(
        `note: ${check.bySelector.join(', ')} ${check.bySelector.length === 1 ? 'is' : 'are'} not configured by name but covered by a selector; ` +
          'the run checks that Milvus has them when it resolves the selectors\n',
      );
    }

    const started = await awsCall(
      { action: 'states:StartExecution', target: stateMachineArn },
      () => aws.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })),
      {
        ExecutionAlreadyExists: (error) => {
          throw new CliError(
            `an execution named ${name} already exists (names are unique per state machine for 90 days); ` +
              'pass another --name, or leave it out',
            undefined,
            { cause: error },
          );
        },
        StateMachineDoesNotExist: (error) => {
          throw new CliError(
            `there is no state machine ${stateMachineArn}; check --stack, --state-machine-arn and --region`,
            undefined,
            { cause: error },
          );
        },
      },
    );
    const executionArn = started.executionArn ?? '';
    io.stdout.write(
      `Started ${name}\n` +
        `  execution  ${executionArn}\n` +
        `  console    ${executionConsoleUrl(executionArn)}\n`,
    );
    if (!('reportsBucket' in deployment)) return;
    await watchToEnd(aws, executionArn, name, deployment.reportsBucket, io);
  });
}

async function watchToEnd(
  aws: AwsSession,
  executionArn: string,
  name: string,
  reportsBucket: string,
  io: CliIo,
): Promise<void> {
  io.stdout.write(`\nWatching ${name} (Ctrl-C stops watching; the run goes on)\n`);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.on('SIGINT', interrupt);
  let outcome: Awaited<ReturnType<typeof watchExecution>>;
  try {
    outcome = await watchExecution(aws, executionArn, io, controller.signal);
  } catch (error) {
    // Losing sight of the run is not the run failing: say that it goes on.
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `${error.message}\nStopped watching; the run was NOT stopped: ${name} goes on in AWS ("report ${name}" later)`,
      error.exitCode,
      { cause: error },
    );
  } finally {
    process.off('SIGINT', interrupt);
  }
  if (outcome.kind === 'interrupted') {
    throw new CliError(
      `stopped watching (Ctrl-C). The run was NOT stopped: ${name} goes on in AWS. ` +
        `Follow it with "runs", read its report later with "report ${name}"`,
      EXIT_INTERRUPTED,
    );
  }
  const { execution } = outcome;
  io.stdout.write(`\n${finalLine(execution)}\n\n`);
  const found = await loadRunReport(aws, reportsBucket, name, execution.startDate);
  if (found) io.stdout.write(formatReportSummary(found.report, found.location));
  else io.stdout.write(`No report was stored: the run ended before BuildReport.\n`);
  if (execution.status !== 'SUCCEEDED') {
    throw new CliError(`run ${name} ${execution.status}`, EXIT_CODES.internal);
  }
}

function finalLine(execution: ExecutionFacts): string {
  const took =
    execution.stopDate === undefined
      ? ''
      : ` after ${formatDuration(execution.stopDate.getTime() - execution.startDate.getTime())}`;
  const why = [execution.error, readableCause(execution.cause)].filter((p) => p !== undefined && p !== '');
  return `Run ${execution.name} ${execution.status}${took}${why.length > 0 ? `: ${why.join(': ')}` : ''}`;
}
