import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RunMetric } from '../../functions/build-report/run-metrics';
import type { RuntimeConfig } from '../../functions/shared/contracts/runtime-config';
import { scheduleFreshness } from '../config/deployment-config';
import type { RunMetrics } from './run-metrics';

/** Properties of {@link RunMonitoring}. */
export interface RunMonitoringProps {
  /** The deployment's metrics (the construct's `metric…` methods): the alarms and the dashboard read these. */
  readonly metrics: RunMetrics;
  /** Where alarms go. */
  readonly alarmTopic: sns.ITopic;
  /** The schedules' dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The configured schedules: one freshness alarm each. */
  readonly schedules: RuntimeConfig['schedules'];
  /** The workflow's functions, for the dashboard's error graph. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The function that publishes each schedule's freshness, when there is a schedule to watch. */
  readonly freshnessCheck?: lambda.IFunction;
  /**
   * Raise an alarm when a run reports collections that nothing covers (its `UnprotectedCollections`
   * metric is above 0). From the configuration's `coverage.alarm`.
   * @default false
   */
  readonly unprotectedCollectionsAlarm?: boolean;
}

/**
 * Alarms that say something is wrong — a run failed, timed out or was aborted; a schedule could
 * not start a run; a schedule has had no successful run for longer than its interval plus a margin
 * (as the freshness check measures it); the freshness check failed — and a dashboard of runs,
 * durations, snapshots, drills and freshness.
 */
export class RunMonitoring extends Construct {
  /** A run failed (at least one in 5 minutes). */
  public readonly executionsFailed: cloudwatch.Alarm;
  /** A run hit the run timeout. */
  public readonly executionsTimedOut: cloudwatch.Alarm;
  /** A run was stopped before it finished. */
  public readonly executionsAborted: cloudwatch.Alarm;
  /** EventBridge Scheduler could not start a run (a message in the schedules' dead-letter queue). */
  public readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  /** Freshness alarms, by schedule name (every enabled schedule with a regular interval). */
  public readonly freshness: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Fires when the freshness check itself fails. */
  public readonly freshnessCheckFailed?: cloudwatch.Alarm;
  /** Fires when a run finds collections nothing covers (only with `unprotectedCollectionsAlarm`). */
  public readonly unprotectedCollections?: cloudwatch.Alarm;
  /** Runs, durations, snapshots, drills, freshness, alarms and step errors of this deployment. */
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RunMonitoringProps) {
    super(scope, id);
    const { metrics } = props;
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
      metrics.runsFailed(fiveMinutes),
      'A Milvus snapshot run failed: a collection failed (see the run report), or the run itself broke.',
    );
    this.executionsTimedOut = whenAny(
      'ExecutionsTimedOut',
      metrics.runsTimedOut(fiveMinutes),
      'A Milvus snapshot run hit the state machine timeout (runTimeoutMinutes) and was stopped.',
    );
    this.executionsAborted = whenAny(
      'ExecutionsAborted',
      metrics.runsAborted(fiveMinutes),
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
        metric: metrics.hoursSinceLastSuccess(name),
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

    // The newest run's count: the alarm clears as soon as a run finds everything covered. Runs are
    // hours apart, so the window is a day and no data in between keeps the state as it was.
    this.unprotectedCollections = props.unprotectedCollectionsAlarm
      ? new cloudwatch.Alarm(this, 'UnprotectedCollections', {
          // RunMetrics' own definition, as the dashboard's and the metric… methods'. No label: a
          // labelled metric renders as a metric query, not a plain metric alarm.
          metric: metrics.runCount(RunMetric.UnprotectedCollections, {
            period: Duration.days(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
          alarmDescription:
            'A run found collections that no entry of collections and no selector covers: they have no backup. The run report lists them under coverage.unprotected; add them to collections or a selector, or exclude them.',
        })
      : undefined;
    this.unprotectedCollections?.addAlarmAction(action);

    this.dashboard = this.buildDashboard(props, [
      ...(this.unprotectedCollections ? [this.unprotectedCollections] : []),
      this.executionsFailed,
      this.executionsTimedOut,
      this.executionsAborted,
      this.deadLetterQueueNotEmpty,
      ...(this.freshnessCheckFailed ? [this.freshnessCheckFailed] : []),
      ...Object.values(freshness),
    ]);
  }

  private buildDashboard(props: RunMonitoringProps, alarms: cloudwatch.IAlarm[]): cloudwatch.Dashboard {
    const { metrics } = props;
    const hourly = { period: Duration.hours(1), statistic: cloudwatch.Stats.SUM };
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs',
        width: 12,
        left: [
          metrics.runsStarted({ ...hourly, label: 'started' }),
          metrics.runsSucceeded({ ...hourly, label: 'succeeded' }),
          metrics.runsFailed({ ...hourly, label: 'failed' }),
          metrics.runsTimedOut({ ...hourly, label: 'timed out' }),
          metrics.runsAborted({ ...hourly, label: 'aborted' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Run duration',
        width: 12,
        left: [
          metrics.runTime({
            period: Duration.hours(1),
            statistic: cloudwatch.Stats.AVERAGE,
            label: 'average',
          }),
          metrics.runTime({
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
          metrics.runCount(RunMetric.SnapshotsCreated, { ...hourly, label: 'created' }),
          metrics.runCount(RunMetric.SnapshotsDropped, { ...hourly, label: 'dropped' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Restore drills',
        width: 8,
        left: [
          metrics.runCount(RunMetric.DrillsVerified, { ...hourly, label: 'verified' }),
          metrics.runCount(RunMetric.DrillsFailed, { ...hourly, label: 'failed' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Collections per run',
        width: 8,
        left: [
          metrics.runCount(RunMetric.CollectionsSucceeded, { ...hourly, label: 'succeeded' }),
          metrics.runCount(RunMetric.CollectionsFailed, { ...hourly, label: 'failed' }),
          metrics.runCount(RunMetric.CollectionsSkipped, { ...hourly, label: 'skipped' }),
        ],
      }),
    );
    const watched = Object.keys(this.freshness);
    if (watched.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Hours since the last successful run',
          width: 12,
          left: watched.map((name) => metrics.hoursSinceLastSuccess(name, { label: name })),
        }),
        new cloudwatch.GraphWidget({
          title: 'Successful runs per schedule',
          width: 12,
          left: watched.map((name) => metrics.successfulRuns(name, { ...hourly, label: name })),
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
