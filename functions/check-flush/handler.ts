import { emitCollectionMetrics, MetricUnit, perCollectionMetrics } from '../shared/lambda/collection-metrics';
import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { checkFlush, checkFlushInputSchema } from './check-flush';

/** CheckFlush step: one flush-state check; the state machine loops with a Wait. */
export const handler = createStepHandler({
  step: 'CheckFlush',
  input: checkFlushInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, deps, { tools, env }) => {
    const state = await checkFlush(input, deps);
    if (state.flushed) {
      const wait = { name: 'FlushWait' as const, unit: MetricUnit.Seconds, value: state.waitedSeconds };
      emitCollectionMetrics(tools.metrics, 'CheckFlush', input.target, [wait], perCollectionMetrics(env));
    }
    return state;
  },
  onError: invalidateMilvusOnError,
});
