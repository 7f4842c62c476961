import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { switchOver, switchOverInputSchema } from './switch-over';

/** SwitchOver: a verified operator restore → loaded, and the alias moved or the names swapped (`$.switchover`). */
export const handler = createStepHandler({
  step: 'SwitchOver',
  input: switchOverInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, dependencies, { tools }) => {
    const result = await switchOver(input, dependencies);
    tools.logger.info('switch-over', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
