import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { chooseSnapshot, chooseSnapshotInputSchema } from './choose-snapshot';

/** ChooseSnapshot: `{ run, target, backup? }` → `$.drillSource`. */
export const handler = createStepHandler({
  step: 'ChooseSnapshot',
  input: chooseSnapshotInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, dependencies, { tools }) => {
    const result = await chooseSnapshot(input, dependencies);
    tools.logger.info('snapshot chosen', { snapshotName: result.snapshotName, createdAt: result.createdAt });
    return result;
  },
  onError: invalidateMilvusOnError,
});
