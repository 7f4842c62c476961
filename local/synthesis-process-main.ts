import type { DeploymentConfig } from '../lib/config/deployment-config';
import { synthesizeRun } from '../lib/state-machine/synthesized-definition';
import { prepareLocalDefinition } from './local-definition';
import { buildLocalMachines } from './local-machines';
import type { SynthesisReport } from './synthesis-process';

/**
 * The synthesis process (started by synthesis-process.ts): synthesizes the configuration it is
 * sent, validates the definition's local form as the runner will build it, answers, and ends.
 */
const report = (message: SynthesisReport) =>
  new Promise<void>((resolve) => process.send?.(message, () => resolve()));

process.once('message', async ({ config }: { config: DeploymentConfig }) => {
  let answer: SynthesisReport;
  try {
    const synthesized = synthesizeRun(config);
    // What a run binds (its start time, its timeout in real time) cannot make a definition
    // invalid: validated with stand-ins here, the runner builds the same machines unvalidated.
    buildLocalMachines(
      prepareLocalDefinition(synthesized.definition, 1000, {
        '$$.Execution.StartTime': new Date(0).toISOString(),
      }),
      true,
    );
    answer = { type: 'synthesized', synthesized };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    answer = { type: 'failed', name: failure.name, message: failure.message };
  }
  await report(answer);
  if (process.connected) process.disconnect();
});
