import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { runLocalCommand } from '../../local/local-command';
import { PROJECT_ROOT } from '../lib/fixtures';

/** Runs `npm run local -- <args>` in-process, in a scratch directory, with the example configuration. */
async function local(args: string[], dir: string, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLocalCommand(
    [
      ...args,
      '--config',
      join(PROJECT_ROOT, 'examples', 'scheduler.config.json'),
      '--runs-dir',
      join(dir, 'runs'),
    ],
    {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env,
      cwd: dir,
    },
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('npm run local', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-command-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a full run on the emulator, shows progress and a summary, writes the report, exits 0', async () => {
    // Act
    const { code, stdout } = await local(['--report-file', 'report.json'], dir);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /Local run of .*full run of every configured collection on the built-in Milvus emulator/,
    );
    expect(stdout).toMatch(/default\.products +snapshot manual_\d{8}_\d{6} \(2000 rows\)/);
    expect(stdout).toMatch(/default\.products +verification: 5\/5 checks passed/);
    expect(stdout).toMatch(/COLLECTION +STATUS +SNAPSHOT/);
    expect(stdout).toMatch(/^SUCCEEDED: 3 succeeded, 0 failed, 0 skipped; 3 snapshot\(s\) created/m);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 2, status: 'SUCCEEDED', mode: 'full' });
  });

  it('starts the run clock when the run starts: the report is dated by the real start, and ends after it', async () => {
    // Prepare: 1,000 run seconds per real second, so time spent starting up would show at once
    const before = Date.now();

    // Act
    const { code } = await local(
      ['--mode', 'backup', '--time-scale', '0.001', '--report-file', 'r.json'],
      dir,
    );
    const after = Date.now();

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    const startedAt = Date.parse(report.startedAt);
    expect(startedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(startedAt).toBeLessThanOrEqual(after);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(startedAt);
    expect(report.runId).toMatch(new RegExp(`^local-${report.startedAt.slice(0, 10).replaceAll('-', '')}T`));
  });

  it('exits 1 when the run fails (a restore fails on the emulator), with --json on stdout', async () => {
    // Prepare
    await writeFile(
      join(dir, 'faults.json'),
      JSON.stringify({
        restore: [{ collection: 'products', outcome: 'failed', reason: 'disk quota exceeded' }],
      }),
    );

    // Act
    const { code, stdout, stderr } = await local(['--faults', 'faults.json', '--json'], dir);

    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'FAILED' });
    expect(stderr).toMatch(/default\.products +restore Failed .*disk quota exceeded/);
  });

  it.each([
    [['--mode', 'weekly'], /argument 'weekly' is invalid. Allowed choices are backup, drill, full/],
    [['--collections', 'default.nope'], /unknown collection "default\.nope"; configured: default\.products/],
    [['--time-scale', '0'], /expected a number greater than 0 and at most 1, got 0/],
    [['--faults', 'missing.json'], /missing\.json/],
  ])('exits 2 on bad usage %j, saying what to fix', async (args, message) => {
    // Act
    const { code, stderr } = await local(args, dir);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  describe('against a Milvus given by address', () => {
    let milvus: RunningMilvusEmulator;
    beforeEach(async () => {
      milvus = await startMilvusEmulator({ seedDemo: true, token: 'root:Right-Token' });
    });
    afterEach(async () => {
      await milvus.stop();
    });

    it('refuses a wrong token before running, exit 2, without printing the token', async () => {
      // Act
      const { code, stdout, stderr } = await local(
        ['--milvus-uri', milvus.address, '--mode', 'backup'],
        dir,
        { MILVUS_TOKEN: 'root:Wrong-Token' },
      );

      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(/Milvus refused the credentials/);
      expect(stdout + stderr).not.toContain('Wrong-Token');
      expect(milvus.inspect.snapshots('default', 'products')).toEqual([]);
    });

    it('backs up a Milvus given with --milvus-uri and --milvus-token, in real time', async () => {
      // Act
      const { code, stdout } = await local(
        ['--milvus-uri', milvus.address, '--milvus-token', 'root:Right-Token', '--mode', 'backup'],
        dir,
      );

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(/on Milvus at 127\.0\.0\.1:\d+, real time/);
      expect(milvus.inspect.snapshots('default', 'products')).toHaveLength(1);
      expect(stdout).not.toContain('Right-Token');
    });
  });
});
