import { Duration, RemovalPolicy, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RuntimeConfig, ScheduleConfig } from '../../functions/shared/contracts/runtime-config';

/** Properties of {@link RunSchedules}. */
export interface RunSchedulesProps {
  /** The state machine each schedule starts. */
  readonly stateMachine: sfn.IStateMachine;
  /** The configured schedules, by name. */
  readonly schedules: RuntimeConfig['schedules'];
  /** Encrypts the dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** Attempts to start a run before the event goes to the dead-letter queue. */
  readonly retryAttempts: number;
  /** How long Scheduler keeps trying to start a run. */
  readonly maxEventAge: Duration;
}

/**
 * One EventBridge Scheduler schedule per configured schedule, in a schedule group of their own:
 * cron in the schedule's IANA time zone, no flexible window (a slot is a time), a bounded retry
 * policy, and an encrypted dead-letter queue for runs that could not be started. Each run's input
 * carries the schedule's name and the slot's time, so a retried slot gets the same snapshot names.
 */
export class RunSchedules extends Construct {
  /** Holds every schedule of this workflow (the CLI lists, pauses and resumes them there). */
  public readonly group: scheduler.ScheduleGroup;
  /** The schedules, by configured name. */
  public readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** Where Scheduler puts a run it could not start. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The role Scheduler assumes to start runs. */
  public readonly role: iam.Role;

  public constructor(scope: Construct, id: string, props: RunSchedulesProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      // Long enough to be looked at after a holiday.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'this queue is itself the dead-letter queue of the schedules' },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'this queue is itself the dead-letter queue of the schedules',
      },
    );

    this.role = new iam.Role(this, 'Role', {
      description: 'EventBridge Scheduler starts runs of the Milvus snapshot workflow',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Scheduler names the schedule group as the source: only our group may use this role.
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.group.env.account,
            'aws:SourceArn': this.group.scheduleGroupArn,
          },
        },
      }),
    });
    // The queue is KMS-encrypted: sending to it needs the key.
    props.encryptionKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');

    const schedules: Record<string, scheduler.Schedule> = {};
    for (const [name, config] of Object.entries(props.schedules)) {
      schedules[name] = new scheduler.Schedule(this, `Schedule-${name}`, {
        scheduleName: name,
        scheduleGroup: this.group,
        description: describeSchedule(name, config),
        schedule: scheduler.ScheduleExpression.expression(config.cron.trim(), TimeZone.of(config.timezone)),
        timeWindow: scheduler.TimeWindow.off(),
        enabled: config.enabled,
        target: new targets.StepFunctionsStartExecution(props.stateMachine, {
          role: this.role,
          input: scheduler.ScheduleTargetInput.fromObject({
            schedule: name,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts,
          maxEventAge: props.maxEventAge,
        }),
      });
    }
    this.schedules = schedules;
  }
}

/** The schedule's description in the console: the configured one, or what it does. */
export function describeSchedule(name: string, config: ScheduleConfig): string {
  if (config.description) return config.description;
  const which = config.collections ? `${config.collections.length} collection(s)` : 'every collection';
  return `${name}: ${config.mode} run of ${which}, ${config.cron} ${config.timezone}`.slice(0, 512);
}
