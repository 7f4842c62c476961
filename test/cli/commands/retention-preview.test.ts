import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/program';
import { ManualClock } from '../../../emulator';
import { clusterIdentity } from '../../../functions/shared/contracts/deployment';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { newNonce, SnapshotLedger } from '../../../functions/shared/ledger/snapshot-ledger';
import { connectMilvus } from '../../../functions/shared/milvus/milvus-connection';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import { schemaFingerprint } from '../../../functions/shared/schema-fingerprint';
import { formatSnapshotDescription } from '../../../functions/shared/snapshot-marker';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../../lib/config/deployment-config';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  startFixture,
} from '../../emulator/support/emulator-fixture';
import { memoryIo } from '../cli-test-io';

const TOKEN = 'root:S3cret-preview-token';
const AT = '2026-11-21T04:00:00Z';

let world: EmulatorFixture;
let dir: string;

/** Where the local runner keeps its records: the CLI reads the ledger there by default. */
const runsDir = () => join(dir, '.local-runs');

/** Takes a snapshot of default.products at the clock's time: this deployment's (with its ledger record) or a person's. */
async function snapshot(clock: ManualClock, name: string, at: string, owned: boolean): Promise<void> {
  clock.set(Date.parse(at));
  const milvus = await connectMilvus(
    { address: world.emulator.address, tls: false, timeoutMs: 15_000 },
    TOKEN,
  );
  try {
    const ref = { database: 'default', collection: 'products' };
    const schema = schemaFingerprint((await milvus.describeCollection(ref)).schema);
    const nonce = newNonce();
    const description = owned
      ? formatSnapshotDescription(
          { deployment: DEFAULT_LOCAL_DEPLOYMENT_ID, schedule: 'nightly', rows: 30, schema, nonce },
          { ...ref, slot: new Date(at) },
        )
      : 'taken by hand before the upgrade';
    await milvus.createSnapshot(ref, name, description);
    if (!owned) return;
    const created = await milvus.describeSnapshot(ref, name);
    const scope = {
      deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    await new SnapshotLedger(new FileReportStore(runsDir()), scope).write({
      schemaVersion: 1,
      kind: 'snapshot',
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: 'default',
      collection: 'products',
      snapshotName: name,
      runId: `nightly-${name}`,
      nonce,
      state: 'created',
      intentAt: at,
      createTs: created.createTs,
      createdAt: created.createdAt.toISOString(),
      contents: {
        rows: 30,
        segments: null,
        visibleRows: null,
        sampleKeys: [],
        primaryIsString: false,
        schema,
      },
      updatedBy: `nightly-${name}`,
      updatedAt: at,
    });
  } finally {
    await milvus.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retention-preview-'));
  const clock = new ManualClock(Date.parse('2026-11-17T03:00:00Z'));
  world = await startFixture({ clock, token: TOKEN });
  await createTestCollection(world.client, { name: 'products' });
  await insertRows(world.client, 'products', 1, 30);
  await flush(world.client, 'products');
  await createTestCollection(world.client, { name: 'empty' });
  // In time order: Milvus timestamps (and the emulator's) never go backwards.
  for (const day of [17, 18, 19]) {
    await snapshot(clock, `nightly_202611${day}_030000`, `2026-11-${day}T03:00:00Z`, true);
  }
  await snapshot(clock, 'before_upgrade', '2026-11-19T12:00:00Z', false);
  for (const day of [20, 21]) {
    await snapshot(clock, `nightly_202611${day}_030000`, `2026-11-${day}T03:00:00Z`, true);
  }

  await writeFile(
    join(dir, 'scheduler.config.json'),
    JSON.stringify({
      milvus: { address: world.emulator.address },
      collections: [
        { name: 'products', retention: 'tight', protect: ['nightly_20261117_030000'] },
        { name: 'empty' },
        { name: 'missing' },
      ],
      schedules: {},
      retention: { default: { keepLast: 3 }, tight: { keepLast: 2, timezone: 'UTC' } },
    }),
  );
});

afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  world.emulator.calls.reset();
});

async function preview(...args: string[]) {
  const streams = memoryIo({ cwd: dir });
  const code = await runCli(['retention', 'preview', '--at', AT, ...args], streams.io);
  return { code, stdout: streams.stdout(), stderr: streams.stderr() };
}

describe('retention preview', () => {
  it("prints what the collection's configured policy keeps and drops, with reasons, and changes nothing", async () => {
    // Act
    const run = await preview('--collection', 'products', '--milvus-token', TOKEN);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('using configuration scheduler.config.json\n');
    expect(run.stdout).toBe(
      [
        'default.products: policy "tight" of scheduler.config.json',
        '  keep last 2 (UTC), at least 1',
        '  as of 2026-11-21 04:00:00Z; newest verified snapshot: not given (pass --verified or --reports)',
        '  protected: nightly_20261117_030000',
        'Preview only: nothing is dropped.',
        '',
        'SNAPSHOT                 CREATED               MADE BY                    DECISION  WHY',
        'nightly_20261121_030000  2026-11-21 03:00:00Z  this deployment (nightly)  keep      last',
        'nightly_20261120_030000  2026-11-20 03:00:00Z  this deployment (nightly)  keep      last',
        'before_upgrade           2026-11-19 12:00:00Z  someone else               keep      not made by milvus-snapshot-scheduler',
        'nightly_20261119_030000  2026-11-19 03:00:00Z  this deployment (nightly)  drop      not kept by any rule (keep last 2)',
        'nightly_20261118_030000  2026-11-18 03:00:00Z  this deployment (nightly)  drop      not kept by any rule (keep last 2)',
        'nightly_20261117_030000  2026-11-17 03:00:00Z  this deployment (nightly)  keep      protected',
        '',
        'Would keep 4, drop 2.',
        '',
      ].join('\n'),
    );
    expect(world.emulator.calls.count('DropSnapshot')).toBe(0);
    expect(world.emulator.calls.count('ListSnapshots')).toBe(1);
    const snapshots = await world.client.listSnapshots({ collection_name: 'products' });
    expect(snapshots.snapshots).toHaveLength(6);
  });

  it('skips a snapshot a drill still running holds, as the run would, and says which run', async () => {
    // Prepare: a drill of a run not yet over chose nightly_20261119 (a drop by the policy)
    const scope = {
      deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    const drills = new DrillLedger(new FileReportStore(runsDir()), scope);
    const hold = {
      schemaVersion: 1 as const,
      kind: 'drill' as const,
      ...scope,
      database: 'default',
      drillCollection: 'drill_products_20261121_035500',
      source: { collection: 'products', snapshotName: 'nightly_20261119_030000' },
      runId: 'weekly-drill-1',
      state: 'chosen' as const,
      startedAt: '2026-11-21T03:55:00Z',
      deadline: '2026-11-21T09:55:00Z',
      jobIds: [],
      lostRequests: 0,
      updatedBy: 'weekly-drill-1',
      updatedAt: '2026-11-21T03:55:00Z',
    };
    await drills.write(hold);
    try {
      // Act
      const text = await preview('--collection', 'products', '--milvus-token', TOKEN);
      const json = await preview('--collection', 'products', '--milvus-token', TOKEN, '--json');

      // Assess
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(
        'nightly_20261119_030000  2026-11-19 03:00:00Z  this deployment (nightly)  skip      a restore drill (run weekly-drill-1) is using it; retried next run',
      );
      expect(text.stdout).toContain('Would keep 4, drop 1, skip 1 (in use).');
      expect(JSON.parse(json.stdout)).toMatchObject({
        drop: [{ name: 'nightly_20261118_030000' }],
        skipped: [
          {
            name: 'nightly_20261119_030000',
            reason: 'a restore drill (run weekly-drill-1) is using it; retried next run',
          },
        ],
      });
    } finally {
      await drills.remove(hold);
    }
  });

  it('prints { keep, drop } with --json, the shape `retention plan` prints', async () => {
    // Act
    const run = await preview('--collection', 'default.products', '--milvus-token', TOKEN, '--json');

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      keep: [
        { name: 'nightly_20261121_030000', reasons: ['last'] },
        { name: 'nightly_20261120_030000', reasons: ['last'] },
        { name: 'before_upgrade', reasons: ['not managed'] },
        { name: 'nightly_20261117_030000', reasons: ['protected'] },
      ],
      drop: [
        { name: 'nightly_20261119_030000', reason: 'not kept by any rule (keep last 2)' },
        { name: 'nightly_20261118_030000', reason: 'not kept by any rule (keep last 2)' },
      ],
    });
  });

  it('keeps the newest verified snapshot, named by --verified or read from a report store', async () => {
    // Prepare
    const reports = runsDir();
    const scope = {
      deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    const key = join(reports, ReportKeys.latestVerified(scope, 'default', 'products'));
    await mkdir(dirname(key), { recursive: true });
    await writeFile(
      key,
      JSON.stringify({
        snapshotName: 'nightly_20261118_030000',
        snapshotCreatedAt: '2026-11-18T03:00:00.000Z',
        verifiedAt: '2026-11-18T03:05:00.000Z',
        runId: 'nightly-20261118',
        restoreMs: 1200,
      }),
    );
    vi.stubEnv('MILVUS_TOKEN', TOKEN);

    // Act
    const named = await preview(
      '--collection',
      'products',
      '--verified',
      'nightly_20261119_030000',
      '--json',
    );
    const fromStore = await preview('--collection', 'products', '--reports', '.local-runs', '--json');
    await rm(key);

    // Assess
    expect(JSON.parse(named.stdout).keep).toContainEqual({
      name: 'nightly_20261119_030000',
      reasons: ['newest verified'],
    });
    expect(JSON.parse(fromStore.stdout).keep).toContainEqual({
      name: 'nightly_20261118_030000',
      reasons: ['newest verified'],
    });
  });

  it('previews a policy of your own with --policy, keeping the configured protect list', async () => {
    // Act
    const run = await preview(
      '--collection',
      'products',
      '--milvus-token',
      TOKEN,
      '--policy',
      '{"keepDaily": 4, "timezone": "Europe/Paris"}',
      '--json',
    );

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      keep: [
        { name: 'nightly_20261121_030000', reasons: ['daily'] },
        { name: 'nightly_20261120_030000', reasons: ['daily'] },
        { name: 'before_upgrade', reasons: ['not managed'] },
        { name: 'nightly_20261119_030000', reasons: ['daily'] },
        { name: 'nightly_20261118_030000', reasons: ['daily'] },
        { name: 'nightly_20261117_030000', reasons: ['protected'] },
      ],
      drop: [],
    });
  });

  it('says when a collection has no snapshots', async () => {
    // Act
    const run = await preview('--collection', 'empty', '--milvus-token', TOKEN);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The collection has no snapshots.\n');
  });

  describe('errors', () => {
    it('a refused token: exit code 2, and the token is never printed', async () => {
      // Act
      const run = await preview('--collection', 'products', '--milvus-token', 'root:wrong-token-123');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: Milvus at ${world.emulator.address} refused the credentials`);
      expect(run.stderr).toContain('Check --milvus-token or MILVUS_TOKEN');
      expect(run.stderr + run.stdout).not.toContain('wrong-token-123');
      expect(run.stderr + run.stdout).not.toContain(TOKEN);
    });

    it('a collection that is not in the configuration: exit code 2, naming the configured ones', async () => {
      // Act
      const run = await preview('--collection', 'analytics.events', '--milvus-token', TOKEN);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'error: collection analytics.events is not in scheduler.config.json ' +
          '(configured: default.products, default.empty, default.missing); pass --policy',
      );
      expect(world.emulator.calls.count()).toBe(0);
    });

    it("a collection a selector covers: its selector's policy; one it excludes: exit code 2, saying so", async () => {
      // Prepare: a configuration that takes every collection of default but the empty one, by pattern
      await writeFile(
        join(dir, 'selectors.json'),
        JSON.stringify({
          milvus: { address: world.emulator.address },
          selectors: [{ match: '*', exclude: ['empty'], retention: 'tight' }],
          schedules: {},
          retention: { default: { keepLast: 3 }, tight: { keepLast: 2, timezone: 'UTC' } },
        }),
      );

      // Act
      const covered = await preview(
        '--collection',
        'products',
        '--config',
        'selectors.json',
        '--milvus-token',
        TOKEN,
      );
      const excluded = await preview(
        '--collection',
        'empty',
        '--config',
        'selectors.json',
        '--milvus-token',
        TOKEN,
      );

      // Assess
      expect(covered.code).toBe(0);
      expect(covered.stdout).toContain(
        'default.products: policy "tight" of selectors.json (selector 1: default.* except empty)\n',
      );
      // Named entries' protect does not apply: the baseline the named entry protects is dropped here
      expect(covered.stdout).toContain('Would keep 3, drop 3.');
      expect(excluded.code).toBe(2);
      expect(excluded.stderr).toContain(
        'error: collection default.empty is not in selectors.json (configured: selector default.* except empty; selector 1 excludes it ("empty")); pass --policy',
      );
    });

    it('a configured collection Milvus does not have: exit code 2', async () => {
      // Act
      const run = await preview('--collection', 'missing', '--milvus-token', TOKEN);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^using configuration scheduler\.config\.json\nerror: .*default\.missing/);
    });

    it('a bad --policy: exit code 2 with the JSON path, before any Milvus call', async () => {
      // Act
      const run = await preview('--collection', 'products', '--policy', '{"keepDaily": -1}');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: --policy: invalid retention policy\n');
      expect(run.stderr).toContain('  $.keepDaily: keepDaily must be a whole number of 0 or more, got -1');
      expect(world.emulator.calls.count()).toBe(0);
    });

    it('a bad --at: exit code 2', async () => {
      // Act
      const run = await preview('--collection', 'products', '--at', '2026-11-21 04:00');

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("option '--at <time>' argument '2026-11-21 04:00' is invalid");
    });

    it('no configuration and no --policy: exit code 2, saying where it looked', async () => {
      // Prepare
      const streams = memoryIo({ cwd: tmpdir() });

      // Act
      const code = await runCli(
        ['retention', 'preview', '--collection', 'products', '--config', 'nope.json'],
        streams.io,
      );

      // Assess
      expect(code).toBe(2);
      expect(streams.stderr()).toContain('nope.json');
      expect(streams.stderr()).toContain('the file does not exist');
    });
  });
});
