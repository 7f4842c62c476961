import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { flushCollection, flushInputSchema } from './flush';

/** Flush step: seals the collection's growing segments. */
export const handler = createStepHandler({
  step: 'Flush',
  input: flushInputSchema,
  dependencies: milvusStepDependencies,
  run: (input, deps) => flushCollection(input, deps),
  onError: invalidateMilvusOnError,
});
