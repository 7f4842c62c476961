import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as enforceRetention } from '../../../functions/enforce-retention/handler';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { RETENTION_LIST_LIMIT } from '../../../functions/shared/contracts/run-report';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  lambdaContext,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldLedger,
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
    expect(result).toMatchObject({
      dryRun: false,
      skipped: [],
      counts: { kept: 3, dropped: 7, skipped: 0, notOurs: 1, vanished: 0 },
      notOurs: [{ name: 'before_migration', reason: 'not made by milvus-snapshot-scheduler' }],
    });
    expect(result.dropped.map((d) => d.name).sort()).toEqual(names.slice(0, 7).sort());
    expect(result.dropped[0]?.reason).toBe('not kept by any rule (keep last 3)');
    // The dropped snapshots' records go: the ledger holds what this deployment has in Milvus.
    expect(
      (await worldLedger(world).list('default', 'products')).records.map((r) => r.snapshotName).sort(),
    ).toEqual(names.slice(-3).sort());
  });

  it('keeps, and lists as not ours, every snapshot the ledger does not prove: copied markers, lost records, other deployments', async () => {
    // Prepare: ten of ours, then neighbours that look like ours
    const names = await tenDailySnapshots(world);
    const copied = (await world.milvus.describeSnapshot(ref, names[0] ?? '')).description;
    await world.milvus.createSnapshot(ref, 'daily_20261101_030000', copied);
    const lostRecord = await worldLedger(world).read('default', 'products', names[1] ?? '');
    if (lostRecord) await worldLedger(world).remove(lostRecord);
    // Dropped by someone and made again under the same name with the same description: not the snapshot recorded.
    const recreated = (await world.milvus.describeSnapshot(ref, names[2] ?? '')).description;
    await world.milvus.dropSnapshot(ref, names[2] ?? '');
    await world.milvus.createSnapshot(ref, names[2] ?? '', recreated);
    const other = drillRun(
      world,
      {},
      { deployment: { ...drillRun(world).deployment, id: 'staging.eu-west-1' } },
    );

    // Act: a keep-nothing-extra policy for us; another deployment runs its own retention too
    const ours = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 1 }), 'products'),
      lambdaContext('EnforceRetention'),
    );
    const theirs = await enforceRetention(
      collectionInput(
        { ...other, mode: 'backup', policies: { default: { keepLast: 1 } as never } },
        'products',
      ),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(ours.notOurs).toEqual(
      expect.arrayContaining([
        { name: 'before_migration', reason: 'not made by milvus-snapshot-scheduler' },
        {
          name: 'daily_20261101_030000',
          reason:
            "marked as this deployment's, but not in its ledger (`snapshots adopt` recovers a lost record)",
        },
        {
          name: names[1],
          reason:
            "marked as this deployment's, but not in its ledger (`snapshots adopt` recovers a lost record)",
        },
        {
          name: names[2],
          reason: expect.stringMatching(/^created at \d+, not at \d+ as the ledger records$/),
        },
      ]),
    );
    expect(remaining(world)).toEqual(
      ['before_migration', 'daily_20261101_030000', names[1], names[2], names[9]].sort(),
    );
    expect(theirs.counts).toMatchObject({ dropped: 0, kept: 0, notOurs: 5 });
    expect(theirs.notOurs).toContainEqual({ name: names[9], reason: 'made by deployment test-deployment' });
  });

  it('changes nothing in a dry run, the ledger included, and says what it would drop', async () => {
    // Prepare
    await tenDailySnapshots(world);
    const ledgerBefore = (await worldLedger(world).list('default', 'products')).records;

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }, { dryRun: true }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(remaining(world)).toHaveLength(11);
    expect(result).toMatchObject({ dryRun: true, counts: { dropped: 7 } });
    expect((await worldLedger(world).list('default', 'products')).records).toEqual(ledgerBefore);
  });

  it('counts a drop whose reply was lost as dropped: the report says what Milvus holds', async () => {
    // Prepare: the first DropSnapshot takes effect but its reply is lost
    const names = await tenDailySnapshots(world);
    world.emulator.faults.add({
      method: 'DropSnapshot',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });
    const input = collectionInput(retentionRun(world, { keepLast: 3 }), 'products');

    // Act: the state machine retries the step
    const first = await enforceRetention(input, lambdaContext('EnforceRetention')).catch((e: unknown) => e);
    const retried = await enforceRetention(input, lambdaContext('EnforceRetention'));

    // Assess
    expect(first).toMatchObject({ name: 'MilvusUnavailableError' });
    expect(retried.counts.dropped).toBe(7);
    expect(retried.dropped).toContainEqual({
      name: expect.any(String),
      reason: 'dropped by an earlier attempt of this step, whose reply was lost',
    });
    expect(remaining(world)).toEqual(['before_migration', ...names.slice(-3)].sort());
  });

  it('reports a pinned snapshot as skipped, leaves it, and still drops the rest', async () => {
    // Prepare: a restore holds a pin on the oldest snapshot
    const names = await tenDailySnapshots(world);
    const oldest = names[0] ?? '';
    await world.milvus.pinSnapshot(ref, oldest, 3600);

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(result.skipped).toEqual([{ name: oldest, reason: expect.stringMatching(/^pinned/) }]);
    expect(result.counts.dropped).toBe(6);
    expect(remaining(world)).toContain(oldest);
    expect(await worldLedger(world).read('default', 'products', oldest)).toMatchObject({ state: 'created' });
  });

  it.each([
    ['drill', 'a restore drill'],
    ['restore', "an operator's restore"],
  ] as const)('keeps a snapshot that a %s still running restores', async (kind, who) => {
    // Prepare: another run's drill (or restore) of the oldest snapshot, recorded and not over
    const names = await tenDailySnapshots(world);
    const scope = worldScope(world);
    const at = new Date(world.clock.now()).toISOString();
    await new DrillLedger(new FileReportStore(world.reportsDir), scope, kind).write({
      schemaVersion: 1,
      kind,
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: 'default',
      drillCollection: 'drill_products_20261121_030000_abcdef',
      source: { collection: 'products', snapshotName: names[0] ?? '' },
      runId: 'drilling-run',
      state: 'restoring',
      startedAt: at,
      deadline: new Date(world.clock.now() + 3_600_000).toISOString(),
      jobIds: [],
      lostRequests: 0,
      updatedBy: 'drilling-run',
      updatedAt: at,
    });

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(result.skipped).toEqual([
      { name: names[0], reason: `${who} (run drilling-run) is using it; retried next run` },
    ]);
    expect(remaining(world)).toContain(names[0]);
  });

  it('keeps the newest snapshot that passed a drill, and the one this run just made', async () => {
    // Prepare: only an old snapshot ever passed a drill (the newer backups were never proven)
    const names = await tenDailySnapshots(world);
    await new FileReportStore(world.reportsDir).putJson(
      ReportKeys.latestVerified(worldScope(world), 'default', 'products'),
      { snapshotName: names[1] },
    );
    const backup = {
      snapshotName: names[9] ?? '',
      alreadyExisted: false,
      rowCount: 20,
      createdAt: '2026-11-21T03:00:00.000Z',
    };

    // Act
    const result = await enforceRetention(
      { ...collectionInput(retentionRun(world, { keepLast: 1 }), 'products'), backup },
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(result.kept).toContainEqual({ name: names[1], reasons: ['newest verified'] });
    expect(result.kept).toContainEqual({ name: names[9], reasons: ['last', 'just created'] });
    expect(remaining(world)).toEqual(['before_migration', names[1], names[9]].sort());
  });

  it('reports a snapshot of ours that is gone without this run dropping it, and forgets it', async () => {
    // Prepare: someone dropped one of our snapshots by hand
    const names = await tenDailySnapshots(world);
    await world.milvus.dropSnapshot(ref, names[9] ?? '');

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 20 }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess
    expect(result.vanished).toEqual([
      { name: names[9], reason: 'no longer in Milvus: dropped outside this tool, or with its collection' },
    ]);
    expect(result.counts.dropped).toBe(0);
    expect(await worldLedger(world).read('default', 'products', names[9] ?? '')).toBeUndefined();
  });

  it('leaves out a snapshot that could not be described, without forgetting it', async () => {
    // Prepare
    await tenDailySnapshots(world);
    world.emulator.faults.load({
      rules: [{ method: 'DescribeSnapshot', milvusCode: 2600, reason: 'snapshot not found', times: 1 }],
    });

    // Act
    const result = await enforceRetention(
      collectionInput(retentionRun(world, { keepLast: 3 }), 'products'),
      lambdaContext('EnforceRetention'),
    );

    // Assess: ten planned of eleven, and every record of ours still there but the dropped ones
    const { counts } = result;
    expect(counts.kept + counts.dropped + counts.notOurs).toBe(10);
    expect(counts.vanished).toBe(0);
  });

  it('keeps its output small whatever the number of snapshots: capped lists, full counts, the rest stored', async () => {
    // Prepare: sixty snapshots of ours
    for (let i = 0; i < 60; i++) {
      world.clock.advance(60_000);
      await takeOwnedSnapshot(world, 'products', `minutely_${String(i).padStart(3, '0')}`);
    }

    // Act
    const input = collectionInput(retentionRun(world, { keepLast: 2 }), 'products');
    const result = await enforceRetention(input, lambdaContext('EnforceRetention'));

    // Assess
    expect(result.counts).toMatchObject({ kept: 2, dropped: 58 });
    expect(result.dropped).toHaveLength(RETENTION_LIST_LIMIT);
    expect(result.fullResult).toBeDefined();
    const stored = await new FileReportStore(world.reportsDir).getJson(
      ReportKeys.retentionResult(input.run.runId, 'default', 'products'),
    );
    expect((stored as { dropped: unknown[] }).dropped).toHaveLength(58);
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
