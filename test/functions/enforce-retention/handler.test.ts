import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as enforceRetention } from '../../../functions/enforce-retention/handler';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  lambdaContext,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldScope,
} from '../../support/step-world';

const ref = { database: 'default', collection: 'products' };

/** Ten owned daily snapshots at 03:00 UTC, 12..21 November 2026, plus one made by a person. */
async function tenDailySnapshots(world: DrillWorld): Promise<string[]> {
  const names: string[] = [];
  for (let day = 12; day <= 21; day++) {
    world.clock.set(Date.parse(`2026-11-${day}T03:00:00Z`));
    const name = `daily_202611${day}_030000`;
    await takeOwnedSnapshot(world, 'products', name);
    names.push(name);
  }
  await world.milvus.createSnapshot(ref, 'before_migration', 'taken by hand before the schema change');
  world.clock.set(Date.parse('2026-11-21T03:05:00Z'));
  return names;
}

function retentionRun(
  world: DrillWorld,
  policy: Record<string, unknown>,
  extra: Partial<RunContext> = {},
): RunContext {
  return drillRun(world, {}, { mode: 'backup', policies: { default: policy as never }, ...extra });
}

function remaining(world: DrillWorld): string[] {
  return world.emulator.inspect
    .snapshots('default', 'products')
    .map((s) => s.name)
    .sort();
}

describe('EnforceRetention against the emulator', () => {
  let world: DrillWorld;
  beforeEach(async () => {
    world = await startDrillWorld();
    // Milvus timestamps never go backwards: start the clock before the first snapshot's day.
    world.clock.set(Date.parse('2026-11-01T00:00:00Z'));
    await seedCollection(world, 'products', 20);
  });
  afterEach(async () => {
    await world.close();
  });

  it('drops what the policy does not keep, and never a snapshot it did not make', async () => {
    // Prepare
    const names = await tenDailySnapshots(world);

    // Act
    const result = await enforceRetention(
      { ...collectionInput(retentionRun(world, { keepLast: 3 }), 'products') },
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(remaining(world)).toEqual(['before_migration', ...names.slice(-3)].sort());
    expect(result).toMatchObject({ dryRun: false, skipped: [] });
    const dropped = (result as { dropped: Array<{ name: string; reason: string }> }).dropped;
    expect(dropped.map((d) => d.name).sort()).toEqual(names.slice(0, 7).sort());
    expect(dropped[0]?.reason).toBe('not kept by any rule (keep last 3)');
    expect((result as { kept: unknown[] }).kept).toContainEqual({
      name: 'before_migration',
      reasons: ['not managed'],
    });
  });

  it('changes nothing in a dry run, and says what it would drop', async () => {
    // Prepare
    const names = await tenDailySnapshots(world);

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }, { dryRun: true }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(remaining(world)).toHaveLength(11);
    expect(result).toMatchObject({ dryRun: true });
    expect((result as { dropped: unknown[] }).dropped).toHaveLength(7);
    expect(names).toHaveLength(10);
  });

  it('reports a pinned snapshot as skipped, leaves it, and still drops the rest', async () => {
    // Prepare: a drill (or a restore) holds a pin on the oldest snapshot
    const names = await tenDailySnapshots(world);
    const oldest = names[0] ?? '';
    await world.milvus.pinSnapshot(ref, oldest, 3600);

    // Act
    const result = (await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }), 'products'),
      lambdaContext('EnforceRetention'),
    )) as { dropped: unknown[]; skipped: Array<{ name: string; reason: string }> };

    // Assess
    expect(result.skipped).toEqual([{ name: oldest, reason: expect.stringMatching(/^pinned/) }]);
    expect(result.dropped).toHaveLength(6);
    expect(remaining(world)).toContain(oldest);
  });

  it('keeps the newest snapshot that passed a drill, and the one this run just made', async () => {
    // Prepare: only an old snapshot ever passed a drill (the newer backups were never proven)
    const names = await tenDailySnapshots(world);
    await new FileReportStore(world.reportsDir).putJson(
      ReportKeys.latestVerified(worldScope(world), 'default', 'products'),
      {
        snapshotName: names[1],
      },
    );
    const backup = {
      snapshotName: names[9] ?? '',
      alreadyExisted: false,
      rowCount: 20,
      createdAt: '2026-11-21T03:00:00.000Z',
    };

    // Act
    const result = (await enforceRetention(
      { ...collectionInput(retentionRun(world, { keepLast: 1 }), 'products'), backup },
      lambdaContext('EnforceRetention'),
    )) as { kept: Array<{ name: string; reasons: string[] }> };

    // Assess
    expect(result.kept).toContainEqual({ name: names[1], reasons: ['newest verified'] });
    expect(result.kept).toContainEqual({ name: names[9], reasons: ['last', 'just created'] });
    expect(remaining(world)).toEqual(['before_migration', names[1], names[9]].sort());
  });

  it('leaves out a snapshot that vanished between list and describe (a concurrent run dropped it)', async () => {
    // Prepare
    await tenDailySnapshots(world);
    world.emulator.faults.load({
      rules: [{ method: 'DescribeSnapshot', milvusCode: 2600, reason: 'snapshot not found', times: 1 }],
    });

    // Act
    const result = (await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }), 'products'),
      lambdaContext('EnforceRetention'),
    )) as { kept: unknown[]; dropped: unknown[] };

    // Assess: the snapshot that vanished between list and describe is simply not planned
    expect(result.kept.length + result.dropped.length).toBe(10);
  });

  it('fails on a run without the collection policy, naming it, before dropping anything', async () => {
    // Prepare
    await tenDailySnapshots(world);
    const input = collectionInput(retentionRun(world, { keepLast: 3 }), 'products');

    // Act
    const act = enforceRetention(
      { ...input, target: { ...input.target, policy: 'gold' } },
      lambdaContext('EnforceRetention'),
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining("'gold'"),
    });
    expect(remaining(world)).toHaveLength(11);
  });
});
