import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RUN_METRICS_SERVICE, RunMetric, SCHEDULE_DIMENSION } from '../../functions/build-report/run-metrics';
import { HOURS_SINCE_LAST_SUCCESS } from '../../functions/check-freshness/freshness-metric';
import type { RuntimeConfig } from '../../functions/shared/contracts/runtime-config';
import { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE } from '../../functions/shared/lambda/metric-names';
import { scheduleFreshness } from '../config/deployment-config';
import { FRESHNESS_CHECK, FRESHNESS_CHECK_MINUTES } from '../step-catalog';

/** Properties of {@link RunMonitoring}. */
export interface RunMonitoringProps {
  readonly stateMachine: sfn.StateMachine;
  /** Where alarms go. */
  readonly alarmTopic: sns.ITopic;
  /** The schedules' dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The configured schedules: one freshness alarm each. */
  readonly schedules: RuntimeConfig['schedules'];
  /** The workflow's functions, for the dashboard's error graph. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The deployment whose metrics the alarms and the dashboard read (the `Deployment` dimension). */
  readonly deploymentId: string;
  /** The function that publishes each schedule's freshness, when there is a schedule to watch. */
  readonly freshnessCheck?: lambda.IFunction;
}

/**
 * Alarms that say something is wrong — a run failed, timed out or was aborted; a schedule could
 * not start a run; a schedule has had no successful run for longer than its interval plus a margin
 * (as the freshness check measures it); the freshness check failed — and a dashboard of runs,
 * durations, snapshots, drills and freshness.
 */
export class RunMonitoring extends Construct {
  public readonly executionsFailed: cloudwatch.Alarm;
  public readonly executionsTimedOut: cloudwatch.Alarm;
  public readonly executionsAborted: cloudwatch.Alarm;
  public readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  /** Freshness alarms, by schedule name (every enabled schedule with a regular interval). */
  public readonly freshness: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Fires when the freshness check itself fails. */
  public readonly freshnessCheckFailed?: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RunMonitoringProps) {
    super(scope, id);
    const { stateMachine } = props;
    const action = new actions.SnsAction(props.alarmTopic);
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const whenAny = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      return alarm;
    };

    this.executionsFailed = whenAny(
      'ExecutionsFailed',
      stateMachine.metricFailed(fiveMinutes),
      'A Milvus snapshot run failed: a collection failed (see the run report), or the run itself broke.',
    );
    this.executionsTimedOut = whenAny(
      'ExecutionsTimedOut',
      stateMachine.metricTimedOut(fiveMinutes),
      'A Milvus snapshot run hit the state machine timeout (runTimeoutMinutes) and was stopped.',
    );
    this.executionsAborted = whenAny(
      'ExecutionsAborted',
      stateMachine.metricAborted(fiveMinutes),
      'A Milvus snapshot run was stopped before it finished.',
    );
    this.deadLetterQueueNotEmpty = whenAny(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'EventBridge Scheduler could not start a scheduled run; the attempt is in the dead-letter queue.',
    );

    const freshness: Record<string, cloudwatch.Alarm> = {};
    for (const [name, schedule] of props.freshnessCheck ? Object.entries(props.schedules) : []) {
      if (!schedule.enabled) continue;
      const { windowMinutes, reason } = scheduleFreshness(schedule);
      if (windowMinutes === undefined) {
        Annotations.of(this).addWarningV2(
          'milvus-snapshot-scheduler:freshness',
          `schedule '${name}' gets no freshness alarm: ${reason}. Failed runs still raise the failed-executions alarm.`,
        );
        continue;
      }
      // The check publishes the age itself, so any interval works (a CloudWatch alarm looks back
      // at most 7 days; this one needs two check periods). One breaching check of two fires it, so
      // one missed check neither fires nor clears it; no data at all (before the first check) is
      // INSUFFICIENT_DATA, which notifies no one.
      const alarm = new cloudwatch.Alarm(this, `Freshness-${name}`, {
        metric: hoursSinceLastSuccess(props.deploymentId, name),
        threshold: windowMinutes / 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 1,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
        alarmDescription:
          `Schedule '${name}' (${schedule.cron} ${schedule.timezone}) has had no successful run for more than ` +
          `${windowMinutes} minutes: its longest interval plus freshnessMarginMinutes (${schedule.freshnessMarginMinutes}).`,
      });
      alarm.addAlarmAction(action);
      freshness[name] = alarm;
    }
    this.freshness = freshness;
    this.freshnessCheckFailed = props.freshnessCheck
      ? whenAny(
          'FreshnessCheckFailed',
          props.freshnessCheck.metricErrors(fiveMinutes),
          'The freshness check failed: until it runs again, the freshness alarms cannot tell whether the schedules still succeed.',
        )
      : undefined;

    this.dashboard = this.buildDashboard(props, [
      this.executionsFailed,
      this.executionsTimedOut,
      this.executionsAborted,
      this.deadLetterQueueNotEmpty,
      ...(this.freshnessCheckFailed ? [this.freshnessCheckFailed] : []),
      ...Object.values(freshness),
    ]);
  }

  private buildDashboard(props: RunMonitoringProps, alarms: cloudwatch.IAlarm[]): cloudwatch.Dashboard {
    const { stateMachine } = props;
    const hourly = { period: Duration.hours(1), statistic: cloudwatch.Stats.SUM };
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs',
        width: 12,
        left: [
          stateMachine.metricStarted({ ...hourly, label: 'started' }),
          stateMachine.metricSucceeded({ ...hourly, label: 'succeeded' }),
          stateMachine.metricFailed({ ...hourly, label: 'failed' }),
          stateMachine.metricTimedOut({ ...hourly, label: 'timed out' }),
          stateMachine.metricAborted({ ...hourly, label: 'aborted' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Run duration',
        width: 12,
        left: [
          stateMachine.metricTime({
            period: Duration.hours(1),
            statistic: cloudwatch.Stats.AVERAGE,
            label: 'average',
          }),
          stateMachine.metricTime({
            period: Duration.hours(1),
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'longest',
          }),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Snapshots',
        width: 8,
        left: [
          runMetric(props.deploymentId, RunMetric.SnapshotsCreated, 'created'),
          runMetric(props.deploymentId, RunMetric.SnapshotsDropped, 'dropped'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Restore drills',
        width: 8,
        left: [
          runMetric(props.deploymentId, RunMetric.DrillsVerified, 'verified'),
          runMetric(props.deploymentId, RunMetric.DrillsFailed, 'failed'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Collections per run',
        width: 8,
        left: [
          runMetric(props.deploymentId, RunMetric.CollectionsSucceeded, 'succeeded'),
          runMetric(props.deploymentId, RunMetric.CollectionsFailed, 'failed'),
          runMetric(props.deploymentId, RunMetric.CollectionsSkipped, 'skipped'),
        ],
      }),
    );
    const watched = Object.keys(this.freshness);
    if (watched.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Hours since the last successful run',
          width: 12,
          left: watched.map((name) => hoursSinceLastSuccess(props.deploymentId, name).with({ label: name })),
        }),
        new cloudwatch.GraphWidget({
          title: 'Successful runs per schedule',
          width: 12,
          left: watched.map((name) =>
            successfulRuns(props.deploymentId, name, Duration.hours(1)).with({ label: name }),
          ),
        }),
      );
    }
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 12, alarms }),
      new cloudwatch.GraphWidget({
        title: 'Step errors (every failed invocation, retried ones included)',
        width: 12,
        left: Object.entries(props.functions).map(([name, fn]) =>
          fn.metricErrors({ ...hourly, label: name }),
        ),
      }),
    );
    return dashboard;
  }
}

/** A run-level metric BuildReport emits, summed per hour. */
function runMetric(deploymentId: string, name: string, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: RUN_METRICS_SERVICE, [DEPLOYMENT_DIMENSION]: deploymentId },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.hours(1),
    label,
  });
}

/** Hours since the newest successful, non-dry run of one schedule, as the freshness check publishes them. */
export function hoursSinceLastSuccess(deploymentId: string, schedule: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: HOURS_SINCE_LAST_SUCCESS,
    dimensionsMap: {
      service: FRESHNESS_CHECK.state,
      [DEPLOYMENT_DIMENSION]: deploymentId,
      [SCHEDULE_DIMENSION]: schedule,
    },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(FRESHNESS_CHECK_MINUTES),
  });
}

/** Successful, non-dry runs of one schedule, as BuildReport counts them. */
export function successfulRuns(deploymentId: string, schedule: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: RunMetric.SuccessfulRuns,
    dimensionsMap: {
      service: RUN_METRICS_SERVICE,
      [DEPLOYMENT_DIMENSION]: deploymentId,
      [SCHEDULE_DIMENSION]: schedule,
    },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}
