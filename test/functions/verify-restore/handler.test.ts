import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { pollRestore } from '../../../functions/poll-restore/poll-restore';
import { startRestore } from '../../../functions/start-restore/start-restore';
import { handler } from '../../../functions/verify-restore/handler';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
} from '../../support/step-world';

describe('VerifyRestore handler', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 40);
  });
  afterEach(async () => world.close());

  /** A drill whose restore has completed, ready for verification. */
  const restored = async (drill: Record<string, unknown> = {}, recordedRows?: number) => {
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000', recordedRows);
    const deps = worldDeps(world);
    const base = collectionInput(drillRun(world, drill), 'products');
    const drillSource = await chooseSnapshot(base, deps);
    const restore = await startRestore({ ...base, drillSource }, deps);
    world.clock.advance(5_000);
    const poll = await pollRestore({ ...base, restore }, deps);
    expect(poll.decision).toBe('completed');
    return { ...base, drillSource, restore, poll };
  };

  it('passes a tolerance that covers the difference, and shows it in the expected value', async () => {
    // Prepare: 41 recorded, 40 restored: 2.4 % off
    const input = await restored({ rowTolerancePercent: 2.5 }, 41);

    // Act
    const verification = await invoke(handler, input);

    // Assess
    expect(verification).toMatchObject({ verified: true, restoredRows: 40, deepPending: false });
    expect(verification.checks).toContainEqual({
      name: 'rowCount',
      ok: true,
      expected: '41 ± 2.5 %',
      actual: 40,
    });
  });

  it('fails the index check when the restored indexes differ from the source collection’s', async () => {
    // Prepare: an index the snapshot does not have (added to the source after it was taken)
    const input = await restored();
    const created = await world.client.createIndex({
      collection_name: 'products',
      field_name: 'tag',
      index_type: 'INVERTED',
    });
    expect(created.error_code).toBe('Success');

    // Act
    const verification = await invoke(handler, input);

    // Assess
    expect(verification.verified).toBe(false);
    expect(verification.checks).toContainEqual({
      name: 'indexes',
      ok: false,
      expected: 'tag:INVERTED, vector:HNSW',
      actual: 'vector:HNSW',
    });
  });

  it('never verifies a restored copy that shows a fraction of the rows the snapshot held (deep)', async () => {
    // Prepare: the source was loaded at backup, so count(*) and sampled keys were recorded; the
    // restored copy then shows 1 row of 40, while its statistics still count 40
    await world.milvus.startLoad({ database: 'default', collection: 'products' });
    const input = await restored({ verification: 'deep' });
    await world.client.delete({ collection_name: input.restore.targetCollection, filter: 'id > 1' });

    // Act
    let verification = await invoke(handler, input);
    while (verification.deepPending) {
      world.clock.advance((verification.waitSeconds ?? 1) * 1000);
      verification = await invoke(handler, { ...input, verification });
    }

    // Assess
    expect(verification.verified).toBe(false);
    expect(verification.checks).toContainEqual({ name: 'rowCount', ok: true, expected: 40, actual: 40 });
    expect(verification.checks).toContainEqual({ name: 'countStar', ok: false, expected: 40, actual: 1 });
    expect(verification.checks).toContainEqual(
      expect.objectContaining({ name: 'sampledKeys', ok: false, expected: '3 sampled keys' }),
    );
  });

  it('refuses a collection of the drill name that is not the one the restore created', async () => {
    // Prepare: the restored copy was replaced by another collection of the same name
    const input = await restored();
    await world.milvus.dropCollection({ database: 'default', collection: input.restore.targetCollection });
    await seedCollection(world, input.restore.targetCollection, 40);

    // Act
    const verification = await invoke(handler, input);

    // Assess
    expect(verification.verified).toBe(false);
    expect(verification.checks[0]).toMatchObject({
      name: 'exists',
      ok: false,
      actual: expect.stringMatching(/^id \d+$/),
    });
  });

  it('never verifies a lossy restore: the statistics and segments show the rows it lost (standard)', async () => {
    // Prepare: a restore that completes with half of the snapshot's segments copied
    await world.client.insert({
      collection_name: 'products',
      data: Array.from({ length: 40 }, (_, i) => ({ id: 100 + i, tag: 'b', vector: [i, i, i, i] })),
    });
    await world.client.flush({ collection_names: ['products'] });
    world.emulator.faults.load({ restore: { outcome: 'lossy', keepFraction: 0.5, durationMs: 1_000 } });
    const input = await restored();

    // Act
    const verification = await invoke(handler, input);

    // Assess
    expect(verification.verified).toBe(false);
    expect(verification.checks).toContainEqual({ name: 'rowCount', ok: false, expected: 80, actual: 40 });
    expect(verification.checks).toContainEqual({
      name: 'segments',
      ok: false,
      expected: '2 segments, 80 rows',
      actual: '1 segment, 40 rows',
    });
  });

  it('reports every check as failed, with the reason, when the restored collection is gone', async () => {
    // Prepare
    const input = await restored();
    await world.milvus.dropCollection({ database: 'default', collection: input.restore.targetCollection });

    // Act
    const verification = await invoke(handler, input);

    // Assess
    expect(verification).toMatchObject({ verified: false, restoredRows: null });
    expect(verification.checks.map((c) => [c.name, c.ok])).toEqual([
      ['exists', false],
      ['schemaFingerprint', false],
      ['indexes', false],
      ['rowCount', false],
      ['segments', false],
    ]);
    expect(verification.checks[3]?.actual).toBe('not checked: the restored collection does not exist');
  });

  it('waits for a load that has not finished, asking for it again, then completes the deep check', async () => {
    // Prepare: the state machine hands back a pending deep check; the collection is not loaded
    const input = await restored({ verification: 'deep' });
    const pending = {
      checks: [{ name: 'exists', ok: true, expected: 'x', actual: 'x' }],
      verified: false,
      restoredRows: 40,
      deepPending: true,
      loadPolls: 0,
    };

    // Act
    const waiting = await invoke(handler, { ...input, verification: pending });
    world.clock.advance((waiting.waitSeconds ?? 0) * 1000);
    const done = await invoke(handler, { ...input, verification: waiting });

    // Assess
    expect(waiting).toMatchObject({ deepPending: true, verified: false, waitSeconds: 5, loadPolls: 1 });
    expect(world.emulator.calls.count('LoadCollection')).toBe(1);
    expect(done).toMatchObject({ deepPending: false, verified: true, restoredRows: 40 });
    expect(done.checks.map((c) => c.name)).toEqual(['exists', 'loaded', 'countStar', 'selfSearch']);
  });

  it('fails the load check of a load not finished by the drill deadline, and releases', async () => {
    // Prepare
    const input = await restored({ verification: 'deep', timeoutMinutes: 5 });
    const pending = {
      checks: [{ name: 'exists', ok: true, expected: 'x', actual: 'x' }],
      verified: false,
      restoredRows: 40,
      deepPending: true,
      loadPolls: 6,
    };
    world.clock.advance(5 * 60_000);

    // Act
    const verification = await invoke(handler, { ...input, verification: pending });

    // Assess
    expect(verification).toMatchObject({ deepPending: false, verified: false });
    expect(verification.checks[1]).toEqual({
      name: 'loaded',
      ok: false,
      expected: 'LoadStateLoaded',
      actual: 'LoadStateNotLoad at the drill deadline (5 min after the restore started)',
    });
    expect(world.emulator.calls.count('ReleaseCollection')).toBe(1);
  });

  it('refuses to verify a restore that did not complete, naming the field', async () => {
    // Prepare
    const input = await restored();

    // Act / Assess
    await expect(
      invoke(handler, { ...input, poll: { ...input.poll, decision: 'failed' } }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/poll\.decision.*got "failed"/),
    });
  });

  it('refuses to verify a collection that is not this drill’s', async () => {
    // Prepare
    const input = await restored();

    // Act / Assess
    await expect(
      invoke(handler, { ...input, restore: { ...input.restore, targetCollection: 'products' } }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('got "products"'),
    });
  });
});
