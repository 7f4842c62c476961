import type { RunReport } from '../shared/contracts/run-report';

/**
 * The run-level metrics BuildReport emits (namespace `MilvusSnapshotScheduler`, dimension
 * `service` = `BuildReport`). The construct's dashboard and freshness alarms read these names, so
 * they are defined once, here.
 */
export const RUN_METRICS_SERVICE = 'BuildReport';

/** Metric names, all in the unit Count. */
export const RunMetric = {
  CollectionsSucceeded: 'CollectionsSucceeded',
  CollectionsFailed: 'CollectionsFailed',
  CollectionsSkipped: 'CollectionsSkipped',
  SnapshotsCreated: 'SnapshotsCreated',
  SnapshotsDropped: 'SnapshotsDropped',
  DrillsVerified: 'DrillsVerified',
  DrillsFailed: 'DrillsFailed',
  /**
   * Collections of the databases a run looked at that no entry and no selector covers (the
   * report's `coverage.counts.unprotected`), per deployment; emitted by every run that has a coverage.
   */
  UnprotectedCollections: 'UnprotectedCollections',
  /** 1 per successful, non-dry run of a schedule, with the {@link SCHEDULE_DIMENSION} dimension. */
  SuccessfulRuns: 'SuccessfulRuns',
} as const;

/** The dimension that carries the schedule's name on {@link RunMetric.SuccessfulRuns}. */
export const SCHEDULE_DIMENSION = 'Schedule';

/** One metric value to emit. */
export interface RunMetricValue {
  readonly name: (typeof RunMetric)[keyof typeof RunMetric];
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * The metrics of a finished run. A run counts towards its schedule's freshness only when it
 * succeeded and changed something (not a dry run): that is what "a recent backup exists" means.
 */
export function runMetrics(report: RunReport): RunMetricValue[] {
  const { summary } = report;
  const values: RunMetricValue[] = [
    { name: RunMetric.CollectionsSucceeded, value: summary.succeeded },
    { name: RunMetric.CollectionsFailed, value: summary.failed },
    { name: RunMetric.CollectionsSkipped, value: summary.skipped },
    { name: RunMetric.SnapshotsCreated, value: summary.snapshotsCreated },
    { name: RunMetric.SnapshotsDropped, value: summary.snapshotsDropped },
    { name: RunMetric.DrillsVerified, value: summary.drillsVerified },
    { name: RunMetric.DrillsFailed, value: summary.drillsFailed },
  ];
  if (report.coverage && report.coverage.unresolved === undefined) {
    values.push({ name: RunMetric.UnprotectedCollections, value: report.coverage.counts.unprotected });
  }
  if (report.status === 'SUCCEEDED' && !report.dryRun && report.schedule !== undefined) {
    values.push({
      name: RunMetric.SuccessfulRuns,
      value: 1,
      dimensions: { [SCHEDULE_DIMENSION]: report.schedule },
    });
  }
  return values;
}
