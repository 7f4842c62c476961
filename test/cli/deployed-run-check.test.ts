import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedRunConfig } from '../../cli/deployed-run-check';
import { runtimeConfigOf } from '../../lib/config/deployment-config';
import { loadDeploymentConfig } from '../../lib/config/load-config';
import { synthesizeRun } from '../../lib/state-machine/synthesized-definition';

const REPO_ROOT = join(import.meta.dirname, '../..');

describe('embeddedRunConfig', () => {
  it('finds the run configuration where the stack embeds it in the definition it deploys', () => {
    // Prepare
    const { config } = loadDeploymentConfig({ cwd: REPO_ROOT, path: 'examples/scheduler.config.json' });
    const { definition } = synthesizeRun(config);

    // Act
    const embedded = embeddedRunConfig(JSON.parse(JSON.stringify(definition)));

    // Assess
    expect(embedded).toEqual(JSON.parse(JSON.stringify(runtimeConfigOf(config))));
  });

  it('also finds it in the Payload of a lambda:invoke integration', () => {
    // Prepare
    const config = { collections: [{ name: 'products' }] };
    const definition = {
      States: { PrepareRun: { Type: 'Task', Parameters: { FunctionName: 'f', Payload: { config } } } },
    };

    // Act
    const embedded = embeddedRunConfig(definition);

    // Assess
    expect(embedded).toEqual(config);
  });

  it('gives nothing for a definition without a PrepareRun state', () => {
    expect(embeddedRunConfig({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })).toBeUndefined();
    expect(embeddedRunConfig('not a definition')).toBeUndefined();
  });
});
