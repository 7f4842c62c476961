import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { cleanupDrill, cleanupDrillInputSchema } from './cleanup-drill';

/** CleanupDrill: everything the drill produced so far → `$.cleanup`. Runs on every drill path. */
export const handler = createStepHandler({
  step: 'CleanupDrill',
  input: cleanupDrillInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, dependencies, { tools }) => {
    const result = await cleanupDrill(input, dependencies);
    tools.logger.info('drill cleaned up', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
