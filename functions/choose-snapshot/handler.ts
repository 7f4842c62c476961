import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { chooseSnapshot, chooseSnapshotInputSchema } from './choose-snapshot';

/** ChooseSnapshot: `{ run, target, backup? }` → `$.drillSource`. */
export const handler = createStepHandler({
  step: 'ChooseSnapshot',
  input: chooseSnapshotInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, dependencies, { tools }) => {
    const result = await chooseSnapshot(input, dependencies);
    tools.logger.info('snapshot chosen', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
