import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiReferenceMarkdown } from '../../../lib/package/api-reference';
import { API_MODEL, functionDirectories } from '../../../lib/package/package-build';
import { PROJECT_ROOT } from '../fixtures';

/**
 * The package as a CDK user gets it: `npm pack` (which builds dist/), the tarball installed with
 * aws-cdk-lib and constructs into an empty directory outside the repository, the README's "In your
 * own CDK app" as the app, type-checked under `nodenext` and synthesized with `cdk synth`: without
 * esbuild, tsx or a lock file, and without the repository's tools on the PATH.
 *
 * Offline, too: `npm install --offline` (it fails rather than reach a registry). The CDK libraries
 * and the package's dependencies come from this repository's node_modules, packed at their locked
 * versions (npm packs them byte for byte as the registry serves them) and named in the app's
 * `overrides`, so npm resolves every dependency as a user's install would, from local tarballs.
 */

/** The packed tarball stays under this (11.5 MB at 0.1.0: eleven Milvus functions of 1.7 MB, and source maps). */
const MAX_TARBALL_BYTES = 12 * 1024 * 1024;
/** The packages the app's `npm install` names, as the README's install line does (the package is the third). */
const PEERS = ['aws-cdk-lib', 'constructs'] as const;
/** What a user who only deploys must not get: the functions', the emulator's and the tools' libraries. */
const NOT_FOR_DEPLOYERS = [
  'esbuild',
  'tsx',
  'typescript',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@zilliz/milvus2-sdk-node',
  'aws-local-stepfunctions',
  '@aws-lambda-powertools/logger',
  '@middy/core',
  'commander',
  '@aws-sdk/client-s3',
];
const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

let scratch: string;
let packed: PackResult;
let template: {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> }
  >;
};
const timings: Record<string, number> = {};
/** `tsc -p tsconfig.json` in the app, started as soon as the app is installed. */
let typeCheck: Promise<RunResult>;

/**
 * The child's environment: no npm_* variables of a surrounding `npm test`, no CDK telemetry or
 * notices, and no `node_modules/.bin` on the PATH (npm puts the repository's there, esbuild and tsx
 * among them): whatever the app runs, it must find in the app's own directory.
 */
function environment(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !(basename(entry) === '.bin' && basename(dirname(entry)) === 'node_modules'));
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_') && key !== 'PATH'),
    ),
    PATH: path.join(delimiter),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` to its end, whatever its exit status. */
function spawnRun(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, encoding: 'utf8', env: environment(), maxBuffer: 64 * 1024 * 1024, timeout: 8 * 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({
          status: code,
          stdout,
          stderr: error && code === -1 ? `${stderr}${error.message}` : stderr,
        });
      },
    );
  });
}

/** Runs one phase of the install, timed; a phase that fails throws with what it printed. */
async function run(phase: string, command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  const started = Date.now();
  const result = await spawnRun(command, args, cwd);
  timings[phase] = Date.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${phase}: ${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** The code of the README's "In your own CDK app": the app this test synthesizes. */
function readmeApp(readme: string): string {
  const section = readme.split(/^### In your own CDK app$/m)[1]?.split(/^##+ /m)[0] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('the README has no ```ts block under "### In your own CDK app"');
  return code;
}

interface LockedPackage {
  readonly version: string;
  readonly inBundle?: boolean;
  readonly dependencies?: Record<string, string>;
}

/**
 * The installed directory (under the repository) of every package that installing `roots` brings,
 * as package-lock.json records them: each dependency resolved as Node.js would, from the
 * depending package's directory upwards; packages bundled inside another one come with it.
 */
function lockedClosure(roots: readonly string[]): Map<string, string> {
  const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const locate = (name: string, from: string): string => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[key]) return key;
      if (!base) throw new Error(`package-lock.json has no ${name} (needed by ${from || 'the package'})`);
    }
  };
  const closure = new Map<string, string>();
  const pending = roots.map((name) => locate(name, ''));
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const entry = lock.packages[key];
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry || entry.inBundle || closure.has(name)) continue;
    closure.set(name, join(PROJECT_ROOT, key));
    for (const dependency of Object.keys(entry.dependencies ?? {})) pending.push(locate(dependency, key));
  }
  return closure;
}

/** Top-level packages of a node_modules directory, scoped ones as `@scope/name`. */
function installed(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name],
    );
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'mss-consumer-'));
  // What the registry would give the app's install, from the repository's own node_modules.
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const closure = lockedClosure([...PEERS, ...Object.keys(manifest.dependencies)]);
  // The two packings are independent: side by side, the build and the gzip share the cores.
  const [pack, local] = await Promise.all([
    run('npm pack (builds dist/)', 'npm', ['pack', '--json', '--pack-destination', scratch], PROJECT_ROOT),
    run(
      'npm pack of the locked dependencies',
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch, ...closure.values()],
      PROJECT_ROOT,
    ),
  ]);
  const results = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[];
  const result = results[0];
  if (!result) throw new Error(`npm pack printed no result: ${pack.stdout}`);
  packed = result;
  const tarballs = new Map(
    (JSON.parse(local.stdout.slice(local.stdout.indexOf('['))) as (PackResult & { name: string })[]).map(
      (p) => [p.name, `file:${p.filename}`],
    ),
  );

  // As `cdk init` makes it: a CommonJS package (no "type"), compiled as NodeNext.
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      overrides: Object.fromEntries(
        [...tarballs].filter(([name]) => !(PEERS as readonly string[]).includes(name)),
      ),
    }),
  );
  writeFileSync(join(scratch, 'app.ts'), readmeApp(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')));
  // Node.js 22 runs the TypeScript app itself (type stripping, as an ES module since it imports):
  // no tsx, no ts-node.
  writeFileSync(join(scratch, 'cdk.json'), JSON.stringify({ app: 'node app.ts' }));
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        // What `cdk init` gives a project: Node's types.
        typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['app.ts'],
    }),
  );
  await run(
    'npm install --offline',
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      `./${packed.filename}`,
      ...PEERS.map((name) => `./${tarballs.get(name)?.slice('file:'.length)}`),
    ],
    scratch,
  );
  // The type check and the synthesis both read the installed app only: side by side too.
  typeCheck = spawnRun(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], scratch);
  await run('cdk synth', join(BIN, 'cdk'), ['synth', '-q', '--no-notices'], scratch);
  template = JSON.parse(readFileSync(join(scratch, 'cdk.out', 'MilvusBackups.template.json'), 'utf8'));
}, 20 * 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(
    `consumer test: tarball ${(packed?.size / 1e6).toFixed(1)} MB (${(packed?.unpackedSize / 1e6).toFixed(1)} MB unpacked); ${Object.entries(
      timings,
    )
      .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}\n`,
  );
}, 5 * 60_000); // removing the installed app (about 200 MB) takes a while on a busy machine

describe('the package, installed into a CDK app', () => {
  it('packs the built construct, every function bundle, the schemas, README and LICENSE, and no test or source file', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => /(^|\/)test\/|\.test\.[cm]?[jt]s$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && p !== 'dist/index.d.ts')).toEqual([]);
    expect(new Set(paths)).toEqual(
      new Set([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'schemas/run-report.schema.json',
        'schemas/scheduler.config.schema.json',
        ...functionDirectories().flatMap((d) => [
          `dist/functions/${d}/index.js`,
          `dist/functions/${d}/index.js.map`,
        ]),
      ]),
    );
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
  });

  it('installs nothing but its peers and zod and luxon: no bundler, no gRPC server, no local runner', () => {
    const manifest = JSON.parse(
      readFileSync(join(scratch, 'node_modules', 'milvus-snapshot-scheduler', 'package.json'), 'utf8'),
    ) as { dependencies?: object; peerDependencies?: object; bin?: unknown };
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['luxon', 'zod']);
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([...PEERS]);
    expect(manifest.bin).toBeUndefined();
    const top = installed(join(scratch, 'node_modules'));
    const nested = installed(join(scratch, 'node_modules', 'milvus-snapshot-scheduler', 'node_modules'));
    expect([...top, ...nested].filter((name) => NOT_FOR_DEPLOYERS.includes(name))).toEqual([]);
    expect(
      top.filter(
        (name) =>
          !['aws-cdk-lib', 'constructs', 'zod', 'luxon', 'milvus-snapshot-scheduler'].includes(name) &&
          !name.startsWith('@aws-cdk/'),
      ),
    ).toEqual([]);
  });

  it("type-checks the README's app against the package's declarations, as a nodenext project", async () => {
    const tsc = await typeCheck;
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 180_000);

  it('loads from CommonJS too (require of the ES module, Node.js 22), as apps compiled to CommonJS do', async () => {
    const loaded = await run(
      'require',
      process.execPath,
      ['-e', "process.stdout.write(typeof require('milvus-snapshot-scheduler').MilvusSnapshotScheduler)"],
      scratch,
    );
    expect(loaded.stdout).toBe('function');
  });

  it("synthesizes the README's app: the state machine, and every function from the package's prebundled assets", () => {
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(functionDirectories().length);
    const shipped = new Set(
      functionDirectories().map((d) =>
        readFileSync(
          join(scratch, 'node_modules', 'milvus-snapshot-scheduler', 'dist', 'functions', d, 'index.js'),
          'utf8',
        ),
      ),
    );
    for (const fn of functions) {
      expect(fn.Properties?.Handler).toBe('index.handler');
      const asset = fn.Metadata?.['aws:asset:path'];
      expect(asset).toBeDefined();
      const code = readFileSync(join(scratch, 'cdk.out', asset ?? '', 'index.js'), 'utf8');
      expect(shipped.has(code)).toBe(true);
      expect(existsSync(join(scratch, 'cdk.out', asset ?? '', 'index.js.map'))).toBe(true);
    }
  });

  it('documents the API it ships: docs/API.md is what npm run docs makes from this build', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'API.md'), 'utf8')).toBe(apiReferenceMarkdown(API_MODEL));
  });
});
