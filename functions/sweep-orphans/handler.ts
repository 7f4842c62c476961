import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { sweepOrphans, sweepOrphansInputSchema } from './sweep-orphans';

/** SweepOrphans: `{ run, target }` → `$.orphans`. */
export const handler = createStepHandler({
  step: 'SweepOrphans',
  input: sweepOrphansInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, dependencies, { tools }) => {
    const result = await sweepOrphans(input, dependencies);
    tools.logger.info('orphans swept', { dropped: result.dropped, failed: result.failed ?? [] });
    return result;
  },
  onError: invalidateMilvusOnError,
});
