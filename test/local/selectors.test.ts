import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import type { CollectionResult, RunReport } from '../../functions/shared/contracts/run-report';
import { DrillLedger } from '../../functions/shared/ledger/drill-ledger';
import { FileReportStore } from '../../functions/shared/reports/report-store';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../lib/config/deployment-config';
import type { VirtualClock } from '../../local/local-clock';
import type { LocalRunResult } from '../../local/run-local';
import { createTestCollection, insertRows } from '../emulator/support/emulator-fixture';
import { exampleWith } from '../lib/fixtures';
import { type LocalWorld, startLocalWorld } from './support/local-world';

/**
 * Selectors end to end: the synthesized state machine run locally against the emulator, whose
 * collections appear between runs. What each run backs up is read from Milvus, and compared with
 * what its report says it covered and left out.
 */

/** Every collection of `default` except the scratch ones, by pattern; one collection of `analytics` by name. */
const CONFIG = exampleWith({
  collections: [{ database: 'analytics', name: 'user_events' }],
  selectors: [{ database: 'default', match: '*', exclude: ['tmp_*'] }],
} as never);

function reportOf(result: LocalRunResult): RunReport {
  if (!result.report) throw new Error(`the run produced no report: ${JSON.stringify(result.error)}`);
  return result.report;
}

function entry(report: RunReport, key: string): CollectionResult | undefined {
  return report.collections.find((c) => `${c.database}.${c.collection}` === key);
}

describe('collection selectors on the emulator', () => {
  let world: LocalWorld;
  let client: MilvusClient;
  afterEach(async () => {
    await client?.closeConnection();
    await world?.close();
  });

  const start = async () => {
    world = await startLocalWorld({ clock: 'virtual' });
    client = new MilvusClient({ address: world.emulator.address, logLevel: 'error' });
  };
  const create = async (name: string, database = 'default') => {
    await createTestCollection(client, { name, database });
    await insertRows(client, name, 1, 20, { database });
  };

  it('backs up every collection a selector matches, a new one at the next run, and reports what nothing covers', async () => {
    // Prepare: besides the demo collections, two scratch collections and one nobody configured
    await start();
    await create('tmp_scratch');
    await create('tmp_load_test');
    await create('orders');
    await create('clicks', 'analytics');
    const clock = world.clock as VirtualClock;

    // Act: a backup run, a collection created, a second run an hour later
    const first = reportOf(await world.run(CONFIG, { mode: 'backup' }));
    await create('invoices');
    clock.set(clock.now() + 3_600_000);
    const second = reportOf(await world.run(CONFIG, { mode: 'backup' }));

    // Assess: every non-tmp_ collection of default has a snapshot of each run it was there for
    expect(first.status).toBe('SUCCEEDED');
    expect(second.status).toBe('SUCCEEDED');
    const snapshotOf = (report: RunReport, key: string) => entry(report, key)?.backup?.snapshotName ?? '-';
    for (const name of ['orders', 'products', 'support_tickets']) {
      expect(world.snapshots(name)).toEqual(
        [snapshotOf(first, `default.${name}`), snapshotOf(second, `default.${name}`)].sort(),
      );
    }
    expect(entry(first, 'default.invoices')).toBeUndefined();
    expect(world.snapshots('invoices')).toEqual([snapshotOf(second, 'default.invoices')]);
    expect(entry(second, 'default.invoices')).toMatchObject({
      status: 'SUCCEEDED',
      selection: { by: 'selector', selector: 0, pattern: 'default.* except tmp_*' },
    });
    expect(entry(second, 'analytics.user_events')?.selection).toEqual({ by: 'name' });
    // The tmp_ ones are excluded, not failures, and have no snapshot
    expect(world.snapshots('tmp_scratch')).toEqual([]);
    expect(world.snapshots('tmp_load_test')).toEqual([]);
    expect(second.collections.map((c) => c.collection)).not.toContain('tmp_scratch');
    expect(second.summary).toMatchObject({ failed: 0, collections: 5 });
    expect(second.coverage?.skipped).toEqual([
      {
        database: 'default',
        collection: 'tmp_load_test',
        why: 'excluded',
        reason: 'excluded by selector 1 (default.* except tmp_*): it matches "tmp_*"',
      },
      {
        database: 'default',
        collection: 'tmp_scratch',
        why: 'excluded',
        reason: 'excluded by selector 1 (default.* except tmp_*): it matches "tmp_*"',
      },
    ]);
    // The collection of analytics nothing covers is reported, by the report and the notification
    expect(second.coverage?.unprotected).toEqual([{ database: 'analytics', collection: 'clicks' }]);
    expect(second.coverage?.counts).toEqual({ databases: 2, unprotected: 1, missing: 0, skipped: 2 });
    expect(world.snapshots('clicks', 'analytics')).toEqual([]);
  }, 300_000);

  it("never selects another deployment's drill copy, a look-alike name or this deployment's restore target, and drops nothing of theirs", async () => {
    // Prepare: a neighbour's drill copy (named as ours would be), a person's collection named like
    // one, and a collection this deployment's ledger records as an operator restore's target
    await start();
    await create('drill_products_20261120_030000_a1b2c3');
    await create('drill_orders_20200101_000000');
    await create('products_restored_20261120_040000');
    const store = new FileReportStore(world.reportsDir);
    const scope = {
      deploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    await new DrillLedger(store, scope, 'restore').create({
      schemaVersion: 1,
      kind: 'restore',
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: 'default',
      drillCollection: 'products_restored_20261120_040000',
      source: { collection: 'products', snapshotName: 'manual_20261120_030000' },
      runId: 'an-earlier-restore',
      state: 'kept',
      startedAt: '2026-11-20T04:00:00.000Z',
      deadline: '2026-11-20T16:00:00.000Z',
      jobIds: ['1'],
      lostRequests: 0,
      updatedBy: 'an-earlier-restore',
      updatedAt: '2026-11-20T04:10:00.000Z',
    });
    const before = world.collections();

    // Act: a full run (backup, retention and a drill of every selected collection)
    const report = reportOf(await world.run(CONFIG, { mode: 'full' }));

    // Assess: none of them was backed up, drilled or dropped, and the report says why
    expect(report.status).toBe('SUCCEEDED');
    expect(report.collections.map((c) => `${c.database}.${c.collection}`).sort()).toEqual([
      'analytics.user_events',
      'default.products',
      'default.support_tickets',
    ]);
    expect(world.collections()).toEqual(before);
    for (const name of ['drill_products_20261120_030000_a1b2c3', 'drill_orders_20200101_000000']) {
      expect(world.snapshots(name)).toEqual([]);
    }
    expect(report.coverage?.skipped.map(({ collection, why }) => ({ collection, why }))).toEqual([
      { collection: 'drill_orders_20200101_000000', why: 'drill-collection' },
      { collection: 'drill_products_20261120_030000_a1b2c3', why: 'drill-collection' },
      { collection: 'products_restored_20261120_040000', why: 'restore-target' },
    ]);
    expect(report.coverage?.skipped[0]?.reason).toContain("a drill copy, this deployment's or another's");
    expect(report.coverage?.unprotected).toEqual([]);
  }, 300_000);
});
