import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { StepTools } from './step-handler';

/** Metric units used by the steps. */
export { MetricUnit };

/** One of Powertools' metric units. */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Emits one metric for a collection. With `PER_COLLECTION_METRICS=true` (the default) it carries a
 * `Collection` dimension (`database.collection`); deployments with thousands of collections can
 * turn that off to keep the number of custom metrics (and their cost) flat.
 */
export function collectionMetric(
  tools: StepTools,
  target: { readonly database: string; readonly collection: string },
  name: string,
  unit: Unit,
  value: number,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env.PER_COLLECTION_METRICS === 'false') {
    tools.metrics.addMetric(name, unit, value);
    return;
  }
  const single = tools.metrics.singleMetric();
  single.addDimension('Collection', `${target.database}.${target.collection}`);
  single.addMetric(name, unit, value);
}
