/**
 * The metric the freshness check publishes and the construct's freshness alarms watch: hours since
 * a schedule's newest successful, non-dry run. Dimensions: `service` (`CheckFreshness`),
 * `Deployment` and `Schedule` ({@link SCHEDULE_DIMENSION}, as on BuildReport's `SuccessfulRuns`).
 * Kept apart from the check itself, so the construct reads the names without loading the S3 client.
 */
export const HOURS_SINCE_LAST_SUCCESS = 'HoursSinceLastSuccess';

export { SCHEDULE_DIMENSION } from '../build-report/run-metrics';
