import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import { handler } from '../../../functions/start-restore/handler';
import { PIN_MARGIN_SECONDS } from '../../../functions/start-restore/start-restore';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
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
    return { ...base, drillSource: await chooseSnapshot(base, { milvus: world.milvus }) };
  };
  const userPins = () => world.emulator.inspect.pins().filter((p) => p.kind === 'user');

  it('pins the snapshot for the drill timeout plus a margin, then restores into the drill collection', async () => {
    // Prepare
    const input = await startInput({ timeoutMinutes: 30 });

    // Act
    const restore = await invoke(handler, input);

    // Assess
    const target = drillTargetName(input.run, 'products');
    expect(restore).toEqual({
      targetCollection: target,
      jobId: expect.stringMatching(/^\d+$/),
      pinId: expect.stringMatching(/^\d+$/),
      startedAt: '2026-11-21T03:00:00.000Z',
      firstWaitSeconds: 5,
      resumed: false,
    });
    expect(userPins()).toEqual([
      expect.objectContaining({
        pinId: restore.pinId,
        snapshot: SNAPSHOT,
        expiresAtMs: world.clock.now() + (30 * 60 + PIN_MARGIN_SECONDS) * 1000,
      }),
    ]);
    expect(world.emulator.inspect.restoreJobs()).toEqual([
      expect.objectContaining({
        jobId: restore.jobId,
        snapshot: SNAPSHOT,
        target: { database: 'default', collection: target },
      }),
    ]);
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
    const first = invoke(handler, input);
    await expect(first).rejects.toMatchObject({ name: 'MilvusUnavailableError' });
    world.clock.advance(2_000); // the state machine's retry interval
    const retried = await invoke(handler, input);

    // Assess
    const jobs = world.emulator.inspect.restoreJobs();
    expect(jobs).toHaveLength(1);
    expect(retried).toMatchObject({
      resumed: true,
      jobId: jobs[0]?.jobId,
      startedAt: '2026-11-21T03:00:00.000Z',
    });
    expect(userPins().map((p) => p.pinId)).toEqual([retried.pinId]); // the failed attempt released its pin
  });

  it('never touches an existing collection with the drill name that it did not restore', async () => {
    // Prepare
    const input = await startInput();
    const name = drillTargetName(input.run, 'products');
    await seedCollection(world, name, 4);

    // Act / Assess
    await expect(invoke(handler, input)).rejects.toMatchObject({
      name: 'DrillTargetConflictError',
      message: expect.stringContaining(`the drill collection default.${name} already exists`),
    });
    expect(world.emulator.inspect.rowCounts('default', name)?.sealed).toBe(4);
    expect(world.emulator.inspect.pins()).toEqual([]);
    expect(world.emulator.calls.count('RestoreSnapshot')).toBe(0);
  });

  it('releases its pin when Milvus refuses the restore', async () => {
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
  });
});
