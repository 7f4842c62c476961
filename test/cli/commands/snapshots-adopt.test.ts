import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectionRecoveryPoints } from '../../../cli/commands/snapshots';
import { runCli } from '../../../cli/program';
import { ManualClock } from '../../../emulator';
import { clusterIdentity } from '../../../functions/shared/contracts/deployment';
import { newNonce, SnapshotLedger } from '../../../functions/shared/ledger/snapshot-ledger';
import { connectMilvus } from '../../../functions/shared/milvus/milvus-connection';
import type { CollectionRef, MilvusGateway } from '../../../functions/shared/milvus/milvus-gateway';
import {
  FileReportStore,
  type RecordScope,
  ReportKeys,
} from '../../../functions/shared/reports/report-store';
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

/**
 * `snapshots adopt` on the emulator: an upgrade from a release before the ledger, where the
 * collection holds that release's snapshots (version 1 markers), a person's snapshot, a forged
 * version 1 marker dated after the upgrade, and version 2 markers copied or made elsewhere.
 */

const TOKEN = 'root:Adopt-secret-token';
const REF: CollectionRef = { database: 'default', collection: 'products' };
const OLD = ['daily_20261101_030000', 'daily_20261102_030000', 'daily_20261103_030000'];

let world: EmulatorFixture;
let milvus: MilvusGateway;
let dir: string;
let clock: ManualClock;
let scope: RecordScope;
let schema: string;

const ledger = () => new SnapshotLedger(new FileReportStore(dir), scope);
const v1 = (rows: number) =>
  `Scheduled snapshot of default.products. [milvus-snapshot-scheduler v1 schedule=daily rows=${rows} schema=${schema}]`;

async function snapshotAt(at: string, name: string, description: string): Promise<void> {
  clock.set(Date.parse(at));
  await milvus.createSnapshot(REF, name, description);
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(
    [
      ...args,
      '--collection',
      'default.products',
      '--milvus-uri',
      world.emulator.address,
      '--milvus-token',
      TOKEN,
      '--reports',
      dir,
    ],
    io.io,
  );
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshots-adopt-'));
  clock = new ManualClock(Date.parse('2026-11-01T03:00:00Z'));
  world = await startFixture({ clock, token: TOKEN });
  await createTestCollection(world.client, { name: 'products' });
  await insertRows(world.client, 'products', 1, 30);
  await flush(world.client, 'products');
  milvus = await connectMilvus({ address: world.emulator.address, tls: false, timeoutMs: 15_000 }, TOKEN);
  scope = {
    deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
    clusterKey: clusterIdentity(world.emulator.address).key,
  };
  schema = schemaFingerprint((await milvus.describeCollection(REF)).schema);

  // Before the upgrade: the old release's nightly snapshots, and one a person took.
  for (const [i, name] of OLD.entries()) await snapshotAt(`2026-11-0${i + 1}T03:00:00Z`, name, v1(30));
  await snapshotAt('2026-11-03T12:00:00Z', 'by_hand', 'before the schema change');
  // The upgrade: the first run of this release records its snapshot in the ledger.
  const nonce = newNonce();
  await snapshotAt(
    '2026-11-04T03:00:00Z',
    'daily_20261104_030000',
    formatSnapshotDescription(
      { deployment: scope.deploymentId, schedule: 'daily', rows: 30, schema, nonce },
      { ...REF, slot: new Date('2026-11-04T03:00:00Z') },
    ),
  );
  const made = await milvus.describeSnapshot(REF, 'daily_20261104_030000');
  await ledger().write({
    schemaVersion: 1,
    kind: 'snapshot',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    ...REF,
    snapshotName: made.name,
    runId: 'daily-20261104',
    nonce,
    state: 'created',
    intentAt: '2026-11-04T03:00:00.000Z',
    createTs: made.createTs,
    createdAt: made.createdAt.toISOString(),
    contents: { rows: 30, segments: null, visibleRows: null, sampleKeys: [], primaryIsString: false, schema },
    updatedBy: 'daily-20261104',
    updatedAt: '2026-11-04T03:00:01.000Z',
  });
  // After it: a look-alike with a version 1 marker, and version 2 markers this ledger does not hold.
  await snapshotAt('2026-11-05T03:00:00Z', 'daily_20261105_030000', v1(30));
  await snapshotAt('2026-11-05T04:00:00Z', 'copied_marker', made.description);
  await snapshotAt(
    '2026-11-05T05:00:00Z',
    'theirs',
    made.description.replace(`deployment=${scope.deploymentId}`, 'deployment=staging.eu-west-1'),
  );
});

afterEach(async () => {
  await milvus.close();
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function owners(): Promise<Record<string, string>> {
  const listed = await cli('snapshots', 'list', '--json');
  expect(listed.code).toBe(0);
  const [products] = (JSON.parse(listed.stdout) as { collections: CollectionRecoveryPoints[] }).collections;
  return Object.fromEntries(products?.snapshots.map((s) => [s.name, s.owner.kind]) ?? []);
}

describe('snapshots adopt', () => {
  it("shows, then adopts, the old release's snapshots made before the ledger began, and nothing else", async () => {
    // Act
    const preview = await cli('snapshots', 'adopt', '--before-ledger');
    const untouched = await owners();
    const adopted = await cli('snapshots', 'adopt', '--before-ledger', '--yes');

    // Assess
    expect(preview.code).toBe(0);
    for (const name of OLD) expect(preview.stdout).toContain(name);
    expect(preview.stdout).not.toContain('daily_20261105_030000');
    expect(preview.stdout).toContain('Nothing was changed: pass --yes to adopt 3 snapshot(s).');
    expect(untouched[OLD[0] ?? '']).toBe('none');
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain('Adopted 3 of 3');
    expect(await owners()).toEqual({
      [OLD[0] ?? '']: 'this deployment',
      [OLD[1] ?? '']: 'this deployment',
      [OLD[2] ?? '']: 'this deployment',
      by_hand: 'none',
      daily_20261104_030000: 'this deployment',
      daily_20261105_030000: 'none',
      copied_marker: 'none',
      theirs: 'another deployment',
    });
    expect(`${preview.stderr}${adopted.stderr}`).not.toContain(TOKEN);
  }, 60_000);

  it.each([
    ['by_hand', 'not made by milvus-snapshot-scheduler'],
    ['daily_20261105_030000', "after this deployment's ledger began"],
    ['theirs', 'made by deployment staging.eu-west-1'],
    ['copied_marker', 'its marker is a copy of the one of daily_20261104_030000'],
    ['daily_20261104_030000', "already in this deployment's ledger"],
    ['nope', 'no such snapshot'],
  ])(
    'refuses to adopt %s, and changes nothing',
    async (name, why) => {
      // Prepare
      const before = (await ledger().list('default', 'products')).records.length;

      // Act
      const refused = await cli('snapshots', 'adopt', '--snapshot', name, OLD[0] ?? '', '--yes');

      // Assess
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${name}: `);
      expect(refused.stderr).toContain(why);
      expect(refused.stderr).toContain('Nothing was changed.');
      expect((await ledger().list('default', 'products')).records).toHaveLength(before);
    },
    60_000,
  );

  it('still refuses a version 1 marker dated after the upgrade once retention has removed the first records', async () => {
    // Prepare: the ledger began through a run (its first intent records when), then retention
    // dropped that snapshot and removed its record; a later run recorded another one.
    const first = await ledger().read('default', 'products', 'daily_20261104_030000');
    if (!first) throw new Error('the setup recorded daily_20261104_030000');
    await ledger().remove(first);
    expect(await ledger().create(first)).toBe(true);
    await ledger().remove(first);
    await milvus.dropSnapshot(REF, 'daily_20261104_030000');
    const nonce = newNonce();
    await snapshotAt(
      '2026-11-06T03:00:00Z',
      'daily_20261106_030000',
      formatSnapshotDescription(
        { deployment: scope.deploymentId, schedule: 'daily', rows: 30, schema, nonce },
        { ...REF, slot: new Date('2026-11-06T03:00:00Z') },
      ),
    );
    const later = await milvus.describeSnapshot(REF, 'daily_20261106_030000');
    expect(
      await ledger().create({
        ...first,
        snapshotName: later.name,
        runId: 'daily-20261106',
        nonce,
        intentAt: '2026-11-06T03:00:00.000Z',
        createTs: later.createTs,
        createdAt: later.createdAt.toISOString(),
      }),
    ).toBe(true);

    // Act
    const preview = await cli('snapshots', 'adopt', '--before-ledger');
    const named = await cli('snapshots', 'adopt', '--snapshot', 'daily_20261105_030000');

    // Assess: the forged marker of 11-05 is still after the ledger began, on 11-04
    expect(preview.code).toBe(0);
    for (const name of OLD) expect(preview.stdout).toContain(name);
    expect(preview.stdout).not.toContain('daily_20261105_030000');
    expect(named.code).toBe(2);
    expect(named.stderr).toContain("after this deployment's ledger began (2026-11-04 03:00:00Z)");
  }, 60_000);

  it("refuses a snapshot whose marker was copied from this deployment's snapshot of another collection", async () => {
    // Prepare: orders has a snapshot of this deployment; its description is copied onto one of products
    const ORDERS: CollectionRef = { database: 'default', collection: 'orders' };
    await createTestCollection(world.client, { name: 'orders' });
    const nonce = newNonce();
    const description = formatSnapshotDescription(
      { deployment: scope.deploymentId, schedule: 'daily', rows: 0, schema, nonce },
      { ...ORDERS, slot: new Date('2026-11-05T03:00:00Z') },
    );
    clock.set(Date.parse('2026-11-05T03:00:00Z'));
    await milvus.createSnapshot(ORDERS, 'daily_20261105_030000', description);
    const made = await milvus.describeSnapshot(ORDERS, 'daily_20261105_030000');
    const [upgrade] = (await ledger().list('default', 'products')).records;
    if (!upgrade) throw new Error('the upgrade record is missing');
    await ledger().write({
      ...upgrade,
      ...ORDERS,
      snapshotName: made.name,
      nonce,
      createTs: made.createTs,
      createdAt: made.createdAt.toISOString(),
    });
    await snapshotAt('2026-11-05T06:00:00Z', 'from_orders', description);

    // Act
    const refused = await cli('snapshots', 'adopt', '--snapshot', 'from_orders', '--yes');

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'from_orders: its marker is a copy of the one of default.orders.daily_20261105_030000',
    );
    expect((await owners()).from_orders).toBe('none');
  }, 60_000);

  it('adopts a named snapshot whose record was lost, with a warning that markers can be copied', async () => {
    // Prepare: the record of the first snapshot after the upgrade is lost
    await ledger().remove({ ...REF, snapshotName: 'daily_20261104_030000' });

    // Act
    const adopted = await cli('snapshots', 'adopt', '--snapshot', 'daily_20261104_030000', '--yes');

    // Assess
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain('A marker can be copied');
    expect((await owners()).daily_20261104_030000).toBe('this deployment');
  }, 60_000);

  it('stops counting an adopted snapshot as ours once it is dropped and re-created under its name', async () => {
    // Prepare
    expect((await cli('snapshots', 'adopt', '--snapshot', OLD[0] ?? '', '--yes')).code).toBe(0);

    // Act: someone drops it and takes a new snapshot of that name, with the same description
    await milvus.dropSnapshot(REF, OLD[0] ?? '');
    await snapshotAt('2026-11-06T03:00:00Z', OLD[0] ?? '', v1(30));

    // Assess
    expect((await owners())[OLD[0] ?? '']).toBe('none');
  }, 60_000);

  it('needs the snapshots named, or --before-ledger', async () => {
    // Act
    const bare = await cli('snapshots', 'adopt');

    // Assess
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('name the snapshots to adopt with --snapshot, or pass --before-ledger');
  });
});

describe('snapshots list', () => {
  it('never shows the drill of a dropped snapshot against a new one that took its name', async () => {
    // Prepare: this deployment's snapshot passed a drill; someone drops it and takes another of that name
    const name = 'daily_20261104_030000';
    const { description } = await milvus.describeSnapshot(REF, name);
    await new FileReportStore(dir).putJson(ReportKeys.snapshotDrill(scope, 'default', 'products', name), {
      schemaVersion: 1,
      snapshotName: name,
      kind: 'drill',
      runId: 'weekly-drill',
      at: '2026-11-04T03:10:00.000Z',
      verified: true,
      state: 'RestoreSnapshotCompleted',
      restoreMs: 1000,
      restoredRows: 30,
    });
    await milvus.dropSnapshot(REF, name);
    await snapshotAt('2026-11-06T03:00:00Z', name, description);

    // Act
    const listed = await cli('snapshots', 'list', '--json');

    // Assess
    expect(listed.code).toBe(0);
    const [products] = (JSON.parse(listed.stdout) as { collections: CollectionRecoveryPoints[] }).collections;
    expect(products?.snapshots.find((s) => s.name === name)).toMatchObject({
      owner: { kind: 'none' },
      lastDrill: null,
    });
  }, 60_000);
});
