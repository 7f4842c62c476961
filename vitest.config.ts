import { defineConfig } from 'vitest/config';
import { PackageFirstSequencer } from './test/support/package-first-sequencer';

/**
 * Files that assert what a whole process holds after a run (which async hooks the X-Ray SDK
 * installed when the handlers were first imported): each in a process of its own, as
 * `npm run local` is, since a worker's earlier files would have imported the handlers already.
 */
const FRESH_PROCESS = ['test/local/out-of-process-run.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    // Emulator-backed tests open real gRPC sockets; give them room on a busy 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single one on a 2-core machine, which
    // then sits idle while a test waits on gRPC, a child process or a scaled clock. Two keep both
    // cores busy (measured in the README, Development).
    maxWorkers: 2,
    // Temporary files of the whole run live in one directory, removed at the end (see the file).
    globalSetup: ['test/support/scratch-tmpdir.ts'],
    // A worker runs many files and loads the libraries once; each file still gets the project's
    // modules, the environment and the AWS SDK clients afresh (see test/support/file-isolation.ts).
    isolate: false,
    setupFiles: [
      'test/support/file-isolation.ts',
      // One parsed copy of the Milvus SDK's protocol per test process, not one per client (see the file).
      'test/support/shared-sdk-protocol.ts',
    ],
    restoreMocks: true,
    // Handlers log and emit metrics through Powertools; keep test output to what failed.
    // A test that asserts on log lines raises the level itself before importing a handler.
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // The CDK validates every synthesized template against CloudFormation's rules (WebAssembly,
      // 2 to 8 s of CPU per synthesis, and the suite synthesizes hundreds of times).
      // test/lib/cloudformation-validation.test.ts runs it, strictly, on the stacks users deploy.
      CDK_VALIDATION: 'false',
    },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: FRESH_PROCESS } },
      { extends: true, test: { name: 'fresh-process', include: FRESH_PROCESS, isolate: true } },
    ],
    // The package test's child processes wait on npm and the disk for most of its two minutes: it
    // starts first, beside everything else (see the file).
    sequence: { sequencer: PackageFirstSequencer },
  },
});
