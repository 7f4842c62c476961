import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { pollRestore, pollRestoreInputSchema } from './poll-restore';

/** PollRestore: `{ run, target, restore, poll? }` → `$.poll`. */
export const handler = createStepHandler({
  step: 'PollRestore',
  input: pollRestoreInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, dependencies, { tools }) => {
    const result = await pollRestore(input, dependencies);
    tools.logger.info('restore polled', { ...result });
    return result;
  },
  onError: invalidateMilvusOnError,
});
