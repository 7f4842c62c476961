/**
 * The names the functions' metrics are published under: the namespace, the dimension every metric
 * carries, and the per-collection metrics of each step. A leaf module (no Powertools, no AWS SDK),
 * so the construct reads the same names the functions emit without loading the Lambda runtime's
 * libraries at synth.
 */

/** The namespace of every metric this project emits. */
export const METRICS_NAMESPACE = 'MilvusSnapshotScheduler';

/**
 * The dimension every metric carries besides `service`: the deployment (`DEPLOYMENT_ID`). One
 * namespace for all deployments, one dimension value each: the alarms and the dashboard of a stack
 * read only its own metrics, and a SEARCH across deployments still finds them all.
 */
export const DEPLOYMENT_DIMENSION = 'Deployment';

/**
 * Every metric a step emits about one collection, by step. `emitCollectionMetrics` accepts
 * only these names from each step, so this table is what the functions emit: the construct gives
 * `PER_COLLECTION_METRICS` to exactly these steps, and the README's metric cost counts them.
 */
export const COLLECTION_METRICS = {
  CheckFlush: ['FlushWait'],
  CreateSnapshot: ['SnapshotsCreated'],
  EnforceRetention: ['SnapshotsDropped', 'RetentionSkipped'],
  RecordDrill: [
    'DrillsRun',
    'DrillsVerified',
    'DrillsFailed',
    'DrillPolls',
    'DrillRestoreTime',
    'DrillWallTime',
  ],
} as const;

/** A step that emits metrics about a collection. */
export type CollectionMetricStep = keyof typeof COLLECTION_METRICS;

/** The name of a metric a step emits about a collection. */
export type CollectionMetricName<S extends CollectionMetricStep> = (typeof COLLECTION_METRICS)[S][number];

/** Whether a step (by name) emits metrics about a collection. */
export function emitsCollectionMetrics(step: string): step is CollectionMetricStep {
  return Object.hasOwn(COLLECTION_METRICS, step);
}
