import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import { handler } from '../../../functions/start-restore/handler';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
  worldDrillLedger,
} from '../../support/step-world';

const SNAPSHOT = 'daily_20261121_030000';

describe('StartRestore handler', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 30);
    await takeOwnedSnapshot(world, 'products', SNAPSHOT);
  });
  afterEach(async () => world.close());

  const startInput = async (drill: Record<string, unknown> = {}) => {
    const base = collectionInput(drillRun(world, drill), 'products');
    return { ...base, drillSource: await chooseSnapshot(base, worldDeps(world)) };
  };

  it('records the drill collection in the ledger first, then restores into it, taking no pin of its own', async () => {
    // Prepare
    const input = await startInput({ timeoutMinutes: 30 });

    // Act
    const restore = await invoke(handler, input);

    // Assess
    const target = drillTargetName(input.run, 'products');
    const { id } = await world.milvus.describeCollection({ database: 'default', collection: target });
    expect(restore).toEqual({
      targetCollection: target,
      collectionId: id,
      jobId: expect.stringMatching(/^\d+$/),
      startedAt: '2026-11-21T03:00:00.000Z',
      firstWaitSeconds: 5,
      resumed: false,
    });
    expect(await worldDrillLedger(world).read('default', target)).toMatchObject({
      runId: input.run.runId,
      state: 'restoring',
      source: { collection: 'products', snapshotName: SNAPSHOT },
      jobIds: [restore.jobId],
      collectionId: id,
      lostRequests: 0,
      // The drill cannot outlive its run: start + the run timeout (720 minutes).
      deadline: '2026-11-21T15:00:00.000Z',
    });
    expect(world.emulator.inspect.pins().filter((p) => p.kind === 'user')).toEqual([]);
  });

  it('carries on with its own restore when the reply to RestoreSnapshot was lost', async () => {
    // Prepare
    world.emulator.faults.add({
      method: 'RestoreSnapshot',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });
    const input = await startInput();

    // Act
    await expect(invoke(handler, input)).rejects.toMatchObject({ name: 'MilvusUnavailableError' });
    world.clock.advance(2_000); // the state machine's retry interval
    const retried = await invoke(handler, input);

    // Assess: one job, found again, and the lost request accounted for
    const jobs = world.emulator.inspect.restoreJobs();
    expect(jobs).toHaveLength(1);
    expect(retried).toMatchObject({
      resumed: true,
      jobId: jobs[0]?.jobId,
      startedAt: '2026-11-21T03:00:00.000Z',
    });
    expect(await worldDrillLedger(world).read('default', retried.targetCollection)).toMatchObject({
      jobIds: [retried.jobId],
      lostRequests: 0,
    });
  });

  it('counts a restore request whose reply was lost and that had not taken effect', async () => {
    // Prepare
    world.emulator.faults.add({ method: 'RestoreSnapshot', grpcStatus: 'UNAVAILABLE', times: 1 });
    const input = await startInput();

    // Act
    await expect(invoke(handler, input)).rejects.toMatchObject({ name: 'MilvusUnavailableError' });
    const retried = await invoke(handler, input);

    // Assess: the first request may still land later; cleanup must know
    expect(retried.resumed).toBe(false);
    expect(await worldDrillLedger(world).read('default', retried.targetCollection)).toMatchObject({
      lostRequests: 1,
    });
  });

  it('never touches an existing collection with the drill name that this run did not restore into', async () => {
    // Prepare: ChooseSnapshot holds the snapshot; then someone creates a collection of the drill's name
    const input = await startInput();
    const name = drillTargetName(input.run, 'products');
    await seedCollection(world, name, 4);

    // Act / Assess
    await expect(invoke(handler, input)).rejects.toMatchObject({
      name: 'DrillTargetConflictError',
      message: expect.stringContaining(
        `the drill collection default.${name} already exists and this run has asked for no restore into it`,
      ),
    });
    expect(world.emulator.inspect.rowCounts('default', name)?.sealed).toBe(4);
    expect(world.emulator.calls.count('RestoreSnapshot')).toBe(0);
    // Only the hold: no request was sent, which is what lets cleanup release it and touch nothing
    expect(await worldDrillLedger(world).read('default', name)).toMatchObject({
      state: 'chosen',
      jobIds: [],
      lostRequests: 0,
    });
  });

  it('never touches an existing collection with the drill name that the ledger does not record', async () => {
    // Prepare: a drill chosen by a ChooseSnapshot of a release before the hold (no record yet)
    const input = await startInput();
    const name = drillTargetName(input.run, 'products');
    await worldDrillLedger(world).remove({ database: 'default', drillCollection: name });
    await seedCollection(world, name, 4);

    // Act / Assess
    await expect(invoke(handler, input)).rejects.toMatchObject({
      name: 'DrillTargetConflictError',
      message: expect.stringContaining(
        `the drill collection default.${name} already exists and this deployment's ledger has no drill of that name`,
      ),
    });
    expect(world.emulator.inspect.rowCounts('default', name)?.sealed).toBe(4);
    expect(world.emulator.calls.count('RestoreSnapshot')).toBe(0);
    expect(await worldDrillLedger(world).read('default', name)).toBeUndefined();
  });

  it('fails with the reason Milvus gives when it refuses the restore, leaving nothing behind but its record', async () => {
    // Prepare
    world.emulator.faults.add({
      method: 'RestoreSnapshot',
      milvusCode: 2600,
      reason: 'snapshot not found',
      times: 1,
    });
    const input = await startInput();

    // Act / Assess
    await expect(invoke(handler, input)).rejects.toMatchObject({ name: 'SnapshotNotFoundError' });
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(
      await worldDrillLedger(world).read('default', drillTargetName(input.run, 'products')),
    ).toMatchObject({
      jobIds: [],
      lostRequests: 0,
    });
  });
});
