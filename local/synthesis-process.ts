import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import type { SynthesizedRun } from '../lib/state-machine/synthesized-definition';
import { markValidated } from './local-machines';

/** What the synthesis process answers (see synthesis-process-main.ts). */
export type SynthesisReport =
  | { readonly type: 'synthesized'; readonly synthesized: SynthesizedRun }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };

/** The synthesis process's error, with its name (e.g. `ValidationError` from the CDK) and message. */
export class SynthesisProcessError extends Error {
  public constructor(
    public override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const MAIN = join(import.meta.dirname, 'synthesis-process-main.ts');

/**
 * Synthesizes the run's definition from `config` as `synthesizeRun` does, in a child process, and
 * validates its local form there too (what the local runner builds from it, see
 * local-machines.ts), so that a run that synthesizes does not keep the AWS CDK, its construct tree
 * and its template validator in its own memory (about 330 MB), and can load the step handlers
 * meanwhile.
 *
 * The child skips the CDK's CloudFormation template validation (`CDK_VALIDATION=false`): this app
 * sets no strict validation flag, so its findings could only be warnings, the definition is the
 * same either way (test/local/synthesis-process.test.ts compares them), and it costs 5 to 9 s of
 * CPU and 170 MB of WebAssembly memory. `cdk synth` and deployments still run it.
 *
 * @throws SynthesisProcessError with the synthesis error's name and message
 */
export async function synthesizeInChildProcess(config: DeploymentConfig): Promise<SynthesizedRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.send({ config });
  try {
    const synthesized = await new Promise<SynthesizedRun>((resolve, reject) => {
      child.once('message', (report: SynthesisReport) => {
        if (report.type === 'synthesized') resolve(report.synthesized);
        else reject(new SynthesisProcessError(report.name, report.message));
      });
      child.once('error', reject);
      void exited.then((code) =>
        reject(
          new SynthesisProcessError('Error', `the synthesis process exited (${code}) without a definition`),
        ),
      );
    });
    markValidated(synthesized);
    return synthesized;
  } finally {
    if (child.connected) child.disconnect();
    await exited;
  }
}
