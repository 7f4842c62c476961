import { now } from '../shared/clock';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { recordDrill, recordDrillInputSchema } from './record-drill';

/** RecordDrill: everything the drill produced → `$.drill`. */
export const handler = createStepHandler({
  step: 'RecordDrill',
  input: recordDrillInputSchema,
  dependencies: ({ metrics }) => ({ store: reportStoreFromEnvironment(), now, metrics }),
  run: async (input, dependencies, tools) => {
    const result = await recordDrill(input, dependencies);
    tools.logger.info('drill recorded', {
      state: result.state,
      verified: result.verified,
      reason: result.reason,
      restoreMs: result.restoreMs,
    });
    return result;
  },
});
