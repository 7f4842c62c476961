import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/fixtures';

const CONFIG = join(PROJECT_ROOT, 'test', 'support', 'fixtures', 'file-isolation', 'vitest.config.ts');
const scratch = mkdtempSync(join(tmpdir(), 'file-isolation-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the two probe files in one vitest worker, as the suite runs its files; what each reported. */
function runProbes(withoutSetup: boolean) {
  const log = join(scratch, `${withoutSetup ? 'without' : 'with'}.log`);
  const report = join(scratch, `${withoutSetup ? 'without' : 'with'}.json`);
  const result = spawnSync(
    process.execPath,
    [
      join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--config',
      CONFIG,
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      // The outer run's worker variables would make the inner vitest think it is a worker.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))),
        ISOLATION_PROBE_LOG: log,
        ISOLATION_PROBE_WITHOUT_SETUP: String(withoutSetup),
      },
    },
  );
  const files = (
    JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; status: string }[] }
  ).testResults.map((f) => ({ file: f.name.slice(f.name.lastIndexOf('/') + 1), status: f.status }));
  const processes = new Set(
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[1]),
  );
  return { code: result.status, files, processes: processes.size };
}

describe("each test file's fresh start in a shared worker (test/support/file-isolation.ts)", () => {
  it('gives the second file of a worker none of the state the first left: modules, environment, mocks, timers, globals, Milvus clients', () => {
    const probes = runProbes(false);
    expect(probes.processes).toBe(1);
    expect(probes.files.sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { file: 'first.probe.ts', status: 'passed' },
      { file: 'second.probe.ts', status: 'passed' },
    ]);
    expect(probes.code).toBe(0);
  }, 90_000);

  it('is what keeps them apart: without it, the second file of the worker sees the first one’s state', () => {
    const probes = runProbes(true);
    expect(probes.processes).toBe(1);
    expect(probes.files.map((f) => f.status).sort()).toEqual(['failed', 'passed']);
    expect(probes.code).toBe(1);
  }, 90_000);
});
