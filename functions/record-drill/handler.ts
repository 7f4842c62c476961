import { emitCollectionMetrics, perCollectionMetrics } from '../shared/lambda/collection-metrics';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { drillMetrics, recordDrill, recordDrillInputSchema } from './record-drill';

/** RecordDrill: everything the drill produced → `$.drill`. */
export const handler = createStepHandler({
  step: 'RecordDrill',
  input: recordDrillInputSchema,
  dependencies: ({ env, now }) => ({ store: reportStoreFromEnvironment(env), now }),
  run: async (input, dependencies, { tools, env }) => {
    const result = await recordDrill(input, dependencies);
    emitCollectionMetrics(
      tools.metrics,
      'RecordDrill',
      input.target,
      drillMetrics(result),
      perCollectionMetrics(env),
    );
    tools.logger.info('drill recorded', {
      state: result.state,
      verified: result.verified,
      reason: result.reason,
      restoreMs: result.restoreMs,
    });
    return result;
  },
});
