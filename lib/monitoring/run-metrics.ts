import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RUN_METRICS_SERVICE, RunMetric, SCHEDULE_DIMENSION } from '../../functions/build-report/run-metrics';
import { HOURS_SINCE_LAST_SUCCESS } from '../../functions/check-freshness/freshness-metric';
import { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE } from '../../functions/shared/lambda/metric-names';
import { FRESHNESS_CHECK, FRESHNESS_CHECK_MINUTES } from '../step-catalog';

/** The default period of every metric, as CloudWatch metrics of AWS services have it in the CDK. */
const DEFAULT_PERIOD = Duration.minutes(5);

/** A run-level metric BuildReport emits (all counts). */
export type RunCountMetric = Exclude<(typeof RunMetric)[keyof typeof RunMetric], 'SuccessfulRuns'>;

/**
 * Every metric of one deployment, defined once: the construct's `metric…` methods return these, and
 * its alarms and dashboard are built from the same methods, so a metric a user alarms on is the one
 * the project's own alarms read (namespace, name, `service` and `Deployment` dimensions).
 */
export class RunMetrics {
  public constructor(
    private readonly stateMachine: sfn.IStateMachine,
    private readonly deploymentId: string,
    private readonly scheduleNames: readonly string[],
  ) {}

  /** Runs started (the state machine's `ExecutionsStarted`), Sum over 5 minutes by default. */
  public runsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricStarted(props);
  }

  /** Runs that succeeded (`ExecutionsSucceeded`), Sum over 5 minutes by default. */
  public runsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** Runs that failed (`ExecutionsFailed`), Sum over 5 minutes by default. */
  public runsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Runs stopped by the run timeout (`ExecutionsTimedOut`), Sum over 5 minutes by default. */
  public runsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut(props);
  }

  /** Runs stopped by hand (`ExecutionsAborted`), Sum over 5 minutes by default. */
  public runsAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricAborted(props);
  }

  /** How long runs take (`ExecutionTime`, milliseconds), Average over 5 minutes by default. */
  public runTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }

  /** A count BuildReport emits once per run (`service` = `BuildReport`), Sum over 5 minutes by default. */
  public runCount(metricName: RunCountMetric, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // A JavaScript caller may pass any string; SuccessfulRuns needs its schedule (successfulRuns).
    const name: string = metricName;
    if (!Object.hasOwn(RunMetric, name) || name === RunMetric.SuccessfulRuns) {
      throw new Error(
        `metricName must be one of ${Object.values(RunMetric)
          .filter((name) => name !== RunMetric.SuccessfulRuns)
          .join(', ')}, got ${JSON.stringify(metricName)}`,
      );
    }
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: RUN_METRICS_SERVICE, [DEPLOYMENT_DIMENSION]: this.deploymentId },
      statistic: cloudwatch.Stats.SUM,
      period: DEFAULT_PERIOD,
      ...props,
    });
  }

  /**
   * Hours since the newest successful, non-dry run of one schedule, as the freshness check publishes
   * them every 15 minutes: Maximum over 15 minutes by default.
   */
  public hoursSinceLastSuccess(schedule: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: HOURS_SINCE_LAST_SUCCESS,
      dimensionsMap: {
        service: FRESHNESS_CHECK.state,
        [DEPLOYMENT_DIMENSION]: this.deploymentId,
        [SCHEDULE_DIMENSION]: this.knownSchedule(schedule),
      },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(FRESHNESS_CHECK_MINUTES),
      ...props,
    });
  }

  /** Successful, non-dry runs of one schedule, as BuildReport counts them: Sum over 5 minutes by default. */
  public successfulRuns(schedule: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: RunMetric.SuccessfulRuns,
      dimensionsMap: {
        service: RUN_METRICS_SERVICE,
        [DEPLOYMENT_DIMENSION]: this.deploymentId,
        [SCHEDULE_DIMENSION]: this.knownSchedule(schedule),
      },
      statistic: cloudwatch.Stats.SUM,
      period: DEFAULT_PERIOD,
      ...props,
    });
  }

  /** A metric of a schedule that is not configured would graph and alarm on nothing, forever. */
  private knownSchedule(schedule: string): string {
    if (!this.scheduleNames.includes(schedule)) {
      throw new Error(
        `schedule must be one of the configured schedules (${this.scheduleNames.join(', ') || 'none'}), got ${JSON.stringify(schedule)}`,
      );
    }
    return schedule;
  }
}
