import { statSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { loadDeploymentConfig } from '../lib/config/load-config';
import { MilvusSnapshotSchedulerStack } from '../lib/milvus-snapshot-scheduler-stack';
import { STEP_CATALOG, STEP_NAMES, type StepName } from '../lib/step-catalog';

/** A function as `cdk synth` bundles and deploys it. */
export interface BundledFunction {
  readonly step: StepName;
  readonly milvus: boolean;
  /** The asset directory (`index.js`, `index.js.map`). */
  readonly dir: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** The function's environment as deployed, with CloudFormation references as placeholders. */
  readonly environment: Record<string, string>;
}

/**
 * Synthesizes the stack from the example configuration with real esbuild bundling, as `cdk synth`
 * does, into `outdir`, and returns where each function's bundle landed. Run as a script (so that
 * esbuild's output stays out of the benchmark's): `node --import tsx bench/bundle-functions.ts <outdir>`
 * prints the list as JSON.
 */
export function bundleFunctions(outdir: string): BundledFunction[] {
  const root = join(import.meta.dirname, '..');
  const { config } = loadDeploymentConfig({ path: join(root, 'examples', 'scheduler.config.json') });
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new MilvusSnapshotSchedulerStack(app, 'Bench', { config });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<
      string,
      {
        Metadata?: Record<string, string>;
        Properties?: { Environment?: { Variables?: Record<string, unknown> } };
      }
    >;
  };
  return STEP_NAMES.map((step) => {
    const resource = stack.scheduler.functions[step].node.defaultChild;
    if (!(resource instanceof CfnElement)) throw new Error(`${step} has no function resource`);
    const entry = template.Resources[Stack.of(resource).getLogicalId(resource)];
    const asset = entry?.Metadata?.['aws:asset:path'];
    if (!asset) throw new Error(`no bundle for ${step}`);
    const dir = join(outdir, asset);
    const environment = Object.fromEntries(
      Object.entries(entry.Properties?.Environment?.Variables ?? {}).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : `placeholder-${k.toLowerCase()}`,
      ]),
    );
    return {
      step,
      milvus: STEP_CATALOG[step].milvus,
      dir,
      bytes: statSync(join(dir, 'index.js')).size,
      mapBytes: statSync(join(dir, 'index.js.map')).size,
      environment,
    };
  });
}

if (process.argv[1] === import.meta.filename) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: bundle-functions.ts <outdir>');
  process.stdout.write(`${JSON.stringify(bundleFunctions(outdir))}\n`);
}
