import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drillResultSchema } from '../../../functions/shared/contracts/run-report';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  runDrill,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDrillLedger,
  worldScope,
} from '../../support/step-world';

const SNAPSHOT = 'daily_20261121_030000';

describe('a restore drill, run step by step as the state machine runs it', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 50);
    await takeOwnedSnapshot(world, 'products', SNAPSHOT);
    world.clock.advance(60_000);
  });
  afterEach(async () => world.close());

  const drillCollections = () =>
    world.emulator.inspect
      .collections('default')
      .map((c) => c.name)
      .filter((n) => n.startsWith('drill_'));
  const latestVerified = () =>
    new FileReportStore(world.reportsDir).getJson(
      ReportKeys.latestVerified(worldScope(world), 'default', 'products'),
    );

  it('verifies a completed restore, leaves nothing behind and records the snapshot as verified', async () => {
    // Prepare
    world.emulator.faults.load({ restore: { outcome: 'completed', durationMs: 40_000 } });
    const run = drillRun(world);

    // Act
    const { drill } = await runDrill(world, collectionInput(run, 'products'));

    // Assess
    const result = drillResultSchema.parse(drill);
    expect(result).toMatchObject({
      snapshotName: SNAPSHOT,
      targetCollection: drillTargetName(run, 'products'),
      state: 'Completed',
      polls: 4, // at 5, 15, 35 s (still running) and 75 s
      restoreMs: 40_000,
      wallMs: 75_000,
      expectedRows: 50,
      restoredRows: 50,
      verified: true,
      cleanedUp: true,
    });
    expect(result.reason).toBeUndefined();
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['exists', true],
      ['schemaFingerprint', true],
      ['indexes', true],
      ['rowCount', true],
      ['segments', true],
    ]);
    expect(drillCollections()).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(await latestVerified()).toEqual({
      snapshotName: SNAPSHOT,
      snapshotCreatedAt: '2026-11-21T03:00:00.000Z',
      verifiedAt: '2026-11-21T03:02:15.000Z',
      runId: run.runId,
      restoreMs: 40_000,
    });
  });

  it('runs the deep check: loads, counts, finds each sampled vector, then releases and drops', async () => {
    // Prepare
    const run = drillRun(world, { verification: 'deep', sampleSize: 5 });

    // Act
    const { drill } = await runDrill(world, collectionInput(run, 'products'));

    // Assess
    const result = drillResultSchema.parse(drill);
    expect(result).toMatchObject({ state: 'Completed', verified: true, restoredRows: 50, cleanedUp: true });
    expect(result.checks.slice(5)).toEqual([
      { name: 'loaded', ok: true, expected: 'LoadStateLoaded', actual: 'LoadStateLoaded' },
      {
        name: 'countStar',
        ok: true,
        expected: '1..50 (no count(*) was recorded: the collection was not loaded at backup)',
        actual: 50,
      },
      { name: 'selfSearch', ok: true, expected: 5, actual: 5 },
    ]);
    expect(world.emulator.calls.count('Search')).toBe(5);
    expect(world.emulator.calls.count('ReleaseCollection')).toBe(1);
    expect(drillCollections()).toEqual([]);
  });

  it('verifies a snapshot taken after deletes in deep mode: count(*) equals the one recorded at backup', async () => {
    // Prepare: 5 rows deleted before the snapshot; Milvus' statistics still count them, count(*) does not
    const deleted = await world.client.delete({ collection_name: 'products', filter: 'id <= 5' });
    expect(deleted.status.error_code).toBe('Success');
    await world.client.flush({ collection_names: ['products'] });
    await world.milvus.startLoad({ database: 'default', collection: 'products' });
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_040000');
    world.clock.advance(60_000);

    // Act
    const { drill } = await runDrill(
      world,
      collectionInput(drillRun(world, { verification: 'deep' }), 'products'),
    );

    // Assess
    expect(drill).toMatchObject({
      snapshotName: 'daily_20261121_040000',
      verified: true,
      expectedRows: 50,
      restoredRows: 50,
    });
    const { checks } = drillResultSchema.parse(drill);
    expect(checks).toContainEqual({ name: 'countStar', ok: true, expected: 45, actual: 45 });
    expect(checks).toContainEqual({
      name: 'sampledKeys',
      ok: true,
      expected: '3 sampled keys',
      actual: '3 found',
    });
  });

  it('reports a failed restore with Milvus reason, and drops the target it left', async () => {
    // Prepare
    world.emulator.faults.load({
      restore: { outcome: 'failed', durationMs: 20_000, reason: 'copy segment 3: object not found' },
    });

    // Act
    const { drill } = await runDrill(world, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(drill).toMatchObject({
      state: 'Failed',
      reason: 'Milvus reports the restore failed: copy segment 3: object not found',
      verified: false,
      cleanedUp: true,
      restoredRows: null,
      checks: [],
    });
    expect(drillCollections()).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
    await expect(
      world.milvus.dropSnapshot({ database: 'default', collection: 'products' }, SNAPSHOT),
    ).resolves.toBe(undefined);
    expect(await latestVerified()).toBeUndefined();
  });

  it('gives up on a stuck restore at the drill timeout, then cleans up', async () => {
    // Prepare
    world.emulator.faults.load({ restore: { outcome: 'stuck' } });
    const run = drillRun(world, { timeoutMinutes: 10 });
    const startedAt = world.clock.now();

    // Act
    const { drill } = await runDrill(world, collectionInput(run, 'products'));

    // Assess
    expect(drill).toMatchObject({
      state: 'TimedOut',
      reason: expect.stringMatching(
        /still executing \(progress \d+ %\) after 10 min, past the drill timeout of 10 min/,
      ),
      wallMs: 600_000,
      verified: false,
      cleanedUp: true,
    });
    expect(world.clock.now() - startedAt).toBe(600_000); // the last poll landed on the deadline
    expect(drill?.polls).toBeLessThanOrEqual(12);
    expect(drillCollections()).toEqual([]);
    expect(world.emulator.inspect.pins()).toEqual([]);
  });

  it('fails verification of a snapshot whose recorded row count is wrong, naming both numbers', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_040000', 60);
    world.clock.advance(60_000);

    // Act
    const { drill } = await runDrill(world, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(drill).toMatchObject({
      snapshotName: 'daily_20261121_040000',
      state: 'Completed',
      verified: false,
      expectedRows: 60,
      restoredRows: 50,
      reason: 'verification failed: rowCount expected 60, got 50',
      cleanedUp: true,
    });
    expect(await latestVerified()).toBeUndefined();
  });

  it('never touches a user collection that has the drill name, and says why the drill failed', async () => {
    // Prepare
    const run = drillRun(world);
    const name = drillTargetName(run, 'products');
    await seedCollection(world, name, 7);

    // Act
    const { drill } = await runDrill(world, collectionInput(run, 'products'));

    // Assess
    expect(drill).toMatchObject({
      state: 'Failed',
      reason: expect.stringMatching(
        /^DrillTargetConflictError: the drill collection default\.drill_products_\S+ already exists/,
      ),
      verified: false,
      cleanedUp: true,
    });
    expect(world.emulator.inspect.rowCounts('default', name)?.sealed).toBe(7);
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(world.emulator.calls.count('DropCollection')).toBe(0);
  });

  it('fails a collection without any snapshot of ours with a clear reason and nothing to clean', async () => {
    // Prepare
    await seedCollection(world, 'orders', 3);

    // Act
    const { drill } = await runDrill(world, collectionInput(drillRun(world), 'orders'));

    // Assess
    expect(drill).toMatchObject({
      state: 'Failed',
      reason: expect.stringContaining(
        'NoSnapshotToDrillError: default.orders has no snapshot of this deployment to drill',
      ),
      snapshotName: '',
      cleanedUp: true,
    });
  });

  it('keeps the drill collection when asked to, reports it kept, and records it as kept for a later sweep', async () => {
    // Prepare
    const run = drillRun(world, { keepDrillCollection: true });

    // Act
    const state = await runDrill(world, collectionInput(run, 'products'));

    // Assess
    expect(state.cleanup).toMatchObject({
      dropped: false,
      keptReason: 'drill.keepDrillCollection is set',
      cleanedUp: true,
    });
    // The report says the collection is still in Milvus, and which one
    expect(drillResultSchema.parse(state.drill)).toMatchObject({
      verified: true,
      targetCollection: drillTargetName(run, 'products'),
      kept: 'drill.keepDrillCollection is set',
    });
    expect(drillCollections()).toEqual([drillTargetName(run, 'products')]);
    expect(await worldDrillLedger(world).read('default', drillTargetName(run, 'products'))).toMatchObject({
      state: 'kept',
    });
  });
});
