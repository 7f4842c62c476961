import { now } from '../shared/clock';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { recordDrill, recordDrillInputSchema } from './record-drill';

/** RecordDrill: everything the drill produced → `$.drill`. */
export const handler = createStepHandler({
  step: 'RecordDrill',
  input: recordDrillInputSchema,
  dependencies: ({ metrics }) => ({ store: reportStoreFromEnvironment(), now, metrics }),
  run: (input, dependencies) => recordDrill(input, dependencies),
});
