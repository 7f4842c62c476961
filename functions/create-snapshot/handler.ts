import { collectionMetric, MetricUnit } from '../shared/lambda/collection-metrics';
import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { createSnapshot, createSnapshotInputSchema } from './create-snapshot';

/** CreateSnapshot step: the run's dated snapshot of one collection. */
export const handler = createStepHandler({
  step: 'CreateSnapshot',
  input: createSnapshotInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, deps, tools) => {
    const result = await createSnapshot(input, deps);
    if (!result.alreadyExisted)
      collectionMetric(tools, input.target, 'SnapshotsCreated', MetricUnit.Count, 1);
    tools.logger.info('snapshot ready', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
