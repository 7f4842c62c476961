import { describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../lib/config/deployment-config';
import { synthesizeRun } from '../../lib/state-machine/synthesized-definition';
import { synthesizeInChildProcess } from '../../local/synthesis-process';
import { exampleConfig } from '../lib/fixtures';

// Each test synthesizes (twice, for the first): a CDK synthesis takes seconds on a busy machine.
describe('synthesizeInChildProcess', { timeout: 120_000 }, () => {
  it('gives the definition, tasks and service tasks that synthesizing here gives', async () => {
    // Prepare
    const config = exampleConfig();

    // Act
    const [there, here] = [await synthesizeInChildProcess(config), synthesizeRun(config)];

    // Assess
    expect(there).toEqual(here);
  });

  it("fails with the synthesis' own error", async () => {
    // Prepare: a configuration without its required parts cannot be synthesized.
    const broken = {} as DeploymentConfig;
    const here = (() => {
      try {
        synthesizeRun(broken);
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected the synthesis to fail');
    })();

    // Act & Assess
    await expect(synthesizeInChildProcess(broken)).rejects.toMatchObject({
      name: here.name,
      message: here.message,
    });
  });
});
