import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/program';
import { clusterIdentity } from '../../../functions/shared/contracts/deployment';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { FileReportStore } from '../../../functions/shared/reports/report-store';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../../lib/config/deployment-config';
import {
  createTestCollection,
  type EmulatorFixture,
  startFixture,
} from '../../emulator/support/emulator-fixture';
import { memoryIo } from '../cli-test-io';

const TOKEN = 'root:S3cret-coverage-token';

let world: EmulatorFixture;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coverage-'));
  world = await startFixture({ token: TOKEN });
  for (const name of [
    'orders',
    'users',
    'tmp_scratch',
    'drill_orders_20261120_030000',
    'orders_restored_20261120_040000',
  ]) {
    await createTestCollection(world.client, { name });
  }
  await world.client.createDatabase({ db_name: 'analytics' });
  for (const name of ['events', 'clicks'])
    await createTestCollection(world.client, { name, database: 'analytics' });
  const scope = {
    deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
    clusterKey: clusterIdentity(world.emulator.address).key,
  };
  await new DrillLedger(new FileReportStore(join(dir, '.local-runs')), scope, 'restore').create({
    schemaVersion: 1,
    kind: 'restore',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    database: 'default',
    drillCollection: 'orders_restored_20261120_040000',
    source: { collection: 'orders', snapshotName: 'manual_20261120_030000' },
    runId: 'a-restore',
    state: 'kept',
    startedAt: '2026-11-20T04:00:00.000Z',
    deadline: '2026-11-20T16:00:00.000Z',
    jobIds: ['1'],
    lostRequests: 0,
    updatedBy: 'a-restore',
    updatedAt: '2026-11-20T04:10:00.000Z',
  });
  await writeFile(
    join(dir, 'scheduler.config.json'),
    JSON.stringify({
      milvus: { address: world.emulator.address },
      collections: [{ database: 'analytics', name: 'events' }, { name: 'gone' }],
      selectors: [{ match: '*', exclude: ['tmp_*'] }],
      schedules: {},
      retention: { default: { keepLast: 3 } },
    }),
  );
});

afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function coverage(...args: string[]) {
  const streams = memoryIo({ cwd: dir });
  const code = await runCli(['coverage', '--milvus-token', TOKEN, ...args], streams.io);
  return { code, stdout: streams.stdout(), stderr: streams.stderr() };
}

describe('coverage', () => {
  it('prints what a run would back up and how, and what it leaves out and why, running nothing', async () => {
    // Prepare
    world.emulator.calls.reset();

    // Act
    const run = await coverage();

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'Databases looked at: analytics, default',
        '',
        'Backed up: 4 collections (2 by name, 2 by selector)',
        'COLLECTION        HOW                                  RETENTION',
        'analytics.events  by name                              default',
        'default.gone      by name                              default',
        'default.orders    selector 1 (default.* except tmp_*)  default',
        'default.users     selector 1 (default.* except tmp_*)  default',
        '',
        'Not backed up, covered by nothing: 1',
        '  analytics.clicks',
        '',
        'Configured but not in Milvus: 1',
        '  default.gone: configured by name, but Milvus has no such collection',
        '',
        'Skipped on purpose: 3',
        "  default.drill_orders_20261120_030000: named like a drill collection (drill_<collection>_<stamp>): a drill copy, this deployment's or another's, is not a thing to back up",
        '  default.orders_restored_20261120_040000: the new collection of an operator restore of this deployment (its ledger records it): list it in collections by name to back it up',
        '  default.tmp_scratch: excluded by selector 1 (default.* except tmp_*): it matches "tmp_*"',
        '',
      ].join('\n'),
    );
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const changing = world.emulator.calls.entries
      .map((c) => c.method)
      .filter((method) => !/^(List|Show|Describe|Has|Get|Connect)/.test(method));
    expect(changing).toEqual([]);
    expect(world.emulator.calls.count('ListDatabases')).toBe(1);
  });

  it('prints the same as JSON', async () => {
    const run = await coverage('--json');
    const parsed = JSON.parse(run.stdout);
    expect(parsed.coverage.unprotected).toEqual([{ database: 'analytics', collection: 'clicks' }]);
    expect(
      parsed.selected.map((s: { collection: string; selection: { by: string } }) => [
        s.collection,
        s.selection.by,
      ]),
    ).toEqual([
      ['events', 'name'],
      ['gone', 'name'],
      ['orders', 'selector'],
      ['users', 'selector'],
    ]);
  });

  it("lets snapshots list show the collections the selectors match, beside those named, never the tool's own", async () => {
    // Act
    const streams = memoryIo({ cwd: dir });
    const code = await runCli(['snapshots', 'list', '--json', '--milvus-token', TOKEN], streams.io);

    // Assess
    expect(code, streams.stderr()).toBe(0);
    const listed = JSON.parse(streams.stdout()).collections as {
      database: string;
      collection: string;
      policy?: unknown;
    }[];
    expect(listed.map((c) => `${c.database}.${c.collection}`)).toEqual([
      'analytics.events',
      'default.gone',
      'default.orders',
      'default.users',
    ]);
  });

  it('says what to fix when Milvus cannot be reached', async () => {
    const streams = memoryIo({ cwd: dir });
    const code = await runCli(['coverage', '--milvus-uri', '127.0.0.1:1'], streams.io);
    expect(code).not.toBe(0);
    expect(streams.stderr()).toMatch(/error: .*127\.0\.0\.1:1/);
    expect(streams.stderr().trim().split('\n').at(-1)?.startsWith('error:')).toBe(true);
  });
});
