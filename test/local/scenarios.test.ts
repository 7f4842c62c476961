import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionResult, RunReport } from '../../functions/shared/contracts/run-report';
import { connectMilvus } from '../../functions/shared/milvus/milvus-connection';
import { parseSnapshotMarker } from '../../functions/shared/snapshot-marker';
import { snapshotName } from '../../functions/shared/snapshot-naming';
import { drillTargetName } from '../../functions/start-restore/drill-target';
import { VirtualClock } from '../../local/local-clock';
import type { LocalRunResult } from '../../local/run-local';
import { createTestCollection, insertRows } from '../emulator/support/emulator-fixture';
import { exampleConfig, exampleWith } from '../lib/fixtures';
import { type LocalWorld, startLocalWorld } from './support/local-world';

/**
 * The end-to-end scenarios: the synthesized state machine, run by the local runner with the real
 * handlers, against the emulator over gRPC. Each asserts on the run report and on what is left in
 * Milvus afterwards.
 */

const EXAMPLE = exampleConfig();
const DEMO = ['analytics.user_events', 'default.products', 'default.support_tickets'];

function reportOf(result: LocalRunResult): RunReport {
  if (!result.report) throw new Error(`the run produced no report: ${JSON.stringify(result.error)}`);
  return result.report;
}

function collection(report: RunReport, key: string): CollectionResult {
  const found = report.collections.find((c) => `${c.database}.${c.collection}` === key);
  if (!found) throw new Error(`${key} is not in the report`);
  return found;
}

function statuses(report: RunReport): Record<string, string> {
  return Object.fromEntries(report.collections.map((c) => [`${c.database}.${c.collection}`, c.status]));
}

function drillCollectionsLeft(world: LocalWorld): string[] {
  return ['default', 'analytics'].flatMap((db) =>
    world.collections(db).filter((name) => name.startsWith('drill_')),
  );
}

describe('end-to-end scenarios on the emulator', () => {
  let world: LocalWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('1. a full run on the demo collections: named snapshots, retention, verified drills, nothing left behind', async () => {
    // Prepare
    world = await startLocalWorld();

    // Act
    const result = await world.run(EXAMPLE, { mode: 'full' }, { runId: 'scenario-1' });

    // Assess
    const report = reportOf(result);
    expect(result.status).toBe('SUCCEEDED');
    expect(statuses(report)).toEqual(Object.fromEntries(DEMO.map((k) => [k, 'SUCCEEDED'])));
    const expectedName = snapshotName('manual', new Date(report.startedAt));
    for (const c of report.collections) {
      expect(c.backup?.snapshotName).toBe(expectedName);
      const [made] = world.emulator.inspect.snapshots(c.database, c.collection);
      expect(made?.name).toBe(expectedName);
      expect(parseSnapshotMarker(made?.description)).toMatchObject({
        schedule: 'manual',
        rows: c.backup?.rowCount,
      });
      expect(c.retention?.kept.map((k) => k.name)).toEqual([expectedName]);
      expect(c.drill).toMatchObject({
        snapshotName: expectedName,
        state: 'Completed',
        verified: true,
        cleanedUp: true,
      });
      expect(c.drill?.restoredRows).toBe(c.backup?.rowCount);
    }
    expect(drillCollectionsLeft(world)).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(result.notifications).toHaveLength(1);
    expect(result.notifications[0]?.subject).toMatch(/^\[OK\] manual full: 3 collections succeeded/);
    expect(result.notifications[0]?.attributes).toEqual({ status: 'SUCCEEDED', mode: 'full' });
    expect(result.events).toEqual([
      expect.objectContaining({
        Source: 'milvus-snapshot-scheduler',
        DetailType: 'Milvus Snapshot Run Completed',
      }),
    ]);
  });

  it('2. transient UNAVAILABLE on Flush and CreateSnapshot: retried, exactly one snapshot per collection', async () => {
    // Prepare
    world = await startLocalWorld({
      faults: {
        rules: [
          { method: 'Flush', grpcStatus: 'UNAVAILABLE', times: 2 },
          { method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', times: 2 },
        ],
      },
    });

    // Act
    const result = await world.run(EXAMPLE, { mode: 'backup' });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const retried = result.allEvents
      .filter((e) => e.type === 'StateRetried' && 'state' in e)
      .map((e) => (e as { state: { name: string } }).state.name);
    expect(retried.filter((n) => n === 'Flush')).toHaveLength(2);
    expect(retried.filter((n) => n === 'CreateSnapshot')).toHaveLength(2);
    for (const key of DEMO) {
      const [db = '', name = ''] = key.split('.');
      expect(world.snapshots(name, db)).toHaveLength(1);
    }
  });

  it('3. a lost reply on CreateSnapshot: the retry recognises its own snapshot by its nonce, no duplicate', async () => {
    // Prepare
    world = await startLocalWorld({
      faults: {
        rules: [
          {
            method: 'CreateSnapshot',
            collection: 'products',
            grpcStatus: 'UNAVAILABLE',
            afterApply: true,
            times: 1,
          },
        ],
      },
    });

    // Act
    const result = await world.run(EXAMPLE, { mode: 'backup' });

    // Assess
    const report = reportOf(result);
    expect(result.status).toBe('SUCCEEDED');
    // Made by this run (its first reply was lost), so counted as created, not as found.
    expect(collection(report, 'default.products').backup).toMatchObject({ alreadyExisted: false });
    expect(report.summary.snapshotsCreated).toBe(3);
    expect(world.snapshots('products')).toHaveLength(1);
  });

  it('4. a restore that fails: that drill FAILED with the reason, target dropped, snapshot unpinned, others fine', async () => {
    // Prepare
    world = await startLocalWorld({
      faults: {
        restore: [
          {
            collection: 'products',
            outcome: 'failed',
            reason: 'copy segment failed: object storage unreachable',
          },
        ],
      },
    });

    // Act
    const result = await world.run(EXAMPLE, { mode: 'full' });

    // Assess
    const report = reportOf(result);
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('RunFailed');
    expect(report.status).toBe('FAILED');
    expect(statuses(report)).toEqual({
      'analytics.user_events': 'SUCCEEDED',
      'default.products': 'FAILED',
      'default.support_tickets': 'SUCCEEDED',
    });
    expect(collection(report, 'default.products').drill).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining('copy segment failed: object storage unreachable'),
      verified: false,
      cleanedUp: true,
    });
    expect(drillCollectionsLeft(world)).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(result.notifications[0]?.subject).toMatch(/^\[FAILED\]/);
    expect(result.notifications[0]?.attributes.status).toBe('FAILED');
  });

  it('5. a restore stuck past the drill timeout: TimedOut, then cleaned up', async () => {
    // Prepare: a 5-minute drill timeout, run time 1,000 times faster than real time
    world = await startLocalWorld({ faults: { restore: [{ collection: 'products', outcome: 'stuck' }] } });
    const config = exampleWith({ drill: { ...EXAMPLE.drill, timeoutMinutes: 5 } });

    // Act
    const result = await world.run(config, { mode: 'full', collections: ['default.products'] });

    // Assess
    const drill = collection(reportOf(result), 'default.products').drill;
    expect(drill).toMatchObject({ state: 'TimedOut', verified: false, cleanedUp: true });
    expect(drill?.polls).toBeGreaterThan(1);
    expect(drillCollectionsLeft(world)).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
  });

  it('6. snapshots and a collection this tool did not make are left untouched', async () => {
    // Prepare: someone's snapshot, and someone's collection with exactly the name the drill will want
    world = await startLocalWorld({ clock: 'virtual' });
    const milvus = await connectMilvus(
      { address: world.emulator.address, tls: false, timeoutMs: 5_000 },
      undefined,
    );
    await milvus.createSnapshot(
      { database: 'default', collection: 'products' },
      'before_migration',
      'by hand',
    );
    const startedAt = new Date(world.clock.now()).toISOString();
    const squatter = drillTargetName({ runId: 'scenario-6', startedAt, drill: EXAMPLE.drill }, 'products');
    const client = new MilvusClient({ address: world.emulator.address });
    await createTestCollection(client, { name: squatter });
    await insertRows(client, squatter, 1, 7);
    await client.closeConnection();
    await milvus.close();

    // Act
    const result = await world.run(EXAMPLE, { mode: 'full' }, { runId: 'scenario-6' });

    // Assess
    const products = collection(reportOf(result), 'default.products');
    expect(products.status).toBe('FAILED');
    expect(products.error?.name ?? products.drill?.reason).toMatch(
      /DrillTargetConflict|not started by this drill|exists/,
    );
    expect(world.collections()).toContain(squatter);
    expect(world.emulator.inspect.rowCounts('default', squatter)).toMatchObject({ growing: 7 });
    expect(world.snapshots('products')).toContain('before_migration');
    expect(products.retention?.notOurs).toContainEqual({
      name: 'before_migration',
      reason: 'not made by milvus-snapshot-scheduler',
    });
    expect(collection(reportOf(result), 'default.support_tickets').status).toBe('SUCCEEDED');
  });

  it('7. a configured collection that does not exist fails alone, with a clear error', async () => {
    // Prepare
    world = await startLocalWorld();
    const config = exampleWith({
      collections: [...EXAMPLE.collections, { database: 'default', name: 'ghost' }] as never,
    });

    // Act
    const result = await world.run(config, { mode: 'backup' });

    // Assess
    const report = reportOf(result);
    expect(result.status).toBe('FAILED');
    expect(collection(report, 'default.ghost')).toMatchObject({
      status: 'FAILED',
      error: { name: 'CollectionNotFoundError', message: expect.stringContaining('default.ghost') },
    });
    expect(DEMO.map((k) => collection(report, k).status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it.each([
    [
      { mode: 'full', colections: ['default.products'] },
      /unknown key "colections".*Accepted keys: schedule, mode/,
    ],
    [{ mode: 'weekly' }, /mode.*weekly/],
    [{ collections: ['default.nope'] }, /unknown collection "default\.nope"/],
  ])('8. bad input %j fails before any Milvus call, naming the problem', async (input, problem) => {
    // Prepare
    world = await startLocalWorld();
    world.emulator.calls.reset();

    // Act
    const result = await world.run(EXAMPLE, input);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'InvalidInputError', cause: expect.stringMatching(problem) });
    expect(result.report).toBeUndefined();
    expect(world.emulator.calls.count()).toBe(0);
  });

  it('9. a wrong token: every collection fails with an authentication error that never shows the token', async () => {
    // Prepare
    const wrong = 'root:Not-The-Password';
    world = await startLocalWorld({ token: 'root:Milvus-Secret' });

    // Act
    const result = await world.run(EXAMPLE, { mode: 'backup' }, { token: wrong });

    // Assess
    const report = reportOf(result);
    expect(report.collections.map((c) => c.error?.name)).toEqual([
      'MilvusAuthenticationError',
      'MilvusAuthenticationError',
      'MilvusAuthenticationError',
    ]);
    const everything = JSON.stringify([
      report,
      result.notifications,
      result.events,
      result.history,
      result.allEvents,
    ]);
    for (const secret of [wrong, 'root:Milvus-Secret']) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
  });

  it('10. sixty daily runs: the snapshots that survive are exactly what the policy promises', async () => {
    // Prepare: one collection, a daily schedule, keep 7 daily, 4 weekly, 3 monthly (UTC)
    // Milvus timestamps never go backwards: the clock starts before the first day.
    const clock = new VirtualClock(Date.parse('2026-08-31T00:00:00Z'));
    world = await startLocalWorld({ clock });
    const config = exampleWith({
      collections: [{ database: 'default', name: 'products' }] as never,
      schedules: { daily: { cron: 'cron(0 3 * * ? *)', mode: 'backup', snapshotPrefix: 'daily' } } as never,
      retention: { default: { keepDaily: 7, keepWeekly: 4, keepMonthly: 3, timezone: 'UTC' } } as never,
    });
    const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2026, 8, 1 + i, 3)));

    // Act
    for (const day of days) {
      clock.set(day.getTime());
      const result = await world.run(config, { schedule: 'daily', scheduledTime: day.toISOString() });
      expect(result.status).toBe('SUCCEEDED');
    }

    // Assess: the policy, stated directly for daily snapshots in UTC
    const newestPer = (key: (d: Date) => string, count: number) => {
      const seen = new Map<string, Date>();
      for (const d of [...days].reverse()) if (!seen.has(key(d))) seen.set(key(d), d);
      return [...seen.values()].slice(0, count);
    };
    const isoWeek = (d: Date) => {
      const monday = new Date(d);
      monday.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
      return monday.toISOString().slice(0, 10);
    };
    const promised = new Set(
      [...days.slice(-7), ...newestPer(isoWeek, 4), ...newestPer((d) => d.toISOString().slice(0, 7), 3)].map(
        (d) => snapshotName('daily', d),
      ),
    );
    expect(world.snapshots('products')).toEqual([...promised].sort());
    expect(promised.size).toBeGreaterThan(7);
    // Sixty whole runs, one after another: ~25 s on an idle 2-core machine, more under load.
  }, 120_000);

  it('11. two runs at the same time on the same collections: both finish, nothing the policy keeps is dropped', async () => {
    // Prepare
    world = await startLocalWorld();

    // Act
    const [a, b] = await Promise.all([
      world.run(EXAMPLE, { mode: 'full' }, { runId: 'scenario-11-a' }),
      world.run(EXAMPLE, { mode: 'full' }, { runId: 'scenario-11-b' }),
    ]);

    // Assess
    for (const result of [a, b]) {
      const report = reportOf(result);
      for (const c of report.collections) {
        const left = world.snapshots(c.collection, c.database);
        for (const kept of c.retention?.kept ?? []) expect(left).toContain(kept.name);
      }
    }
    expect(a.status).toBe('SUCCEEDED');
    expect(b.status).toBe('SUCCEEDED');
    expect(drillCollectionsLeft(world)).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
  });
});
