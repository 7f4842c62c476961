import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs bin/app.ts the way the CDK CLI does: context and output directory through the environment. */
function synth(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  const result = spawnSync(TSX, ['bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      SNAPSHOT_SCHEDULER_CONFIG: '',
      ...env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
    },
  });
  return { ...result, outdir };
}

describe('bin/app.ts', () => {
  it('synthesizes the stack from the example configuration, with no AWS account and no lookups', () => {
    const { status, stderr, outdir } = synth({});
    expect(stderr).not.toContain('Error');
    expect(status).toBe(0);
    const template = JSON.parse(
      readFileSync(join(outdir, 'MilvusSnapshotScheduler.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(
      Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine'),
    ).toHaveLength(1);
    const manifest = readFileSync(join(outdir, 'manifest.json'), 'utf8');
    expect(manifest).toContain('"environment": "aws://unknown-account/unknown-region"');
    expect(manifest).not.toContain('missing');
  });

  it('reads the configuration named by -c config=... and the stack name by -c stackName=...; -c acknowledgeWarnings=... silences a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdk-config-'));
    const config = JSON.parse(readFileSync(join(ROOT, 'examples', 'scheduler.config.json'), 'utf8')) as {
      schedules: Record<string, unknown>;
    };
    // A schedule that fires once has no interval to alarm on: the construct warns about it.
    const schedules = { ...config.schedules, yearly: { cron: 'cron(0 3 1 1 ? 2027)', mode: 'full' } };
    writeFileSync(
      join(dir, 'mine.json'),
      JSON.stringify({ ...config, schedules, mapConcurrency: 3, $schema: undefined }),
    );
    const { status, outdir } = synth({
      config: join(dir, 'mine.json'),
      stackName: 'StagingSnapshots',
      acknowledgeWarnings: 'milvus-snapshot-scheduler:freshness',
    });
    expect(status).toBe(0);
    const template = readFileSync(join(outdir, 'StagingSnapshots.template.json'), 'utf8');
    expect(template).toContain('\\"MaxConcurrency\\":3');
    expect(existsSync(join(outdir, 'MilvusSnapshotScheduler.template.json'))).toBe(false);
    // Where the CDK CLI reads the warnings it prints: the yearly schedule's is gone, the alarms are not.
    const metadata = readFileSync(join(outdir, 'StagingSnapshots.metadata.json'), 'utf8');
    expect(metadata).not.toContain("schedule 'yearly' gets no freshness alarm");
    expect(template).toContain('SchedulerSchedulesScheduleyearly');
  });

  it('stops with a message naming the field and the value, not a stack trace, when the configuration is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdk-config-'));
    const config = JSON.parse(readFileSync(join(ROOT, 'examples', 'scheduler.config.json'), 'utf8')) as {
      schedules: Record<string, Record<string, unknown>>;
    };
    config.schedules.nightly = { ...config.schedules.nightly, cron: 'cron(0 3 * * * *)' };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(config));
    const { status, stderr } = synth({}, { SNAPSHOT_SCHEDULER_CONFIG: join(dir, 'bad.json') });
    expect(status).toBe(1);
    expect(stderr).toContain('invalid configuration');
    expect(stderr).toContain('$.schedules.nightly.cron: cron day-of-month "*" and day-of-week "*"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
