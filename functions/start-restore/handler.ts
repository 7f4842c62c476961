import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { startRestore, startRestoreInputSchema } from './start-restore';

/** StartRestore: `{ run, target, drillSource }` → `$.restore`. */
export const handler = createStepHandler({
  step: 'StartRestore',
  input: startRestoreInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, dependencies, { tools }) => {
    const result = await startRestore(input, dependencies);
    tools.logger.info('restore started', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
