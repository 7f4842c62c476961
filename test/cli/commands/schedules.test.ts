import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli, DEPLOYED } from '../support/deployment-fixture';

const scheduler = mockClient(SchedulerClient);
const GROUP = ['--schedule-group', DEPLOYED.scheduleGroup];

/** A schedule as the construct deploys it: every field UpdateSchedule would otherwise reset. */
function deployedSchedule(
  name: string,
  expression: string,
  timezone: string,
  state: 'ENABLED' | 'DISABLED' = 'ENABLED',
): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Arn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${DEPLOYED.scheduleGroup}/${name}`,
    Name: name,
    GroupName: DEPLOYED.scheduleGroup,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timezone,
    Description: `${name}: full run of every collection`,
    State: state,
    StartDate: new Date('2026-01-01T00:00:00Z'),
    EndDate: new Date('2030-01-01T00:00:00Z'),
    KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222',
    ActionAfterCompletion: 'NONE',
    CreationDate: new Date('2026-10-01T00:00:00Z'),
    LastModificationDate: new Date('2026-10-02T00:00:00Z'),
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: DEPLOYED.stateMachineArn,
      RoleArn: 'arn:aws:iam::123456789012:role/SchedulerRole',
      Input: `{"schedule":"${name}","scheduledTime":"<aws.scheduler.scheduled-time>"}`,
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:schedules-dlq' },
    },
  };
}

const NIGHTLY = deployedSchedule('nightly', 'cron(0 3 * * ? *)', 'Europe/Paris');
const HOURLY = deployedSchedule('hourly', 'cron(15 * * * ? *)', 'UTC');
const WEEKLY = deployedSchedule('weekly', 'cron(0 6 ? * SUN *)', 'America/New_York', 'DISABLED');

function serve(...schedules: GetScheduleCommandOutput[]): void {
  for (const s of schedules) scheduler.on(GetScheduleCommand, { Name: s.Name }).resolves(s);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] }).setSystemTime(new Date('2026-11-21T01:00:00Z'));
});

afterEach(() => {
  scheduler.reset();
  vi.useRealTimers();
});

describe('schedules list', () => {
  it('lists every schedule of the group, paged, with state, expression, zone and next run in UTC', async () => {
    // Prepare
    scheduler
      .on(ListSchedulesCommand)
      .resolvesOnce({ Schedules: [{ Name: 'weekly' }, { Name: 'nightly' }], NextToken: 'page-2' })
      .resolvesOnce({ Schedules: [{ Name: 'hourly' }] });
    serve(NIGHTLY, HOURLY, WEEKLY);

    // Act
    const run = await cli('schedules', 'list', ...GROUP);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'NAME     STATE     EXPRESSION           TIMEZONE          NEXT RUN',
        'hourly   ENABLED   cron(15 * * * ? *)   UTC               2026-11-21 01:15:00Z',
        'nightly  ENABLED   cron(0 3 * * ? *)    Europe/Paris      2026-11-21 02:00:00Z',
        'weekly   DISABLED  cron(0 6 ? * SUN *)  America/New_York  paused',
        '',
      ].join('\n'),
    );
    expect(scheduler.commandCalls(ListSchedulesCommand).map((c) => c.args[0].input)).toEqual([
      { GroupName: DEPLOYED.scheduleGroup },
      { GroupName: DEPLOYED.scheduleGroup, NextToken: 'page-2' },
    ]);
    expect(scheduler.commandCalls(GetScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: 'hourly', GroupName: DEPLOYED.scheduleGroup },
      { Name: 'nightly', GroupName: DEPLOYED.scheduleGroup },
      { Name: 'weekly', GroupName: DEPLOYED.scheduleGroup },
    ]);
  });

  it('prints JSON with the description and a null next run for a paused schedule', async () => {
    // Prepare
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'nightly' }, { Name: 'weekly' }] });
    serve(NIGHTLY, WEEKLY);

    // Act
    const run = await cli('schedules', 'list', ...GROUP, '--json');

    // Assess
    expect(JSON.parse(run.stdout)).toEqual([
      {
        name: 'nightly',
        state: 'ENABLED',
        expression: 'cron(0 3 * * ? *)',
        timezone: 'Europe/Paris',
        nextRun: '2026-11-21T02:00:00.000Z',
        description: 'nightly: full run of every collection',
      },
      {
        name: 'weekly',
        state: 'DISABLED',
        expression: 'cron(0 6 ? * SUN *)',
        timezone: 'America/New_York',
        nextRun: null,
        description: 'weekly: full run of every collection',
      },
    ]);
  });
});

describe('schedules pause and resume', () => {
  it('pause sends back every field of the schedule, with only the state changed', async () => {
    // Prepare
    serve(NIGHTLY);
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: NIGHTLY.Arn });

    // Act
    const run = await cli('schedules', 'pause', 'nightly', ...GROUP);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Paused schedule nightly (${DEPLOYED.scheduleGroup}): it starts no runs until "schedules resume nightly".\n`,
    );
    const sent = scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input;
    expect(sent).toEqual({
      Name: 'nightly',
      GroupName: DEPLOYED.scheduleGroup,
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Description: 'nightly: full run of every collection',
      State: 'DISABLED',
      StartDate: new Date('2026-01-01T00:00:00Z'),
      EndDate: new Date('2030-01-01T00:00:00Z'),
      KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222',
      ActionAfterCompletion: 'NONE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: NIGHTLY.Target,
    });
    // The target is the one most often lost: its input, role, retry policy and dead-letter queue.
    expect(sent?.Target).toEqual({
      Arn: DEPLOYED.stateMachineArn,
      RoleArn: 'arn:aws:iam::123456789012:role/SchedulerRole',
      Input: '{"schedule":"nightly","scheduledTime":"<aws.scheduler.scheduled-time>"}',
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:schedules-dlq' },
    });
    // Read-only fields are not sent back.
    expect(sent).not.toHaveProperty('Arn');
    expect(sent).not.toHaveProperty('CreationDate');
  });

  it('resume enables a paused schedule, keeps everything else, and says when it runs next', async () => {
    // Prepare
    serve(WEEKLY);
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: WEEKLY.Arn });

    // Act
    const run = await cli('schedules', 'resume', 'weekly', ...GROUP);

    // Assess
    expect(run.code).toBe(0);
    // Sunday 2026-11-22 06:00 in New York is 11:00 UTC.
    expect(run.stdout).toBe(
      `Resumed schedule weekly (${DEPLOYED.scheduleGroup}): next run 2026-11-22 11:00:00Z.\n`,
    );
    const { $metadata, Arn, CreationDate, LastModificationDate, ...fields } = WEEKLY;
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input).toEqual({
      ...fields,
      State: 'ENABLED',
    });
  });

  it('changes nothing when the schedule is already in that state', async () => {
    // Prepare
    serve(WEEKLY);

    // Act
    const run = await cli('schedules', 'pause', 'weekly', ...GROUP);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Schedule weekly is already paused (DISABLED); nothing changed.\n');
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('refuses an unknown schedule with exit code 2', async () => {
    // Prepare
    scheduler
      .on(GetScheduleCommand)
      .rejects(
        Object.assign(new Error('Schedule nigthly does not exist.'), { name: 'ResourceNotFoundException' }),
      );

    // Act
    const run = await cli('schedules', 'pause', 'nigthly', ...GROUP);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: there is no schedule nigthly in group ${DEPLOYED.scheduleGroup}; "schedules list" shows them\n`,
    );
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('does not update a schedule whose target it could not read', async () => {
    // Prepare
    const { Target, ...withoutTarget } = NIGHTLY;
    serve(withoutTarget);

    // Act
    const run = await cli('schedules', 'pause', 'nightly', ...GROUP);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not updating it, so that nothing is lost');
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('says that pausing also needs iam:PassRole on the schedule role when AWS denies the update', async () => {
    // Prepare
    serve(NIGHTLY);
    scheduler.on(UpdateScheduleCommand).rejects(
      Object.assign(new Error('not authorized to perform: iam:PassRole'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    const run = await cli('schedules', 'pause', 'nightly', ...GROUP);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "AWS denied scheduler:UpdateSchedule (with iam:PassRole on the schedule's role arn:aws:iam::123456789012:role/SchedulerRole)",
    );
  });
});
