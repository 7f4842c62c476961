import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drillCollectionName } from '../../../functions/shared/snapshot-naming';
import { handler } from '../../../functions/sweep-orphans/handler';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
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

  it('drops only drill collections older than the maximum age, and nothing else', async () => {
    // Prepare
    const old = drillCollectionName('drill', 'products', hoursAgo(30), 'a1b2c3');
    const oldUntagged = drillCollectionName('drill', 'orders', hoursAgo(72));
    const young = drillCollectionName('drill', 'products', hoursAgo(2), 'a1b2c3');
    const keepers = [
      'products',
      'drill_notes',
      young,
      'archive_20200101_000000',
      'drilling_x_20200101_000000',
    ];
    for (const name of [old, oldUntagged, ...keepers]) await seedCollection(world, name, 2);

    // Act
    const result = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(result).toEqual({
      dropped: [oldUntagged, old].sort(),
      kept: [
        { name: 'drill_notes', reason: 'no drill stamp in its name: not a drill collection' },
        { name: young, reason: 'younger than 24 h (stamped 2026-11-21T01:00:00.000Z)' },
      ],
    });
    expect(names()).toEqual([...keepers].sort());
  });

  it('never drops a drill collection younger than the drill timeout, whatever the configured age', async () => {
    // Prepare: a drill of another execution, 90 minutes into its 2-hour budget
    const running = drillCollectionName(
      'drill',
      'products',
      new Date(world.clock.now() - 90 * 60_000),
      'ffffff',
    );
    await seedCollection(world, running, 1);
    const run = drillRun(world, { orphanMaxAgeHours: 1, timeoutMinutes: 120 });

    // Act
    const result = await invoke(handler, collectionInput(run, 'products'));

    // Assess
    expect(result.dropped).toEqual([]);
    expect(names()).toEqual([running]);
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
