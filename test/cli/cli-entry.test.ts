import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-entry-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real entry point the way a user does, in a child process. */
function cli(...args: string[]) {
  return spawnSync('npx', ['tsx', 'bin/cli.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('bin/cli.ts', () => {
  it('runs `retention plan --input <file>` and prints the plan', async () => {
    // Prepare
    const file = join(dir, 'plan.json');
    await writeFile(
      file,
      JSON.stringify({
        now: '2026-11-21T03:00:00Z',
        policy: { keepLast: 1 },
        snapshots: [
          { name: 'new', createdAt: '2026-11-21T03:00:00Z', owned: true, verified: false },
          { name: 'old', createdAt: '2026-11-20T03:00:00Z', owned: true, verified: false },
        ],
      }),
    );

    // Act
    const result = cli('retention', 'plan', '--input', file);

    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      keep: [{ name: 'new', reasons: ['last'] }],
      drop: [{ name: 'old', reason: 'not kept by any rule (keep last 1)' }],
    });
  });

  it('exits with code 2 and a message naming the file and the field, not a stack trace, on a bad policy', async () => {
    // Prepare
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ now: '2026-11-21T03:00:00Z', policy: {}, snapshots: [] }));

    // Act
    const result = cli('retention', 'plan', '--input', file);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}: invalid retention plan input`);
    expect(result.stderr).toContain('$.policy: the retention policy has no keep rule');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bin/cli.ts, AWS commands', () => {
  // node --import tsx rather than npx: stderr must hold the CLI's message and nothing else.

  /** The environment of a machine with no AWS set-up at all. */
  function bareEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    };
    for (const key of [
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_PROFILE',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]) {
      delete env[key];
    }
    return env;
  }

  it('refuses a bad execution input with exit code 2 before touching AWS', () => {
    // Act
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bin/cli.ts', 'start', '--mode', 'weekly'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: bareEnv(),
      },
    );

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: invalid execution input: mode: /);
    expect(result.stderr).toContain('Nothing was started.');
  });

  it('says how to set a region when there is none, exit code 2, no stack trace', () => {
    // Act
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'runs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: bareEnv(),
    });

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile\n',
    );
  });
});
