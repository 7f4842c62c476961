import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  type ScheduleState,
  type ScheduleSummary,
  UpdateScheduleCommand,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import type { Command } from 'commander';
import { awsCall } from '../aws/aws-errors';
import { type AwsSession, addAwsOptions, withAwsSession } from '../aws/aws-session';
import { addDeploymentOptions, type DeploymentOptions, resolveDeployment } from '../aws/deployment';
import { CliError, EXIT_CODES } from '../cli-error';
import type { CliIo } from '../cli-io';
import { formatTable } from '../format/text-table';
import { formatUtc } from '../format/time-format';
import { nextRun } from '../schedule-next-run';

interface SchedulesOptions extends DeploymentOptions {
  readonly json?: boolean;
}

/** One schedule as `schedules list --json` prints it. */
export interface ScheduleListing {
  readonly name: string;
  readonly state: string;
  readonly expression: string | null;
  readonly timezone: string;
  /** ISO 8601, or null when paused, finished, or not computable (a rate without a start date). */
  readonly nextRun: string | null;
  readonly description: string | null;
}

/** GetSchedule calls in flight at once: a handful of schedules, gently. */
const GET_CONCURRENCY = 4;

/**
 * The UpdateSchedule request that changes only `State`. UpdateSchedule replaces the whole
 * schedule, so every field GetSchedule returned is sent back as it was: a field left out would be
 * reset (the target and its input, retry policy and dead-letter queue, the flexible window, the
 * time zone, start/end dates, the KMS key). The mapped type lists every request field, so a field
 * added to the API fails to compile here until it is handled.
 *
 * @throws CliError (exit 1) when GetSchedule did not return a field UpdateSchedule requires
 */
export function updateKeepingEverythingElse(
  current: GetScheduleCommandOutput,
  state: ScheduleState,
): UpdateScheduleCommandInput {
  const { Name, ScheduleExpression, Target, FlexibleTimeWindow } = current;
  if (!Name || !ScheduleExpression || !Target || !FlexibleTimeWindow) {
    throw new CliError(
      `GetSchedule returned schedule ${Name ?? '?'} without its name, expression, target or flexible window; ` +
        'not updating it, so that nothing is lost',
      EXIT_CODES.internal,
    );
  }
  const request: { [K in keyof Required<UpdateScheduleCommandInput>]: UpdateScheduleCommandInput[K] } = {
    Name,
    GroupName: current.GroupName,
    ScheduleExpression,
    StartDate: current.StartDate,
    EndDate: current.EndDate,
    Description: current.Description,
    ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
    State: state,
    KmsKeyArn: current.KmsKeyArn,
    Target,
    FlexibleTimeWindow,
    ActionAfterCompletion: current.ActionAfterCompletion,
    ClientToken: undefined,
  };
  return request;
}

async function getSchedule(aws: AwsSession, group: string, name: string): Promise<GetScheduleCommandOutput> {
  return awsCall(
    { action: 'scheduler:GetSchedule', target: `schedule ${group}/${name}` },
    () => aws.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })),
    {
      ResourceNotFoundException: (error) => {
        throw new CliError(
          `there is no schedule ${name} in group ${group}; "schedules list" shows them`,
          undefined,
          {
            cause: error,
          },
        );
      },
    },
  );
}

async function listSchedules(aws: AwsSession, group: string): Promise<GetScheduleCommandOutput[]> {
  const summaries: ScheduleSummary[] = [];
  let nextToken: string | undefined;
  do {
    const res = await awsCall({ action: 'scheduler:ListSchedules', target: `schedule group ${group}` }, () =>
      aws.scheduler.send(
        new ListSchedulesCommand({
          GroupName: group,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      ),
    );
    summaries.push(...(res.Schedules ?? []));
    nextToken = res.NextToken;
  } while (nextToken !== undefined);

  // ListSchedules has no expression or time zone: ask for each schedule.
  const names = summaries.flatMap((s) => (s.Name ? [s.Name] : [])).sort();
  const schedules: GetScheduleCommandOutput[] = [];
  for (let i = 0; i < names.length; i += GET_CONCURRENCY) {
    const batch = names.slice(i, i + GET_CONCURRENCY);
    schedules.push(...(await Promise.all(batch.map((name) => getSchedule(aws, group, name)))));
  }
  return schedules;
}

function listing(schedule: GetScheduleCommandOutput, now: Date): ScheduleListing {
  const enabled = schedule.State === 'ENABLED';
  const next =
    enabled && schedule.ScheduleExpression
      ? nextRun(
          {
            expression: schedule.ScheduleExpression,
            ...(schedule.ScheduleExpressionTimezone ? { timezone: schedule.ScheduleExpressionTimezone } : {}),
            ...(schedule.StartDate ? { startDate: schedule.StartDate } : {}),
            ...(schedule.EndDate ? { endDate: schedule.EndDate } : {}),
          },
          now,
        )
      : undefined;
  return {
    name: schedule.Name ?? '',
    state: schedule.State ?? 'UNKNOWN',
    expression: schedule.ScheduleExpression ?? null,
    timezone: schedule.ScheduleExpressionTimezone ?? 'UTC',
    nextRun: next?.toISOString() ?? null,
    description: schedule.Description ?? null,
  };
}

function nextRunCell(s: ScheduleListing): string {
  if (s.state !== 'ENABLED') return 'paused';
  if (s.nextRun === null) return '-';
  return formatUtc(new Date(s.nextRun));
}

/**
 * Adds `schedules list|pause|resume`: the EventBridge Scheduler schedules that start runs, and
 * switching one off and on again without changing anything else about it.
 */
export function registerSchedulesCommand(parent: Command, io: CliIo): void {
  const schedules = parent
    .command('schedules')
    .description('the EventBridge Scheduler schedules that start runs: list, pause, resume');

  const list = schedules
    .command('list')
    .description('every schedule of the group: name, state, expression, time zone, next run (UTC)')
    .option('--json', 'print a JSON array instead of a table');
  addDeploymentOptions(list, ['scheduleGroup']);
  addAwsOptions(list).action(async (options: SchedulesOptions) => {
    await withAwsSession(options, async (aws) => {
      const { scheduleGroup } = await resolveDeployment(aws, options, ['scheduleGroup']);
      const now = new Date();
      const found = (await listSchedules(aws, scheduleGroup)).map((s) => listing(s, now));
      if (options.json) {
        io.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        return;
      }
      if (found.length === 0) {
        io.stdout.write(`No schedules in group ${scheduleGroup}.\n`);
        return;
      }
      io.stdout.write(
        formatTable(
          [
            { header: 'name' },
            { header: 'state' },
            { header: 'expression' },
            { header: 'timezone' },
            { header: 'next run' },
          ],
          found.map((s) => [s.name, s.state, s.expression ?? '-', s.timezone, nextRunCell(s)]),
        ),
      );
    });
  });

  for (const [verb, state, help] of [
    ['pause', 'DISABLED', 'stop a schedule from starting runs (everything else about it is kept)'],
    ['resume', 'ENABLED', 'let a paused schedule start runs again'],
  ] as const) {
    const command = schedules
      .command(verb)
      .description(help)
      .argument('<name>', 'the schedule, as `schedules list` shows it');
    addDeploymentOptions(command, ['scheduleGroup']);
    addAwsOptions(command).action(async (name: string, options: SchedulesOptions) => {
      await withAwsSession(options, async (aws) => {
        const { scheduleGroup } = await resolveDeployment(aws, options, ['scheduleGroup']);
        const current = await getSchedule(aws, scheduleGroup, name);
        if (current.State === state) {
          io.stdout.write(
            `Schedule ${name} is already ${state === 'DISABLED' ? 'paused' : 'running'} (${state}); nothing changed.\n`,
          );
          return;
        }
        await awsCall(
          {
            action: `scheduler:UpdateSchedule (with iam:PassRole on the schedule's role ${current.Target?.RoleArn ?? ''})`,
            target: `schedule ${scheduleGroup}/${name}`,
          },
          () => aws.scheduler.send(new UpdateScheduleCommand(updateKeepingEverythingElse(current, state))),
        );
        const updated = listing({ ...current, State: state }, new Date());
        io.stdout.write(
          state === 'DISABLED'
            ? `Paused schedule ${name} (${scheduleGroup}): it starts no runs until "schedules resume ${name}".\n`
            : `Resumed schedule ${name} (${scheduleGroup}): next run ${nextRunCell(updated)}.\n`,
        );
      });
    });
  }
}
