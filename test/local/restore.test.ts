import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionRecoveryPoints } from '../../cli/commands/snapshots';
import { runCli } from '../../cli/program';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import type { CollectionResult, RunReport } from '../../functions/shared/contracts/run-report';
import { DrillLedger } from '../../functions/shared/ledger/drill-ledger';
import { FileReportStore } from '../../functions/shared/reports/report-store';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../lib/config/deployment-config';
import type { LocalRunResult } from '../../local/run-local';
import { memoryIo } from '../cli/cli-test-io';
import { exampleConfig, exampleWith, PROJECT_ROOT } from '../lib/fixtures';
import { type LocalWorld, startLocalWorld } from './support/local-world';

/**
 * The operator's restore, end to end: the synthesized state machine in mode `restore`, run by the
 * local runner against the emulator, with an application reading through an alias. What the
 * application reads afterwards, and what is left in Milvus, are the proof.
 */

const CONFIG = exampleConfig();
const CONFIG_FILE = join(PROJECT_ROOT, 'examples', 'scheduler.config.json');

function reportOf(result: LocalRunResult): RunReport {
  if (!result.report) throw new Error(`the run produced no report: ${JSON.stringify(result.error)}`);
  return result.report;
}

function products(report: RunReport): CollectionResult {
  const found = report.collections.find((c) => c.collection === 'products');
  if (!found) throw new Error('products is not in the report');
  return found;
}

describe('restoring a collection on the bad day', () => {
  let world: LocalWorld;
  let client: MilvusClient;
  afterEach(async () => {
    await client?.closeConnection();
    await world?.close();
  });

  /** This deployment's operator restore records of the default database. */
  const restoreRecords = () =>
    new DrillLedger(
      new FileReportStore(world.reportsDir),
      { deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID, clusterKey: clusterIdentity(world.emulator.address).key },
      'restore',
    ).list('default');

  /** The application's view: how many rows `name` (a collection or an alias) serves. */
  const rowsServed = async (name: string) => {
    const res = await client.query({ collection_name: name, output_fields: ['count(*)'] });
    return Number(res.data[0]?.['count(*)']);
  };

  /** A verified backup of products, served to the application through the alias `catalog`; then half its rows are deleted. */
  async function damagedBehindAlias(): Promise<string> {
    world = await startLocalWorld();
    client = new MilvusClient({ address: world.emulator.address });
    await client.connectPromise;
    expect((await client.createAlias({ collection_name: 'products', alias: 'catalog' })).error_code).toBe(
      'Success',
    );
    const backup = reportOf(await world.run(CONFIG, { mode: 'full', collections: ['default.products'] }));
    expect(products(backup).drill?.verified).toBe(true);
    await client.delete({ collection_name: 'products', filter: 'id <= 1000' });
    expect(await rowsServed('catalog')).toBe(1000);
    return products(backup).backup?.snapshotName ?? '';
  }

  it('restores the newest verified snapshot and moves the alias to it, leaving the damaged collection untouched', async () => {
    // Prepare
    const snapshot = await damagedBehindAlias();

    // Act
    const result = await world.run(CONFIG, {
      mode: 'restore',
      collections: ['default.products'],
      alias: 'catalog',
    });

    // Assess: the application reads the restored rows through its alias
    const report = reportOf(result);
    expect(result.status).toBe('SUCCEEDED');
    const restore = products(report).restore;
    expect(restore).toMatchObject({
      snapshotName: snapshot,
      verified: true,
      switchover: {
        done: true,
        loaded: true,
        alias: { name: 'catalog', from: 'products', to: restore?.targetCollection },
      },
    });
    expect(restore?.targetCollection).toMatch(/^products_restored_\d{8}_\d{6}$/);
    expect(await rowsServed('catalog')).toBe(2000);
    expect(await rowsServed('products')).toBe(1000);
    expect(result.notifications[0]?.message).toContain(
      'alias catalog now serves it (was products). To undo: point the alias back: alterAlias catalog → products',
    );
    expect(report.summary).toMatchObject({ restoresSucceeded: 1, restoresFailed: 0, snapshotsCreated: 0 });
  }, 120_000);

  it('swaps names for an application that uses the collection name, keeping the damaged one aside', async () => {
    // Prepare
    await damagedBehindAlias();

    // Act
    const result = await world.run(CONFIG, {
      mode: 'restore',
      collections: ['default.products'],
      swap: true,
    });

    // Assess
    const restore = products(reportOf(result)).restore;
    expect(result.status).toBe('SUCCEEDED');
    const replaced = restore?.switchover?.swap?.replacedAs ?? '';
    expect(replaced).toMatch(/^products_replaced_\d{8}_\d{6}$/);
    expect(await rowsServed('products')).toBe(2000);
    expect(await rowsServed(replaced)).toBe(1000);
    // Milvus keeps an alias on the collection it names: catalog still serves the damaged rows, and the report says so
    expect(await rowsServed('catalog')).toBe(1000);
    expect(result.notifications[0]?.message).toContain(
      `the original is kept as ${replaced} and the alias catalog still serves it (alterAlias to move it)`,
    );
    expect(restore?.switchover?.undo).toBe(
      `rename default.products (the restored copy) to ${restore?.targetCollection}, then default.${replaced} back to products; the next retention run of products files the original's snapshots under it again`,
    );
  }, 120_000);

  it("keeps the original's snapshots this deployment's after a swap: listed under the new name, pruned by the next backup, never backed up again", async () => {
    // Prepare: a verified backup of products and two more; then products is swapped with a restore
    world = await startLocalWorld();
    const verified = products(
      reportOf(await world.run(CONFIG, { mode: 'full', collections: ['default.products'] })),
    );
    const older = products(
      reportOf(await world.run(CONFIG, { mode: 'backup', collections: ['default.products'] })),
    );
    const newest = products(
      reportOf(await world.run(CONFIG, { mode: 'backup', collections: ['default.products'] })),
    );
    const names = [verified, older, newest].map((c) => c.backup?.snapshotName ?? '');
    const swapped = products(
      reportOf(await world.run(CONFIG, { mode: 'restore', collections: ['default.products'], swap: true })),
    );
    const replaced = swapped.restore?.switchover?.swap?.replacedAs ?? '';
    expect(swapped.restore?.switchover?.swap?.snapshots).toEqual({ followed: 3, left: [] });
    const list = async (collection: string) => {
      const out = memoryIo({ cwd: world.reportsDir });
      const code = await runCli(
        [
          'snapshots',
          'list',
          '--collection',
          collection,
          '--config',
          CONFIG_FILE,
          '--milvus-uri',
          world.emulator.address,
          '--reports',
          world.reportsDir,
          '--at',
          new Date(world.clock.now()).toISOString(),
          '--json',
        ],
        out.io,
      );
      expect(code).toBe(0);
      return (JSON.parse(out.stdout()) as { collections: CollectionRecoveryPoints[] }).collections[0];
    };

    // Act 1: the catalog of the set-aside original, and of the restored copy that took the name
    const aside = await list(`default.${replaced}`);
    const copy = await list('default.products');

    // Assess: the original's snapshots are this deployment's under the new name, the copy inherits none
    expect(aside?.snapshots.map((s) => s.name).sort()).toEqual([...names].sort());
    expect(aside?.snapshots.every((s) => s.owner.kind === 'this deployment')).toBe(true);
    expect(aside?.newestVerified).toBe(names[0]);
    // What retention would do with them is what runs do: products' policy
    expect(aside?.policy?.name).toBe('default');
    expect(copy?.snapshots).toEqual([]);
    expect(copy?.newestVerified).toBeNull();
    // The restore's own drill of the snapshot is filed with it
    expect(aside?.snapshots.find((s) => s.name === names[0])?.lastDrill).toMatchObject({
      kind: 'restore',
      verified: true,
    });

    // Act 2: the next backup, keeping only the newest snapshot, with a selector over the whole database
    const pruning = exampleWith({
      retention: { default: { keepLast: 1 }, busy: { keepLast: 1 } } as never,
      selectors: [{ database: 'default', match: '*', retention: 'default' }] as never,
    });
    const backup = reportOf(await world.run(pruning, { mode: 'backup' }));

    // Assess: the set-aside original is pruned under products' policy (the verified one and the newest
    // stay), never snapshotted again; a selector leaves it out, saying why
    const entry = backup.collections.find((c) => c.collection === replaced);
    expect(entry).toMatchObject({
      status: 'SUCCEEDED',
      selection: { by: 'set-aside', original: 'products' },
      retention: { counts: { dropped: 1 } },
    });
    expect(entry?.backup).toBeUndefined();
    expect(world.snapshots(replaced)).toEqual([names[0], names[2]].sort());
    expect(backup.coverage?.skipped).toContainEqual(
      expect.objectContaining({ collection: replaced, why: 'set-aside' }),
    );
    expect(world.snapshots('products')).toHaveLength(1);
  }, 300_000);

  it('gives the original its name back when the second rename of a swap keeps failing, even with cleanupOnFailure', async () => {
    // Prepare: every rename of the restored copy onto the original's name fails in transit
    await damagedBehindAlias();
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: 'products_copy',
      grpcStatus: 'UNAVAILABLE',
    });

    // Act
    const result = await world.run(CONFIG, {
      mode: 'restore',
      collections: ['default.products'],
      target: 'products_copy',
      swap: true,
      cleanupOnFailure: true,
    });

    // Assess: the restore failed, and the application still finds its collection under its name
    expect(result.status).toBe('FAILED');
    expect(products(reportOf(result)).status).toBe('FAILED');
    expect(world.collections()).toContain('products');
    expect(await rowsServed('products')).toBe(1000);
  }, 120_000);

  it('restores into a target again once the copy a failed restore left there was dropped', async () => {
    // Prepare: a restore into products_copy fails and keeps its partial copy, which the operator drops
    await damagedBehindAlias();
    world.emulator.faults.load({ restore: { outcome: 'failed', reason: 'copy segment failed' } });
    const input = { mode: 'restore', collections: ['default.products'], target: 'products_copy' };
    const failed = await world.run(CONFIG, input);
    expect(products(reportOf(failed)).status).toBe('FAILED');
    world.emulator.faults.clear();
    expect((await client.dropCollection({ collection_name: 'products_copy' })).error_code).toBe('Success');

    // Act
    const again = await world.run(CONFIG, input);

    // Assess
    expect(products(reportOf(again)).error).toBeUndefined();
    expect(again.status).toBe('SUCCEEDED');
    expect(await rowsServed('products_copy')).toBe(2000);
  }, 300_000);

  it.each([
    [
      'onto an existing collection',
      { target: 'support_tickets' },
      'RestoreConflictError',
      /the target collection default\.support_tickets already exists .*a restore never overwrites a collection/,
    ],
    [
      'of an unknown snapshot',
      { snapshot: 'nightly_20200101_000000' },
      'NoSnapshotToRestoreError',
      /snapshot nightly_20200101_000000 \(named in the run input\) does not exist in default\.products/,
    ],
    [
      "of another collection's snapshot",
      { snapshot: 'tickets_before_upgrade' },
      'NoSnapshotToRestoreError',
      /does not exist in default\.products; snapshots belong to one collection/,
    ],
    [
      'to an alias that is the name of a collection',
      { alias: 'support_tickets' },
      'RestoreConflictError',
      /default\.support_tickets is a collection, so no alias can have that name/,
    ],
  ])(
    'refuses a restore %s, with a clear message, and changes nothing',
    async (_, extra, name, message) => {
      // Prepare: a verified backup of both collections
      world = await startLocalWorld();
      client = new MilvusClient({ address: world.emulator.address });
      await world.run(CONFIG, { mode: 'full', collections: ['default.products'] });
      await client.createSnapshot({
        collection_name: 'support_tickets',
        snapshot_name: 'tickets_before_upgrade',
      });
      const before = world.collections();
      world.emulator.calls.reset();

      // Act
      const result = await world.run(CONFIG, {
        mode: 'restore',
        collections: ['default.products'],
        ...extra,
      });

      // Assess
      const entry = products(reportOf(result));
      expect(result.status).toBe('FAILED');
      expect(entry.status).toBe('FAILED');
      expect(entry.error).toMatchObject({ name, message: expect.stringMatching(message) });
      expect(world.collections()).toEqual(before);
      expect(world.emulator.calls.count('RestoreSnapshot')).toBe(0);
      // Whatever ChooseSnapshot held for the restore was released by cleanup: nothing keeps a snapshot
      expect(await restoreRecords()).toEqual([]);
    },
    120_000,
  );
});
