import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { COLLECTION_METRICS, type CollectionMetricName, type CollectionMetricStep } from './metric-names';
import type { StepEnvironment } from './step-environment';

export {
  COLLECTION_METRICS,
  type CollectionMetricName,
  type CollectionMetricStep,
  emitsCollectionMetrics,
} from './metric-names';

/** Metric units used by the steps. */
export { MetricUnit };

/** One of Powertools' metric units. */
export type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One value a step reports about a collection. */
export interface CollectionMetric<N extends string = string> {
  readonly name: N;
  readonly unit: Unit;
  readonly value: number;
}

/** The part of Powertools' `Metrics` this module uses. */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'addMetadata' | 'singleMetric'>;

/**
 * Emits a step's metrics about one collection, the same way for every step so one dashboard
 * reads them all: dimensions `service` (the step, added by Powertools), `Deployment` (a default
 * dimension, see step-handler.ts) and `Collection` (`database.collection`).
 *
 * With `perCollection` false there is no `Collection` dimension and the collection goes into the
 * EMF metadata instead (still searchable in CloudWatch Logs Insights): deployments with thousands
 * of collections keep the number of custom metrics, and their cost, flat.
 */
export function emitCollectionMetrics<S extends CollectionMetricStep>(
  metrics: MetricsSink,
  step: S,
  target: { readonly database: string; readonly collection: string },
  values: readonly CollectionMetric<CollectionMetricName<S>>[],
  perCollection: boolean,
): void {
  const known: readonly string[] = COLLECTION_METRICS[step];
  for (const { name } of values) {
    // The types forbid it; this keeps a cast from slipping an uncounted metric past the README.
    if (!known.includes(name))
      throw new Error(`${step} emits ${name}, which COLLECTION_METRICS does not list`);
  }
  const key = `${target.database}.${target.collection}`;
  for (const { name, unit, value } of values) {
    if (perCollection) {
      const single = metrics.singleMetric();
      single.addDimension('Collection', key);
      single.addMetric(name, unit, value);
    } else {
      metrics.addMetadata('collection', key);
      metrics.addMetric(name, unit, value);
    }
  }
}

/** Whether the function's environment asks for a `Collection` dimension (the default). */
export function perCollectionMetrics(env: Pick<StepEnvironment, 'PER_COLLECTION_METRICS'>): boolean {
  return env.PER_COLLECTION_METRICS !== 'false';
}
