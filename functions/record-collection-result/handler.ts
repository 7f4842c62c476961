import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { recordCollectionResult, recordCollectionResultInputSchema } from './record-collection-result';

/** RecordCollectionResult step: stores one collection's result for the run report. */
export const handler = createStepHandler({
  step: 'RecordCollectionResult',
  input: recordCollectionResultInputSchema,
  dependencies: ({ env }) => ({ store: reportStoreFromEnvironment(env) }),
  run: async (input, deps, { tools }) => {
    const recorded = await recordCollectionResult(input, deps);
    tools.logger.info('collection result recorded', { ...recorded });
    return recorded;
  },
});
