import { createStepHandler } from '../shared/lambda/step-handler';
import { prepareRun, prepareRunInputSchema } from './prepare-run';

/** PrepareRun step: validates the execution input against the configuration and plans the run. */
export const handler = createStepHandler({
  step: 'PrepareRun',
  input: prepareRunInputSchema,
  dependencies: () => ({}),
  run: async (input, _deps, { tools }) => {
    const prepared = prepareRun(input);
    const { runId, mode, dryRun, schedule, snapshotName } = prepared.run;
    tools.logger.info('run prepared', {
      runId,
      mode,
      dryRun,
      schedule,
      snapshotName,
      collections: prepared.items.length,
    });
    return prepared;
  },
});
