import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import type { CollectionResult, RunReport } from '../../functions/shared/contracts/run-report';
import { newNonce } from '../../functions/shared/ledger/snapshot-ledger';
import { connectMilvus } from '../../functions/shared/milvus/milvus-connection';
import type { MilvusGateway } from '../../functions/shared/milvus/milvus-gateway';
import { FileReportStore, ReportKeys } from '../../functions/shared/reports/report-store';
import { formatSnapshotDescription } from '../../functions/shared/snapshot-marker';
import { snapshotName } from '../../functions/shared/snapshot-naming';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../lib/config/deployment-config';
import type { VirtualClock } from '../../local/local-clock';
import type { LocalRunResult } from '../../local/run-local';
import { createTestCollection, insertRows } from '../emulator/support/emulator-fixture';
import { exampleWith } from '../lib/fixtures';
import { type LocalWorld, startLocalWorld } from './support/local-world';

/**
 * Ownership and honest reports, end to end: the synthesized state machine run by the local runner
 * against an emulator shared with neighbours (a person's collections and snapshots, another
 * deployment's, forged markers) and with replies lost or late on the mutating calls. What Milvus
 * holds afterwards is compared with what each report says.
 */

const PRODUCTS = { database: 'default', collection: 'products' };
/** Keep only the newest snapshot, so every run's retention has something of ours to drop. */
const CONFIG = exampleWith({ retention: { default: { keepLast: 1 }, busy: { keepLast: 1 } } as never });

function reportOf(result: LocalRunResult): RunReport {
  if (!result.report) throw new Error(`the run produced no report: ${JSON.stringify(result.error)}`);
  return result.report;
}

function entry(report: RunReport, key: string): CollectionResult {
  const found = report.collections.find((c) => `${c.database}.${c.collection}` === key);
  if (!found) throw new Error(`${key} is not in the report`);
  return found;
}

describe('ownership and honest reports on a shared Milvus', () => {
  let world: LocalWorld;
  let milvus: MilvusGateway;
  afterEach(async () => {
    await milvus?.close();
    await world?.close();
  });

  const start = async (options: Parameters<typeof startLocalWorld>[0] = {}) => {
    world = await startLocalWorld(options);
    milvus = await connectMilvus(
      { address: world.emulator.address, tls: false, timeoutMs: 5_000 },
      undefined,
    );
  };
  const description = async (name: string) => (await milvus.describeSnapshot(PRODUCTS, name)).description;

  it("leaves every neighbour's collection and snapshot untouched, and the reports say so", async () => {
    // Prepare: a person's collection named like a drill collection, with data; another
    // deployment's snapshot; then, after our first backup, a copied marker under another name and
    // a snapshot taken beforehand under the exact name the next scheduled run will use
    await start({ clock: 'virtual' });
    const client = new MilvusClient({ address: world.emulator.address });
    await createTestCollection(client, { name: 'drill_products_20200101_000000' });
    await insertRows(client, 'drill_products_20200101_000000', 1, 5);
    await client.closeConnection();
    await milvus.createSnapshot(
      PRODUCTS,
      'staging_20261120_030000',
      formatSnapshotDescription(
        {
          deployment: 'staging.eu-west-1',
          schedule: 'nightly',
          rows: 2000,
          schema: 'ab12',
          nonce: newNonce(),
        },
        { ...PRODUCTS, slot: new Date('2026-11-20T03:00:00Z') },
      ),
    );
    const clock = world.clock as VirtualClock;
    const first = reportOf(await world.run(CONFIG, { mode: 'backup', collections: ['default.products'] }));
    const ours = first.collections[0]?.backup?.snapshotName ?? '';
    await milvus.createSnapshot(PRODUCTS, 'copied_marker', await description(ours));
    const slot = new Date(clock.now() + 3_600_000);
    const nextName = snapshotName('nightly', slot);
    await milvus.createSnapshot(PRODUCTS, nextName, await description(ours));
    const neighbours = ['staging_20261120_030000', 'copied_marker', nextName];
    const before = await Promise.all(neighbours.map(description));

    // Act: the scheduled slot whose name was taken, then a full run with retention and a drill
    clock.set(slot.getTime());
    const taken = reportOf(
      await world.run(CONFIG, {
        schedule: 'nightly',
        scheduledTime: slot.toISOString(),
        collections: ['default.products'],
      }),
    );
    clock.set(slot.getTime() + 3_600_000);
    const full = reportOf(await world.run(CONFIG, { mode: 'full', collections: ['default.products'] }));

    // Assess: nothing of theirs is touched
    expect(await Promise.all(neighbours.map(description))).toEqual(before);
    expect(world.emulator.inspect.rowCounts('default', 'drill_products_20200101_000000')).toMatchObject({
      growing: 5,
    });
    // The slot whose name was taken is a failure, never an adopted backup
    expect(entry(taken, 'default.products')).toMatchObject({
      status: 'FAILED',
      error: { name: 'SnapshotNameTakenError' },
    });
    expect(entry(taken, 'default.products').backup).toBeUndefined();
    expect(taken.summary.snapshotsCreated).toBe(0);
    // The full run dropped only our first snapshot, and names what it left alone, and why
    const products = entry(full, 'default.products');
    expect(products.status).toBe('SUCCEEDED');
    expect(products.retention?.dropped.map((d) => d.name)).toEqual([ours]);
    expect(products.retention?.notOurs).toEqual(
      expect.arrayContaining([
        { name: 'staging_20261120_030000', reason: 'made by deployment staging.eu-west-1' },
        {
          name: 'copied_marker',
          reason:
            "marked as this deployment's, but not in its ledger (`snapshots adopt` recovers a lost record)",
        },
        {
          name: nextName,
          reason:
            "marked as this deployment's, but not in its ledger (`snapshots adopt` recovers a lost record)",
        },
      ]),
    );
    expect(products.drill?.verified).toBe(true);
    expect(products.drill?.sweep?.notOurs).toEqual([
      {
        name: 'drill_products_20200101_000000',
        reason: "named like a drill collection, but this deployment's ledger has no drill of that name",
      },
    ]);
    expect(world.snapshots('products')).toEqual([...neighbours, products.backup?.snapshotName ?? ''].sort());
  });

  it('never verifies a lossy restore, nor records it as the newest verified snapshot', async () => {
    // Prepare: restores of products copy half of what the snapshot holds
    await start({ faults: { restore: [{ collection: 'products', outcome: 'lossy', keepFraction: 0.5 }] } });

    // Act
    const report = reportOf(await world.run(CONFIG, { mode: 'full' }));

    // Assess
    const products = entry(report, 'default.products');
    expect(products).toMatchObject({ status: 'FAILED', error: { name: 'DrillVerificationFailed' } });
    expect(products.drill?.verified).toBe(false);
    expect(products.drill?.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['rowCount', 'segments']);
    expect(entry(report, 'default.support_tickets').drill?.verified).toBe(true);
    const scope = {
      deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    const store = new FileReportStore(world.reportsDir);
    expect(await store.getJson(ReportKeys.latestVerified(scope, 'default', 'products'))).toBeUndefined();
    expect(await store.getJson(ReportKeys.latestVerified(scope, 'default', 'support_tickets'))).toBeDefined();
  });

  it('reports what Milvus holds after lost and late replies on every mutating call', async () => {
    // Prepare: a first backup, so retention has something of ours to drop; then replies lost on
    // CreateSnapshot, DropSnapshot and DropCollection, and a RestoreSnapshot applied half an hour
    // after its client gave up — after the drill's cleanup
    await start();
    await world.run(CONFIG, { mode: 'backup' });
    const snapshotsBefore = world.emulator.inspect.snapshots('default', 'products').length;
    world.emulator.faults.load({
      rules: [
        {
          method: 'CreateSnapshot',
          collection: 'products',
          grpcStatus: 'UNAVAILABLE',
          afterApply: true,
          times: 1,
        },
        {
          method: 'DropSnapshot',
          collection: 'products',
          grpcStatus: 'UNAVAILABLE',
          afterApply: true,
          times: 1,
        },
        { method: 'DropCollection', grpcStatus: 'UNAVAILABLE', afterApply: true, times: 1 },
        {
          method: 'RestoreSnapshot',
          collection: 'support_tickets',
          grpcStatus: 'DEADLINE_EXCEEDED',
          applyAfterMs: 1_800_000,
          times: 1,
        },
      ],
    });

    // Act
    const report = reportOf(await world.run(CONFIG, { mode: 'full' }));
    await world.emulator.lateApplicationsDone();

    // Assess: one new snapshot each, counted as created; the lost drop counted as dropped
    expect(report.summary.snapshotsCreated).toBe(3);
    const products = entry(report, 'default.products');
    expect(world.emulator.inspect.snapshots('default', 'products')).toHaveLength(snapshotsBefore);
    expect(products.retention?.counts.dropped).toBe(1);
    expect(products.drill).toMatchObject({ verified: true, cleanedUp: true });
    // The late restore recreated the drill collection after cleanup: the report said it might
    const tickets = entry(report, 'default.support_tickets');
    expect(tickets.drill?.cleanedUp).toBe(false);
    expect(tickets.drill?.leftBehind).toEqual([
      expect.stringMatching(/got no reply and may still create it/),
    ]);
    const late = tickets.drill?.targetCollection ?? '';
    expect(world.collections()).toContain(late);

    // Act: the next drill's sweep removes it
    const next = reportOf(
      await world.run(CONFIG, { mode: 'drill', collections: ['default.support_tickets'] }),
    );

    // Assess
    expect(entry(next, 'default.support_tickets').drill?.sweep?.dropped).toEqual([late]);
    expect(world.collections()).not.toContain(late);
    expect(world.collections().filter((n) => n.startsWith('drill_'))).toEqual([]);
  });

  it("lets two deployments share one Milvus and one bucket without dropping each other's snapshots", async () => {
    // Prepare: deployment A backs up twice; B, on the same Milvus and runs directory, keeps only its newest
    await start({ clock: 'virtual' });
    const clock = world.clock as VirtualClock;
    const a = exampleWith({ deploymentId: 'prod-a' });
    const b = exampleWith({
      deploymentId: 'prod-b',
      retention: { default: { keepLast: 1 }, busy: { keepLast: 1 } } as never,
    });
    const only = ['default.products'];
    await world.run(a, { mode: 'full', collections: only });
    clock.set(clock.now() + 3_600_000);
    await world.run(a, { mode: 'backup', collections: only });
    const aSnapshots = world.snapshots('products');

    // Act
    clock.set(clock.now() + 3_600_000);
    const first = reportOf(await world.run(b, { mode: 'backup', collections: only }));
    clock.set(clock.now() + 3_600_000);
    const second = reportOf(await world.run(b, { mode: 'backup', collections: only }));

    // Assess: B dropped its own first snapshot, and nothing of A's, A's verified one included
    const bFirst = entry(first, 'default.products').backup?.snapshotName ?? '';
    const bSecond = entry(second, 'default.products').backup?.snapshotName ?? '';
    expect(entry(second, 'default.products').retention?.dropped.map((d) => d.name)).toEqual([bFirst]);
    expect(entry(second, 'default.products').retention?.notOurs.map((n) => n.reason)).toEqual([
      'made by deployment prod-a',
      'made by deployment prod-a',
    ]);
    expect(world.snapshots('products')).toEqual([...aSnapshots, bSecond].sort());
    expect(second.deployment.id).toBe('prod-b');
  });

  it('backs up and drills a collection with a 255-character name, records and report included', async () => {
    // Prepare: Milvus' longest name
    await start();
    const long = `c${'x'.repeat(254)}`;
    const client = new MilvusClient({ address: world.emulator.address });
    await createTestCollection(client, { name: long });
    await insertRows(client, long, 1, 20);
    await client.closeConnection();
    const config = exampleWith({
      collections: [{ database: 'default', name: long }] as never,
      schedules: {},
    });

    // Act
    const report = reportOf(await world.run(config, { mode: 'full' }));

    // Assess
    const only = entry(report, `default.${long}`);
    expect(only.status).toBe('SUCCEEDED');
    expect(only.drill).toMatchObject({ verified: true, cleanedUp: true });
    expect((only.drill?.targetCollection ?? '').length).toBeLessThanOrEqual(255);
    expect(world.collections().filter((n) => n.startsWith('drill_'))).toEqual([]);
  });
});
