import { emitCollectionMetrics, MetricUnit, perCollectionMetrics } from '../shared/lambda/collection-metrics';
import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { createSnapshot, createSnapshotInputSchema } from './create-snapshot';

/** CreateSnapshot step: the run's dated snapshot of one collection. */
export const handler = createStepHandler({
  step: 'CreateSnapshot',
  input: createSnapshotInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, deps, { tools, env }) => {
    const result = await createSnapshot(input, deps);
    const created = {
      name: 'SnapshotsCreated' as const,
      unit: MetricUnit.Count,
      value: result.alreadyExisted ? 0 : 1,
    };
    emitCollectionMetrics(
      tools.metrics,
      'CreateSnapshot',
      input.target,
      [created],
      perCollectionMetrics(env),
    );
    tools.logger.info('snapshot ready', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
