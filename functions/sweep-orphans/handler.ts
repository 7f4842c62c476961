import { invalidateMilvusOnError, milvusStepDependencies } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { sweepOrphans, sweepOrphansInputSchema } from './sweep-orphans';

/** SweepOrphans: `{ run, target }` → `$.orphans`. */
export const handler = createStepHandler({
  step: 'SweepOrphans',
  input: sweepOrphansInputSchema,
  dependencies: milvusStepDependencies,
  run: (input, dependencies) => sweepOrphans(input, dependencies),
  onError: invalidateMilvusOnError,
});
