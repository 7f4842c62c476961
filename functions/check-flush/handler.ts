import { collectionMetric, MetricUnit } from '../shared/lambda/collection-metrics';
import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { checkFlush, checkFlushInputSchema } from './check-flush';

/** CheckFlush step: one flush-state check; the state machine loops with a Wait. */
export const handler = createStepHandler({
  step: 'CheckFlush',
  input: checkFlushInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, deps, tools) => {
    const state = await checkFlush(input, deps);
    if (state.flushed)
      collectionMetric(tools, input.target, 'FlushWait', MetricUnit.Seconds, state.waitedSeconds);
    return state;
  },
  onError: invalidateMilvusOnError,
});
