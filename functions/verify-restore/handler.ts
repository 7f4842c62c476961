import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { verifyRestore, verifyRestoreInputSchema } from './verify-restore';

/** VerifyRestore: `{ run, target, drillSource, restore, poll, verification? }` → `$.verification`. */
export const handler = createStepHandler({
  step: 'VerifyRestore',
  input: verifyRestoreInputSchema,
  dependencies: milvusStepDependencies,
  run: (input, dependencies) => verifyRestore(input, dependencies),
  onError: invalidateMilvusOnError,
});
