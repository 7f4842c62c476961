import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { verifyRestore, verifyRestoreInputSchema } from './verify-restore';

/** VerifyRestore: `{ run, target, drillSource, restore, poll, verification? }` → `$.verification`. */
export const handler = createStepHandler({
  step: 'VerifyRestore',
  input: verifyRestoreInputSchema,
  dependencies: milvusStepDependencies,
  run: async (input, dependencies, { tools }) => {
    const result = await verifyRestore(input, dependencies);
    tools.logger.info('restore verified', {
      verified: result.verified,
      deepPending: result.deepPending,
      failed: result.checks.filter((c) => !c.ok),
    });
    return result;
  },
  onError: invalidateMilvusOnError,
});
