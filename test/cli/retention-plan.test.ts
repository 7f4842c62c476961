import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program';
import { planRetention, type RetentionPlanInput } from '../../functions/enforce-retention/retention-planner';
import { memoryIo } from './cli-test-io';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

const CASE: RetentionPlanInput = {
  now: '2026-11-21T03:00:00Z',
  policy: { keepLast: 1, keepDaily: 2 },
  snapshots: [
    { name: 'daily_20261121_030000', createdAt: '2026-11-21T03:00:00Z', owned: true, verified: false },
    { name: 'daily_20261120_030000', createdAt: '2026-11-20T03:00:00Z', owned: true, verified: false },
    { name: 'daily_20261119_030000', createdAt: '2026-11-19T03:00:00Z', owned: true, verified: false },
    { name: 'someone_elses', createdAt: '2026-11-18T03:00:00Z', owned: false, verified: false },
  ],
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retention-plan-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string): Promise<string> {
  await writeFile(join(dir, name), content);
  return name;
}

describe('retention plan', () => {
  it('prints the plan of one case as JSON on stdout', async () => {
    // Prepare
    const file = await fileWith('plan.json', JSON.stringify(CASE));
    const streams = memoryIo({ cwd: dir });

    // Act
    const code = await runCli(['retention', 'plan', '--input', file], streams.io);

    // Assess
    expect(code).toBe(0);
    expect(streams.stderr()).toBe('');
    expect(JSON.parse(streams.stdout())).toEqual({
      keep: [
        { name: 'daily_20261121_030000', reasons: ['last', 'daily'] },
        { name: 'daily_20261120_030000', reasons: ['daily'] },
        { name: 'someone_elses', reasons: ['not managed'] },
      ],
      drop: [{ name: 'daily_20261119_030000', reason: 'not kept by any rule (keep last 1, 2 daily)' }],
    });
  });

  it('prints an array of plans, in order, for an array of cases', async () => {
    // Prepare
    const other: RetentionPlanInput = { ...CASE, policy: { keepLast: 3 }, protect: [] };
    const file = await fileWith('cases.json', JSON.stringify([CASE, other]));
    const streams = memoryIo({ cwd: dir });

    // Act
    const code = await runCli(['retention', 'plan', '-i', file], streams.io);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(streams.stdout())).toEqual([planRetention(CASE), planRetention(other)]);
  });

  it('reads the case from stdin with --input -', async () => {
    // Prepare
    const streams = memoryIo({ cwd: dir, stdin: JSON.stringify(CASE) });

    // Act
    const code = await runCli(['retention', 'plan', '--input', '-'], streams.io);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(streams.stdout())).toEqual(planRetention(CASE));
  });

  it('plans the README example (examples/retention-plan.json) relative to the working directory', async () => {
    // Prepare
    const streams = memoryIo({ cwd: REPO_ROOT });

    // Act
    const code = await runCli(['retention', 'plan', '--input', 'examples/retention-plan.json'], streams.io);

    // Assess
    expect(code).toBe(0);
    const plan: { keep: { name: string; reasons: string[] }[] } = JSON.parse(streams.stdout());
    expect(plan.keep).toContainEqual({ name: 'manual_before_upgrade', reasons: ['not managed'] });
    expect(plan.keep).toContainEqual({
      name: 'daily_20261121_030000',
      reasons: ['last', 'daily', 'weekly', 'monthly', 'just created'],
    });
    expect(plan.keep).toContainEqual({ name: 'daily_20261024_030000', reasons: ['protected'] });
  });

  describe('errors: exit code 2, a message naming the file, the JSON path and the value, no stack trace', () => {
    it('refuses an invalid policy', async () => {
      // Prepare
      const file = await fileWith(
        'bad-policy.json',
        JSON.stringify({ ...CASE, policy: { keepDaily: -1, timezone: 'Mars/Olympus' } }),
      );
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', file], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stdout()).toBe('');
      expect(streams.stderr()).toBe(
        [
          'error: bad-policy.json: invalid retention plan input, nothing was planned',
          '  $.policy.keepDaily: keepDaily must be a whole number of 0 or more, got -1',
          '  $.policy.timezone: timezone must be an IANA time zone name such as "Europe/Paris" or "UTC", got "Mars/Olympus"',
          '',
        ].join('\n'),
      );
    });

    it('locates a bad field inside an array of cases, and plans none of them', async () => {
      // Prepare
      const bad = { ...CASE, snapshots: [{ name: 'x', createdAt: 'yesterday', owned: true }] };
      const file = await fileWith('bad-cases.json', JSON.stringify([CASE, bad]));
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', file], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stdout()).toBe('');
      expect(streams.stderr()).toContain('bad-cases.json');
      expect(streams.stderr()).toContain('$[1].snapshots[0].createdAt: createdAt must be');
      expect(streams.stderr()).toContain('got "yesterday"');
    });

    it('refuses duplicate snapshot names and a misspelt key', async () => {
      // Prepare
      const first = CASE.snapshots[0];
      const file = await fileWith(
        'dup.json',
        JSON.stringify({ ...CASE, protected: ['a'], snapshots: [...CASE.snapshots, first] }),
      );
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', file], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toContain(
        '$.snapshots[4].name: duplicate snapshot name "daily_20261121_030000" (also at snapshots[0])',
      );
      expect(streams.stderr()).toContain('$.protected: the plan input has unknown key "protected"');
    });

    it('refuses a document that is not a plan case', async () => {
      // Prepare
      const file = await fileWith('number.json', '42');
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', file], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toContain(
        '  $: the plan input must be an object with the keys now, policy, snapshots',
      );
      expect(streams.stderr()).toContain('got 42');
    });

    it('reports a file that does not exist', async () => {
      // Prepare
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', 'missing.json'], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toBe('error: cannot read missing.json: no such file\n');
    });

    it('reports a file that is not JSON, with the position', async () => {
      // Prepare
      const file = await fileWith(
        'broken.json',
        '{ "now": "2026-11-21T03:00:00Z",\n  "policy": { keepLast: 1 } }',
      );
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan', '--input', file], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toMatch(/^error: broken\.json is not valid JSON: .*line 2 column 15/);
      expect(streams.stderr()).not.toMatch(/\n\s+at /);
    });

    it('reports a missing --input as a usage error', async () => {
      // Prepare
      const streams = memoryIo({ cwd: dir });

      // Act
      const code = await runCli(['retention', 'plan'], streams.io);

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toContain("required option '-i, --input <file>' not specified");
    });
  });

  it('documents itself in --help, on stdout, with exit code 0', async () => {
    // Prepare
    const streams = memoryIo({ cwd: dir });

    // Act
    const code = await runCli(['retention', 'plan', '--help'], streams.io);

    // Assess
    expect(code).toBe(0);
    expect(streams.stdout()).toContain('-i, --input <file>');
    expect(streams.stdout()).toContain('or - for stdin');
  });
});
