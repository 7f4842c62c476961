import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { STEP_CATALOG } from '../lib/step-catalog';
import { PROJECT_ROOT } from './bench-world';
import type { BundledFunction } from './bundle-functions';
import { type BenchmarkResult, type Figure, formatNumber, formatRatio, median, round } from './figures';

/** Targets of issue 7. */
const MAX_MILVUS_RATIO = 1.15;
const MAX_PLAIN_MS = 50;

/** Text of the stand-in for the SDK's Parquet writer: a bundle that has it left the writer out. */
const PARQUET_STAND_IN = 'left out of the workflow functions';

/** What identifies Milvus SDK code in a bundle (as test/lib/bundling.test.ts checks it). */
const MILVUS_MARKERS = ['milvus2-sdk-node', 'MilvusClient', '@grpc/grpc-js'];

/** The stand-in the functions bundle instead of the SDK's Parquet writer (lib/workflow-function.ts). */
const PARQUET_ALIAS = {
  '@shanghaikid/parquetjs': join(PROJECT_ROOT, 'functions', 'shared', 'milvus', 'parquet-not-bundled.ts'),
};

/** The esbuild options `WorkflowFunction` gives every function (lib/workflow-function.ts). */
const FUNCTION_BUNDLING: BuildOptions = {
  alias: PARQUET_ALIAS,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  external: ['@aws-sdk/*'],
  logLevel: 'silent',
};

/** Something to import in a fresh Node process. */
interface ImportTarget {
  readonly name: string;
  /** A file (`require`d by path) or a package name (resolved from the project's node_modules). */
  readonly module: string;
  readonly env: Record<string, string>;
  readonly cwd: string;
}

/**
 * Benchmark 3: for each function, its bundle as `cdk synth` makes it, and the time to load it in a
 * fresh Node process, with the environment it is deployed with (`NODE_OPTIONS=--enable-source-maps`
 * included); next to the Milvus SDK alone, bundled and loaded the same way. Medians of several
 * rounds; in each round every target loads (twice, the faster counts), and a variant (one part
 * taken out) loads right after its function, so that what a part costs is the median of paired
 * differences.
 */
export async function coldStartBenchmark(options: { quick: boolean }): Promise<BenchmarkResult> {
  const started = performance.now();
  const runs = options.quick ? 3 : 9;
  const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    const functions = bundleInChild(outdir);
    const byStep = (step: string) => {
      const fn = functions.find((f) => f.step === step);
      if (!fn) throw new Error(`the stack has no ${step} function`);
      return fn;
    };
    const [prepare, report, flush] = [byStep('PrepareRun'), byStep('BuildReport'), byStep('Flush')];
    const variants = join(outdir, 'variants');
    const handlerOf = (fn: BundledFunction) =>
      join(PROJECT_ROOT, 'functions', STEP_CATALOG[fn.step].directory, 'handler.ts');
    const variant = async (fn: BundledFunction, what: string, plugin: Plugin): Promise<ImportTarget> =>
      deployed(
        fn,
        `${fn.step} ${what}`,
        await bundle(variants, `${fn.step}-${plugin.name}`, {
          entryPoints: [handlerOf(fn)],
          plugins: [plugin],
        }),
      );
    const sdkEntry = {
      contents: "module.exports = require('@zilliz/milvus2-sdk-node');",
      resolveDir: PROJECT_ROOT,
    };
    // The SDK as published (its Parquet writer included), bundled with the functions' options…
    const sdkAlone = await bundle(variants, 'sdk-alone', { stdin: sdkEntry, alias: {} });
    // …and with the Parquet writer left out as the functions leave it out: what our code adds.
    const sdkTrimmed = await bundle(variants, 'sdk-alone-no-parquet', { stdin: sdkEntry });

    // Each group loads in this order in every round: a function, then its variants.
    const groups: ImportTarget[][] = [
      [
        { ...deployed(flush, SDK_BUNDLED), module: sdkAlone, cwd: variants },
        { ...deployed(flush, SDK_TRIMMED), module: sdkTrimmed, cwd: variants },
        { name: SDK_NODE_MODULES, module: '@zilliz/milvus2-sdk-node', env: {}, cwd: PROJECT_ROOT },
      ],
      [
        deployed(prepare),
        withoutSourceMaps(deployed(prepare)),
        await variant(prepare, 'without X-Ray', noTracer),
        await variant(prepare, 'with `import { z }`', namedZodImports),
      ],
      [
        deployed(flush),
        withoutSourceMaps(deployed(flush)),
        await variant(flush, 'without X-Ray', noTracer),
        await variant(flush, 'without the Secrets Manager client', noSecrets),
      ],
      [
        deployed(report),
        await variant(report, 'without X-Ray', noTracer),
        await variant(report, 'without the S3 client', noS3),
      ],
      ...functions.filter((fn) => ![prepare, report, flush].includes(fn)).map((fn) => [deployed(fn)]),
    ];
    const times = await measureImports(groups, runs);
    const t = (name: string) => median(times.get(name) ?? [Number.NaN]);
    /** What taking a part out saves: the median of the paired differences. */
    const saves = (base: string, without: string) => {
      const a = times.get(base) ?? [];
      const b = times.get(`${base} ${without}`) ?? [];
      return median(a.map((x, i) => x - (b[i] ?? Number.NaN)));
    };

    const sdkMs = t(SDK_BUNDLED);
    const withMilvusCode = functions.filter((fn) => !fn.milvus && containsMilvusCode(fn));
    const figures: Figure[] = functions.map((fn) => {
      const ms = t(fn.step);
      const common = {
        benchmark: 'cold-start',
        id: `cold-start.${fn.step}`,
        value: round(ms, 1),
        unit: 'ms',
      };
      return fn.milvus
        ? {
            ...common,
            label: `${fn.step} (${formatNumber(fn.bytes / 1e6)} MB): import`,
            target: `≤ ${MAX_MILVUS_RATIO}× SDK alone`,
            ratio: ms / sdkMs,
            ratioOf: `of the SDK alone (${formatNumber(sdkMs)} ms)`,
            pass: ms / sdkMs <= MAX_MILVUS_RATIO,
          }
        : {
            ...common,
            label: `${fn.step} (${formatNumber(fn.bytes / 1e3)} KB, no Milvus): import`,
            target: `< ${MAX_PLAIN_MS} ms`,
            ratio: ms / MAX_PLAIN_MS,
            ratioOf: `of ${MAX_PLAIN_MS} ms`,
            pass: ms < MAX_PLAIN_MS,
          };
    });
    figures.push(
      {
        benchmark: 'cold-start',
        id: 'cold-start.sdkAlone',
        label: `Milvus SDK alone, bundled like a function (${formatNumber(statSync(sdkAlone).size / 1e6)} MB): import`,
        value: round(sdkMs, 1),
        unit: 'ms',
      },
      {
        benchmark: 'cold-start',
        id: 'cold-start.sdkAloneWithoutParquet',
        label: `Milvus SDK alone, bundled without its Parquet writer (${formatNumber(statSync(sdkTrimmed).size / 1e6)} MB): import`,
        value: round(t(SDK_TRIMMED), 1),
        unit: 'ms',
      },
      {
        benchmark: 'cold-start',
        id: 'cold-start.sdkFromNodeModules',
        label: 'Milvus SDK alone, from node_modules: import',
        value: round(t(SDK_NODE_MODULES), 1),
        unit: 'ms',
      },
      {
        benchmark: 'cold-start',
        id: 'cold-start.milvusCodeInPlainBundles',
        label: 'non-Milvus bundles containing Milvus SDK code',
        value: withMilvusCode.length,
        unit: 'count',
        target: '0',
        pass: withMilvusCode.length === 0,
      },
    );

    const plain = functions.filter((fn) => !fn.milvus);
    const milvus = functions.filter((fn) => fn.milvus);
    const milvusMedian = median(milvus.map((fn) => t(fn.step)));
    const parts = {
      prepareRun: {
        total: t('PrepareRun'),
        xray: saves('PrepareRun', 'without X-Ray'),
        sourceMap: saves('PrepareRun', 'without source maps'),
        wholeZod: -saves('PrepareRun', 'with `import { z }`'),
      },
      buildReport: {
        total: t('BuildReport'),
        xray: saves('BuildReport', 'without X-Ray'),
        s3Client: saves('BuildReport', 'without the S3 client'),
      },
      flush: {
        total: t('Flush'),
        overTrimmedSdk: t('Flush') - t(SDK_TRIMMED),
        parquetWriter: t(SDK_BUNDLED) - t(SDK_TRIMMED),
        xray: saves('Flush', 'without X-Ray'),
        secretsClient: saves('Flush', 'without the Secrets Manager client'),
        sourceMap: saves('Flush', 'without source maps'),
      },
    };
    const p = parts.prepareRun;
    const b = parts.buildReport;
    const f = parts.flush;
    const ms = (x: number) => `${formatNumber(x)} ms`;
    const notes = [
      `Import = require() of the bundle in a fresh Node ${process.version} process with the function's deployed environment (NODE_OPTIONS=--enable-source-maps); median of ${runs} rounds, each the faster of two loads in a row. ` +
        "The SDK alone is bundled with the functions' esbuild options and loaded the same way; a part's cost is what loading the same bundle without it saves (median of paired differences).",
      `PrepareRun ${ms(p.total)}: the X-Ray SDK that Powertools Tracer loads ${ms(p.xray)}, its source map ${ms(p.sourceMap)}, ` +
        `the rest (zod, our schemas built at load, Logger, Metrics, middy, luxon) ${ms(p.total - p.xray - p.sourceMap)}. ` +
        `Importing zod as \`import { z }\` (all of it, every locale) would add ${ms(p.wholeZod)}.`,
      `RecordDrill, RecordCollectionResult and BuildReport also load the runtime's AWS SDK S3 client to store results: BuildReport ${ms(b.total)}, of which the S3 client ${ms(b.s3Client)} and X-Ray ${ms(b.xray)}.`,
      `Milvus functions (median ${ms(milvusMedian)}) load faster than the SDK alone (${ms(sdkMs)}) because their bundles leave out the SDK's Parquet writer, ` +
        `which the SDK requires at load for BulkWriter and which loads the S3 client: that alone is ${ms(f.parquetWriter)} of the SDK's import. ` +
        `Against the SDK bundled without it (${ms(t(SDK_TRIMMED))}), Flush (${ms(f.total)}) adds ${ms(f.overTrimmedSdk)} (${formatRatio(f.total / t(SDK_TRIMMED))}): ` +
        `the Secrets Manager client for the token ${ms(f.secretsClient)}, X-Ray ${ms(f.xray)}, then zod, Powertools and our code; its ${formatNumber(flush.mapBytes / 1e6)} MB source map costs ${ms(f.sourceMap)} of the import. ` +
        `From node_modules the SDK alone takes ${ms(t(SDK_NODE_MODULES))}.`,
      `Milvus functions ${formatNumber(Math.min(...milvus.map((x) => x.bytes)) / 1e6)}–${formatNumber(Math.max(...milvus.map((x) => x.bytes)) / 1e6)} MB, the others ${formatNumber(Math.min(...plain.map((x) => x.bytes)) / 1e3)}–${formatNumber(Math.max(...plain.map((x) => x.bytes)) / 1e3)} KB; ` +
        (withMilvusCode.length === 0
          ? `none of the ${plain.length} non-Milvus bundles contains Milvus SDK code.`
          : `Milvus SDK code found in ${withMilvusCode.map((x) => x.step).join(', ')}.`),
    ];
    return {
      name: 'cold-start',
      figures,
      notes,
      seconds: (performance.now() - started) / 1000,
      details: {
        rounds: runs,
        node: process.version,
        functions: functions.map((fn) => ({
          step: fn.step,
          milvus: fn.milvus,
          bytes: fn.bytes,
          sourceMapBytes: fn.mapBytes,
          importMs: round(t(fn.step), 1),
          samplesMs: (times.get(fn.step) ?? []).map((x) => round(x, 1)),
          containsMilvusCode: containsMilvusCode(fn),
        })),
        sdkAloneMs: {
          bundled: round(sdkMs, 1),
          bundledWithoutParquet: round(t(SDK_TRIMMED), 1),
          fromNodeModules: round(t(SDK_NODE_MODULES), 1),
        },
        parquetWriterLeftOut: milvus.every((fn) =>
          readFileSync(join(fn.dir, 'index.js'), 'utf8').includes(PARQUET_STAND_IN),
        ),
        parts: Object.fromEntries(
          Object.entries(parts).map(([k, v]) => [
            k,
            Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, round(vv, 1)])),
          ]),
        ),
      },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const SDK_BUNDLED = 'SDK alone, bundled';
const SDK_TRIMMED = 'SDK alone, bundled without its Parquet writer';
const SDK_NODE_MODULES = 'SDK alone, from node_modules';

/** A function's bundle (or a variant of it) with the environment it is deployed with, as Lambda loads it. */
function deployed(
  fn: BundledFunction,
  name: string = fn.step,
  file = join(fn.dir, 'index.js'),
): ImportTarget {
  return {
    name,
    module: file,
    cwd: fn.dir,
    env: {
      ...fn.environment,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: fn.step,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(STEP_CATALOG[fn.step].memoryMb),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: fn.dir,
      TZ: ':UTC',
    },
  };
}

function withoutSourceMaps(target: ImportTarget): ImportTarget {
  const { NODE_OPTIONS: _dropped, ...env } = target.env;
  return { ...target, name: `${target.name} without source maps`, env };
}

/** `cdk synth`-style bundling in a child process, so esbuild's report does not mix into ours. */
function bundleInChild(outdir: string): BundledFunction[] {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'bundle-functions.ts'), outdir],
    { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const line = result.stdout.split('\n').find((l) => l.startsWith('['));
  if (result.status !== 0 || !line) {
    throw new Error(`bundling the functions failed: ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as BundledFunction[];
}

/** Builds a variant bundle with the functions' options; returns the path of its `index.js`. */
async function bundle(dir: string, name: string, options: BuildOptions): Promise<string> {
  const outfile = join(dir, name, 'index.js');
  await build({ ...FUNCTION_BUNDLING, ...options, outfile });
  return outfile;
}

/** A package replaced by a module with the given exports (what the code imports, doing nothing). */
function stub(name: string, filter: RegExp, contents: string): Plugin {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: name }));
      b.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
    },
  };
}

/** The Secrets Manager client Powertools Parameters loads (the token is read with it). */
const noSecrets = stub(
  'no-secrets',
  /^@aws-lambda-powertools\/parameters\/secrets$/,
  'export async function getSecret() { return undefined; }\n',
);

/** The runtime's S3 client (results and reports are stored with it). */
const noS3 = stub(
  'no-s3',
  /^@aws-sdk\/client-s3$/,
  'export class S3Client {}\nexport class GetObjectCommand {}\nexport class PutObjectCommand {}\n' +
    'export class DeleteObjectCommand {}\nexport class NoSuchKey extends Error {}\n' +
    'export function paginateListObjectsV2() {}\n',
);

/** Powertools Tracer replaced by a no-op: what the X-Ray SDK it loads costs. */
const noTracer = stub(
  'no-xray',
  /^@aws-lambda-powertools\/tracer(\/middleware)?$/,
  'export class Tracer {}\nexport function captureLambdaHandler() { return { before() {}, after() {}, onError() {} }; }\n',
);

/** Our sources with `import { z } from 'zod'` (the whole library) instead of `import * as z`. */
const namedZodImports: Plugin = {
  name: 'whole-zod',
  setup(b) {
    b.onLoad({ filter: /[\\/](functions|lib)[\\/].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(
        /import \* as z from 'zod';/g,
        "import { z } from 'zod';",
      ),
      loader: 'ts',
    }));
  },
};

function containsMilvusCode(fn: BundledFunction): boolean {
  const code = readFileSync(join(fn.dir, 'index.js'), 'utf8');
  return MILVUS_MARKERS.some((m) => code.includes(m));
}

/**
 * Loads each target in a fresh process, `runs` rounds: in each round the groups in order, each
 * group's targets one after the other. A round's sample is the faster of two loads in a row: on a
 * shared machine that filters out the moments another process had the CPU. Milliseconds per round.
 */
async function measureImports(
  groups: readonly (readonly ImportTarget[])[],
  runs: number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (let r = 0; r < runs; r++) {
    for (const target of groups.flat()) {
      const ms = Math.min(await loadOnce(target), await loadOnce(target));
      out.set(target.name, [...(out.get(target.name) ?? []), ms]);
    }
  }
  return out;
}

const LOAD_SCRIPT =
  'const start = process.hrtime.bigint();' +
  'require(process.argv[1]);' +
  'process.stdout.write("IMPORT_MS " + Number(process.hrtime.bigint() - start) / 1e6 + "\\n");' +
  'process.exit(0);';

/** Milliseconds `require()` of the target takes in a fresh Node process. */
function loadOnce(target: ImportTarget): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOAD_SCRIPT, target.module], {
      cwd: target.cwd,
      env: {
        PATH: process.env.PATH ?? '',
        // The Lambda runtime provides AWS SDK v3 (left out of the bundles): found here instead.
        NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
        ...target.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', () => {
      const m = /IMPORT_MS ([\d.]+)/.exec(stdout);
      if (m?.[1]) resolve(Number(m[1]));
      else reject(new Error(`loading ${target.name} failed: ${stderr.slice(-1000)}`));
    });
  });
}
