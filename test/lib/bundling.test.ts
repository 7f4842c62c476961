import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { prepareRun } from '../../functions/prepare-run/prepare-run';
import { runtimeConfigOf } from '../../lib/config/deployment-config';
import { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';
import { bundleFunctions } from '../../lib/package/package-build';
import { STEP_CATALOG, STEP_NAMES, type StepName } from '../../lib/step-catalog';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../support/deployment';
import { exampleConfig, logicalId, PROJECT_ROOT, testApp } from './fixtures';

/**
 * Synthesizes with real esbuild bundling, as `cdk synth` does, and runs bundled Milvus functions in
 * a fresh Node process against the emulator over gRPC: bundling must not break the Milvus SDK.
 */

const TOKEN = 'root:Milvus';
/** ws' optional native accelerators: required inside try/catch, absent on Lambda, and that is fine. */
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate'];
let outdir: string;
let assets: Record<StepName, string>;
let emulator: RunningMilvusEmulator;
let reportsDir: string;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'bundled-'));
  const stack = new MilvusSnapshotSchedulerStack(testApp({ bundle: true, outdir }), 'Bundled', {
    config: exampleConfig(),
  });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Metadata?: Record<string, string> }>;
  };
  assets = Object.fromEntries(
    STEP_NAMES.map((step) => {
      const path =
        template.Resources[logicalId(stack.scheduler.functions[step])]?.Metadata?.['aws:asset:path'];
      if (!path) throw new Error(`no asset for ${step}`);
      return [step, join(outdir, path)];
    }),
  ) as Record<StepName, string>;
  emulator = await startMilvusEmulator({ token: TOKEN, seedDemo: true });
  reportsDir = mkdtempSync(join(tmpdir(), 'bundled-reports-'));
}, 180_000);

afterAll(async () => {
  await emulator?.stop();
  rmSync(reportsDir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

const bundle = (step: StepName) => readFileSync(join(assets[step], 'index.js'), 'utf8');

/** Invokes a bundled handler in a fresh Node process, as the Lambda runtime would load it. */
function invokeBundled(
  step: StepName,
  event: unknown,
): Promise<{ result?: unknown; error?: { name: string; message: string } }> {
  const script = `
    const { handler } = require(process.argv[1]);
    const context = { functionName: 'bundled', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 60000 };
    handler(JSON.parse(process.argv[2]), context).then(
      (result) => { process.stdout.write('RESULT ' + JSON.stringify({ result }) + '\\n'); process.exit(0); },
      (error) => { process.stdout.write('RESULT ' + JSON.stringify({ error: { name: error.name, message: error.message } }) + '\\n'); process.exit(0); },
    );`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '-e', script, join(assets[step], 'index.js'), JSON.stringify(event)],
      {
        cwd: tmpdir(),
        env: {
          PATH: process.env.PATH ?? '',
          // The Lambda runtime provides AWS SDK v3 (left out of the bundles); nothing else is resolved from here
          // (the test below checks that the bundles require nothing but Node built-ins and @aws-sdk/*).
          NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
          MILVUS_ADDRESS: emulator.address,
          MILVUS_TOKEN: TOKEN,
          MILVUS_TIMEOUT_MS: '10000',
          // The ledger the Milvus steps keep: a directory, as in local runs.
          REPORTS_DIR: reportsDir,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_TRACE_ENABLED: 'false',
          AWS_REGION: 'eu-west-1',
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.on('error', reject);
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) reject(new Error(`no result from the bundled ${step}: ${err || out}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

const run = () =>
  prepareRun(
    {
      input: { schedule: 'nightly', scheduledTime: '2026-11-21T02:00:00Z' },
      execution: { name: 'bundled-run', startTime: '2026-11-21T02:00:01Z' },
      config: runtimeConfigOf(exampleConfig()),
      deployment: TEST_DEPLOYMENT,
    },
    TEST_CLUSTER,
  ).run;
const products = { database: 'default', collection: 'products', policy: 'default' };

describe('bundled functions', () => {
  it('flushes through the bundled Flush function, Milvus SDK and all, over gRPC', async () => {
    const { result, error } = await invokeBundled('Flush', { run: run(), target: products });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ flushTs: expect.any(String), segmentIds: expect.any(Array) });
  });

  it('creates the dated snapshot through the bundled CreateSnapshot function', async () => {
    const { result, error } = await invokeBundled('CreateSnapshot', { run: run(), target: products });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ snapshotName: 'nightly_20261121_020000', alreadyExisted: false });
    expect(emulator.inspect.snapshots('default', 'products').map((s) => s.name)).toContain(
      'nightly_20261121_020000',
    );
  });

  it('keeps the typed error names Step Functions matches on, through minification', async () => {
    const { error } = await invokeBundled('Flush', {
      run: run(),
      target: { database: 'default', collection: 'no_such_collection', policy: 'default' },
    });
    expect(error?.name).toBe('CollectionNotFoundError');
  });

  it.each(STEP_NAMES.filter((s) => !STEP_CATALOG[s].milvus))('leaves the Milvus SDK out of %s', (step) => {
    const code = bundle(step);
    expect(code).not.toContain('milvus2-sdk-node');
    expect(code).not.toMatch(/MilvusClient/);
    expect(code).not.toContain('@grpc/grpc-js');
  });

  it.each(STEP_NAMES)(
    'makes %s self-contained: it requires only Node built-ins and the runtime-provided AWS SDK',
    (step) => {
      const required = new Set([...bundle(step).matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
      const foreign = [...required].filter(
        (name) => !name.startsWith('@aws-sdk/') && !isBuiltin(name) && !OPTIONAL_NATIVE.includes(name),
      );
      expect(foreign).toEqual([]);
    },
  );

  it('bundles as npm run build does for the package: the same code, byte for byte', async () => {
    const prebundled = mkdtempSync(join(tmpdir(), 'prebundled-'));
    try {
      // One Milvus step and one without Milvus: the options are shared, so two cover both kinds.
      const steps = ['Flush', 'BuildReport'] as const;
      await bundleFunctions(
        prebundled,
        steps.map((step) => STEP_CATALOG[step].directory),
      );
      for (const step of steps) {
        const built = readFileSync(join(prebundled, STEP_CATALOG[step].directory, 'index.js'), 'utf8');
        expect({ step, same: built === bundle(step) }).toEqual({ step, same: true });
      }
    } finally {
      rmSync(prebundled, { recursive: true, force: true });
    }
  });

  it('bundles the Milvus SDK into the Milvus functions, with a source map and without sources', () => {
    for (const step of STEP_NAMES.filter((s) => STEP_CATALOG[s].milvus)) {
      expect(bundle(step)).toContain('MilvusClient');
      const map = JSON.parse(readFileSync(join(assets[step], 'index.js.map'), 'utf8')) as {
        sourcesContent?: unknown;
      };
      expect(map.sourcesContent).toBeUndefined();
    }
    // The runtime provides the AWS SDK: it is not bundled.
    expect(bundle('BuildReport')).not.toContain('S3ServiceException');
    expect(existsSync(join(assets.BuildReport, 'index.js'))).toBe(true);
    expect(statSync(join(assets.RecordCollectionResult, 'index.js')).size).toBeLessThan(
      statSync(join(assets.Flush, 'index.js')).size,
    );
  });
});
