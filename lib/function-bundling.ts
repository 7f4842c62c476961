import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root when the construct runs from its TypeScript sources. */
export const PROJECT_ROOT = join(import.meta.dirname, '..');

/** What the Milvus SDK's Parquet writer is replaced with in the bundles (see {@link functionBundleOptions}). */
const PARQUET_STAND_IN = join(PROJECT_ROOT, 'functions', 'shared', 'milvus', 'parquet-not-bundled.ts');

/**
 * Set by `npm run build` (an esbuild `define`) in the published `dist/index.js`, whose functions
 * were bundled by the same build into `dist/functions/<directory>/`. Undefined when the construct
 * runs from its sources (this repository: `cdk synth`, the tests, the local runner).
 */
declare const __PREBUNDLED_FUNCTIONS__: boolean | undefined;

/**
 * How the functions are bundled, in one place: `npm run build` bundles the package's functions
 * with these options (esbuild's API), and the construct run from its sources gives the same ones
 * to `NodejsFunction` (esbuild's CLI), so a function deployed from the package and one deployed
 * from a clone are the same code (test/lib/bundling.test.ts compares them byte for byte).
 */
export function functionBundleOptions(nodeMajor: number) {
  return {
    minify: true,
    // Step Functions matches errors by name, and our error classes set `name` from the class:
    // minification must not rename them (MilvusUnavailableError would become "vS", never retried).
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    target: `node${nodeMajor}`,
    format: 'cjs',
    // The runtime provides AWS SDK v3; everything else, the Milvus SDK included, is bundled.
    external: ['@aws-sdk/*'],
    // The Milvus SDK requires its Parquet writer (for BulkWriter, never used here) at load, and
    // that package loads the S3 client as it is required: a stand-in that throws if ever used
    // makes each Milvus function 0.4 MB smaller and about 70 ms faster to start (npm run bench).
    // An absolute path: esbuild may run with another working directory than this repository.
    alias: { '@shanghaikid/parquetjs': PARQUET_STAND_IN },
  } as const;
}

/** The Node.js version the prebundled functions are built for: the oldest the construct accepts. */
export const PREBUNDLED_NODE_MAJOR = 22;

/** A function's handler module in the sources, `functions/<directory>/handler.ts`. */
export function handlerEntry(directory: string): string {
  return join(PROJECT_ROOT, 'functions', directory, 'handler.ts');
}

/**
 * Where a function comes from: in the published package, the directory `npm run build` bundled it
 * into (`index.js` and its source map, loaded with `Code.fromAsset`: no esbuild, no lock file at
 * the user's synth); from the sources, the handler that `NodejsFunction` bundles at synth.
 *
 * Which one depends on what is running, never on which files happen to exist: the built package
 * always uses its own bundles, and the sources always bundle themselves, so a stale `dist/` in a
 * clone cannot be deployed by mistake.
 */
export function functionSource(
  directory: string,
): { readonly prebundled: string } | { readonly entry: string } {
  if (typeof __PREBUNDLED_FUNCTIONS__ !== 'undefined' && __PREBUNDLED_FUNCTIONS__) {
    const prebundled = join(import.meta.dirname, 'functions', directory);
    if (!existsSync(join(prebundled, 'index.js'))) {
      throw new Error(
        `the package has no bundle of the ${directory} function at ${prebundled}: reinstall milvus-snapshot-scheduler, or rebuild it with npm run build`,
      );
    }
    return { prebundled };
  }
  return { entry: handlerEntry(directory) };
}
