import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { build } from 'esbuild';
import {
  functionBundleOptions,
  handlerEntry,
  PREBUNDLED_NODE_MAJOR,
  PROJECT_ROOT,
} from '../function-bundling';
import { FRESHNESS_CHECK, STEP_CATALOG } from '../step-catalog';

/**
 * `npm run build`: what the published package holds under `dist/`, built from the same sources the
 * repository synthesizes from.
 *
 * - `dist/index.js`: the construct and its public API (lib/index.ts), one ES module whose imports
 *   are only the package's dependencies and peers (aws-cdk-lib, constructs, zod, luxon): the build
 *   fails if anything else creeps in.
 * - `dist/functions/<directory>/index.js` (and its source map): every function of the step catalog,
 *   and the freshness check, bundled once with the options `NodejsFunction` uses from the sources.
 * - `dist/index.d.ts`: the declarations, rolled up into one file by API Extractor (the sources'
 *   extensionless imports would not resolve in a consumer's `nodenext` project), and the API model
 *   `dist/api/milvus-snapshot-scheduler.api.json` that docs/API.md is generated from.
 */

/** Where the build writes. */
export const DIST = join(PROJECT_ROOT, 'dist');

/** The API model (API Extractor's doc model) the build writes beside the declarations. */
export const API_MODEL = join(DIST, 'api', 'milvus-snapshot-scheduler.api.json');

/** Builds the whole of `dist/` afresh. */
export async function buildPackage(log: (line: string) => void = () => {}): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  const started = Date.now();
  await bundleLibrary();
  log(`dist/index.js (${Date.now() - started} ms)`);
  const functions = await bundleFunctions(join(DIST, 'functions'));
  log(`dist/functions: ${functions.join(', ')} (${Date.now() - started} ms)`);
  rollUpDeclarations(log);
  log(`dist/index.d.ts, ${API_MODEL.slice(PROJECT_ROOT.length + 1)} (${Date.now() - started} ms)`);
}

/** The directory of every function the construct creates: each catalog step's, and the freshness check's. */
export function functionDirectories(): string[] {
  return [...new Set([...Object.values(STEP_CATALOG), FRESHNESS_CHECK].map((step) => step.directory))];
}

/**
 * Bundles every function into `<outdir>/<directory>/index.js` with {@link functionBundleOptions}
 * (esbuild's API, one function per build, as `NodejsFunction` bundles them). Returns the directories.
 */
export async function bundleFunctions(
  outdir: string,
  directories: readonly string[] = functionDirectories(),
): Promise<string[]> {
  const options = functionBundleOptions(PREBUNDLED_NODE_MAJOR);
  await Promise.all(
    directories.map((directory) =>
      build({
        entryPoints: [handlerEntry(directory)],
        outfile: join(outdir, directory, 'index.js'),
        bundle: true,
        platform: 'node',
        logLevel: 'warning',
        minify: options.minify,
        keepNames: options.keepNames,
        sourcemap: options.sourcemap,
        sourcesContent: options.sourcesContent,
        target: options.target,
        format: options.format,
        external: [...options.external],
        alias: { ...options.alias },
      }),
    ),
  );
  return [...directories];
}

/** The packages `dist/index.js` may import: the package's dependencies and peer dependencies. */
function allowedImports(): Set<string> {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
}

/** The package name of an import specifier (`aws-cdk-lib/aws-s3` → `aws-cdk-lib`, `@a/b/c` → `@a/b`). */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** `dist/index.js`: the construct, its functions' bundles located beside it (`__PREBUNDLED_FUNCTIONS__`). */
async function bundleLibrary(): Promise<void> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'lib', 'index.ts')],
    outfile: join(DIST, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${PREBUNDLED_NODE_MAJOR}`,
    packages: 'external',
    define: { __PREBUNDLED_FUNCTIONS__: 'true' },
    metafile: true,
    logLevel: 'warning',
  });
  const allowed = allowedImports();
  const foreign = new Set<string>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.external && !isBuiltin(imported.path) && !allowed.has(packageOf(imported.path))) {
        foreign.add(`${imported.path} (from ${file})`);
      }
    }
  }
  if (foreign.size > 0) {
    throw new Error(
      `dist/index.js would import packages that are neither dependencies nor peers of the package: ${[...foreign].join(', ')}. Keep the Lambda runtime's libraries out of lib/'s imports (see functions/shared/lambda/metric-names.ts)`,
    );
  }
}

/**
 * Declarations of lib/index.ts (tsc, from tsconfig.build.json), rolled up into `dist/index.d.ts`,
 * with the API model, by API Extractor (which analyses them with its own TypeScript). Links that
 * do not resolve and TSDoc mistakes are printed: they would show in docs/API.md.
 */
export function rollUpDeclarations(log: (line: string) => void = () => {}): void {
  const declarations = join(DIST, '.declarations');
  const tsc = spawnSync(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', declarations],
    { cwd: PROJECT_ROOT, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc could not emit the declarations:\n${tsc.stdout}${tsc.stderr}`);
  const entry = join(declarations, 'lib', 'index.d.ts');
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: PROJECT_ROOT,
      mainEntryPointFilePath: entry,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2023',
            lib: ['ES2023'],
            module: 'preserve',
            moduleResolution: 'bundler',
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [entry],
        },
      },
      apiReport: { enabled: false },
      docModel: { enabled: true, apiJsonFilePath: API_MODEL },
      dtsRollup: { enabled: true, untrimmedFilePath: join(DIST, 'index.d.ts') },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          // Release tags (@public, @beta) are not used: everything lib/index.ts exports is public.
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
          // Types a public signature mentions without exporting them (the catalog's step names)
          // stay in the rolled-up file, unexported: on purpose.
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.None },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(PROJECT_ROOT, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (message) => {
      message.handled = true;
      if (message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error) {
        const where = message.sourceFilePath
          ? `${message.sourceFilePath.slice(declarations.length + 1)}:${message.sourceFileLine}: `
          : '';
        log(`warning: ${where}${message.text} (${message.messageId})`);
      }
    },
  });
  if (!result.succeeded) throw new Error('API Extractor could not roll up the declarations (see above)');
  rmSync(declarations, { recursive: true, force: true });
}
