import { type ExecutionListItem, ExecutionStatus, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { awsCall } from '../aws/aws-errors';
import { addAwsOptions, withAwsSession } from '../aws/aws-session';
import { addDeploymentOptions, type DeploymentOptions, resolveDeployment } from '../aws/deployment';
import type { CliIo } from '../cli-io';
import { formatTable } from '../format/text-table';
import { formatDuration, formatUtc } from '../format/time-format';

/** The statuses `--status` accepts: Step Functions' own. */
export const RUN_STATUSES: readonly string[] = Object.values(ExecutionStatus);

/** Most executions one `runs` lists. */
const MAX_LIMIT = 10_000;

/** ListExecutions' largest page. */
const PAGE_SIZE = 1000;

interface RunsOptions extends DeploymentOptions {
  readonly limit: number;
  readonly status?: string;
  readonly json?: boolean;
}

/** One run as `runs --json` prints it. */
export interface RunListing {
  readonly name: string;
  readonly status: string;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  /** Whole seconds; up to now for a run still going. */
  readonly durationSeconds: number | null;
  readonly executionArn: string;
}

function parseLimit(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_LIMIT}.`);
  }
  return n;
}

function parseStatus(value: string): string {
  const status = value.toUpperCase().replace(/-/g, '_');
  if (!RUN_STATUSES.includes(status)) {
    throw new InvalidArgumentError(`expected one of ${RUN_STATUSES.join(', ')}.`);
  }
  return status;
}

function listing(item: ExecutionListItem, now: Date): RunListing {
  const end = item.stopDate ?? (item.status === 'RUNNING' ? now : undefined);
  const duration =
    item.startDate && end ? Math.round((end.getTime() - item.startDate.getTime()) / 1000) : null;
  return {
    name: item.name ?? '',
    status: item.status ?? 'UNKNOWN',
    startedAt: item.startDate?.toISOString() ?? null,
    stoppedAt: item.stopDate?.toISOString() ?? null,
    durationSeconds: duration,
    executionArn: item.executionArn ?? '',
  };
}

/** Adds `runs`: the state machine's recent executions, newest first. */
export function registerRunsCommand(parent: Command, io: CliIo): void {
  const command = parent
    .command('runs')
    .description('recent runs of the deployed state machine, newest first: name, status, start, duration')
    .addOption(new Option('--limit <n>', 'how many runs to list').argParser(parseLimit).default(20))
    .addOption(
      new Option('--status <status>', `only runs in this status (${RUN_STATUSES.join(', ')})`).argParser(
        parseStatus,
      ),
    )
    .option('--json', 'print a JSON array instead of a table');
  addDeploymentOptions(command, ['stateMachineArn']);
  addAwsOptions(command).action(async (options: RunsOptions) => {
    await withAwsSession(options, async (aws) => {
      const { stateMachineArn } = await resolveDeployment(aws, options, ['stateMachineArn']);
      const items: ExecutionListItem[] = [];
      let nextToken: string | undefined;
      do {
        const res = await awsCall({ action: 'states:ListExecutions', target: stateMachineArn }, () =>
          aws.sfn.send(
            new ListExecutionsCommand({
              stateMachineArn,
              maxResults: Math.min(PAGE_SIZE, options.limit - items.length),
              ...(options.status === undefined ? {} : { statusFilter: options.status as ExecutionStatus }),
              ...(nextToken === undefined ? {} : { nextToken }),
            }),
          ),
        );
        items.push(...(res.executions ?? []));
        nextToken = res.nextToken;
      } while (nextToken !== undefined && items.length < options.limit);

      const now = new Date();
      const runs = items.slice(0, options.limit).map((item) => listing(item, now));
      if (options.json) {
        io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        return;
      }
      if (runs.length === 0) {
        io.stdout.write(`No runs${options.status ? ` in status ${options.status}` : ''}.\n`);
        return;
      }
      io.stdout.write(
        formatTable(
          [
            { header: 'name' },
            { header: 'status' },
            { header: 'started' },
            { header: 'duration', alignRight: true },
          ],
          runs.map((run) => [
            run.name,
            run.status,
            formatUtc(run.startedAt === null ? undefined : new Date(run.startedAt)),
            run.durationSeconds === null
              ? '-'
              : `${formatDuration(run.durationSeconds * 1000)}${run.stoppedAt === null ? ' so far' : ''}`,
          ]),
        ),
      );
    });
  });
}
