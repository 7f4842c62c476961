import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { cleanupDrill, cleanupDrillInputSchema } from './cleanup-drill';

/** CleanupDrill: everything the drill produced so far → `$.cleanup`. Runs on every drill path. */
export const handler = createStepHandler({
  step: 'CleanupDrill',
  input: cleanupDrillInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, dependencies, { tools }) => {
    const result = await cleanupDrill(input, dependencies);
    tools.logger.info('drill cleaned up', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
