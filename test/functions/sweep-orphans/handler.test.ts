import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DrillRecord } from '../../../functions/shared/ledger/drill-ledger';
import { drillCollectionName } from '../../../functions/shared/snapshot-naming';
import { handler } from '../../../functions/sweep-orphans/handler';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  worldDrillLedger,
  worldScope,
} from '../../support/step-world';

const HOUR = 3_600_000;

describe('SweepOrphans handler', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
  });
  afterEach(async () => world.close());

  const names = () =>
    world.emulator.inspect
      .collections('default')
      .map((c) => c.name)
      .sort();
  const hoursAgo = (hours: number) => new Date(world.clock.now() - hours * HOUR);

  /** A drill collection an earlier drill of this deployment created, and its ledger record. */
  async function earlierDrill(options: {
    name: string;
    runId: string;
    startedAt: Date;
    runEnded?: boolean;
    recordId?: 'actual' | 'other' | 'none';
    exists?: boolean;
  }): Promise<DrillRecord> {
    if (options.exists !== false) await seedCollection(world, options.name, 3);
    const id =
      options.exists === false
        ? undefined
        : (await world.milvus.describeCollection({ database: 'default', collection: options.name })).id;
    const scope = worldScope(world);
    const record: DrillRecord = {
      schemaVersion: 1,
      kind: 'drill',
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: 'default',
      drillCollection: options.name,
      source: { collection: 'products', snapshotName: 'daily_20261120_030000' },
      runId: options.runId,
      state: 'restoring',
      startedAt: options.startedAt.toISOString(),
      deadline: new Date(options.startedAt.getTime() + 12 * HOUR).toISOString(),
      jobIds: [],
      ...(options.recordId === 'other'
        ? { collectionId: '4242' }
        : options.recordId === 'none' || !id
          ? {}
          : { collectionId: id }),
      lostRequests: 0,
      updatedBy: options.runId,
      updatedAt: options.startedAt.toISOString(),
    };
    await worldDrillLedger(world).write(record);
    if (options.runEnded)
      await worldDrillLedger(world).recordRunEnded(options.runId, new Date(world.clock.now()));
    return record;
  }

  it("drops an ended drill's collection, and leaves a user's look-alike collection untouched, saying so", async () => {
    // Prepare: a user's collection named exactly like a drill collection, with data, a day old
    const lookAlike = drillCollectionName('drill', 'products', hoursAgo(30));
    await seedCollection(world, lookAlike, 5);
    const orphan = drillCollectionName('drill', 'products', hoursAgo(2), 'a1b2c3');
    await earlierDrill({ name: orphan, runId: 'ended-run', startedAt: hoursAgo(2), runEnded: true });
    await seedCollection(world, 'products', 5);

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result).toMatchObject({
      dropped: [orphan],
      notOurs: [
        {
          name: lookAlike,
          reason: "named like a drill collection, but this deployment's ledger has no drill of that name",
        },
      ],
      counts: { dropped: 1, notOurs: 1, inProgress: 0, failed: 0 },
    });
    expect(names()).toEqual([lookAlike, 'products'].sort());
    expect(await worldDrillLedger(world).list('default')).toEqual([]);
  });

  it("never drops another run's live drill, however old the stamp in its name", async () => {
    // Prepare: a long run started 30 hours ago; its drill started just now and is still restoring
    const live = drillCollectionName('drill', 'products', hoursAgo(30), 'ffffff');
    await earlierDrill({ name: live, runId: 'long-run', startedAt: new Date(world.clock.now()) });

    // Act
    const result = await invoke(
      handler,
      collectionInput(drillRun(world, { orphanMaxAgeHours: 1 }), 'products'),
    );

    // Assess
    expect(result.dropped).toEqual([]);
    expect(result.counts.inProgress).toBe(1);
    expect(names()).toEqual([live]);
  });

  it('leaves a collection of the recorded name alone when its id is not the recorded one', async () => {
    // Prepare: the drill collection was dropped and a user created one with the same name
    const name = drillCollectionName('drill', 'products', hoursAgo(40), 'abcdef');
    await earlierDrill({
      name,
      runId: 'old-run',
      startedAt: hoursAgo(40),
      runEnded: true,
      recordId: 'other',
    });

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result.dropped).toEqual([]);
    expect(result.notOurs).toEqual([
      { name, reason: expect.stringMatching(/^its id is \d+, not 4242 as the drill recorded/) },
    ]);
    expect(names()).toEqual([name]);
  });

  it("treats another deployment's drill collections as not ours", async () => {
    // Prepare: deployment B's drill, recorded in B's ledger only
    const theirs = drillCollectionName('drill', 'products', hoursAgo(50), '0b0b0b');
    await seedCollection(world, theirs, 2);

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result.dropped).toEqual([]);
    expect(result.notOurs.map((n) => n.name)).toEqual([theirs]);
    expect(names()).toEqual([theirs]);
  });

  it('forgets a record whose collection is gone once its drill is over', async () => {
    // Prepare
    const gone = drillCollectionName('drill', 'products', hoursAgo(20), 'c0ffee');
    await earlierDrill({ name: gone, runId: 'old-run', startedAt: hoursAgo(20), exists: false });

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result.counts).toEqual({ dropped: 0, notOurs: 0, inProgress: 0, failed: 0 });
    expect(await worldDrillLedger(world).list('default')).toEqual([]);
  });

  it('sweeps only the database of the collection being drilled', async () => {
    // Prepare
    const old = drillCollectionName('drill', 'events', hoursAgo(48));
    await world.client.createDatabase({ db_name: 'analytics' });
    await world.client.createCollection({
      db_name: 'analytics',
      collection_name: old,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'vector', data_type: 'FloatVector', dim: 4 },
      ],
    });

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result.dropped).toEqual([]);
    expect(world.emulator.inspect.collections('analytics').map((c) => c.name)).toEqual([old]);
  });
});
