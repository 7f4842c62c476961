import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../emulator';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  startFixture,
} from './support/emulator-fixture';

const LATE_MS = 20_000;

// A fault rule with applyAfterMs: the client is answered with the failure at once (as when its
// deadline passes), and the server makes the change later anyway.
describe('late applications (applyAfterMs)', () => {
  let fx: EmulatorFixture;
  // Retries off, so the client sees the injected failure itself.
  let client: MilvusClient;
  const clock = new ManualClock();
  let serial = 0;

  beforeAll(async () => {
    fx = await startFixture({ clock });
    client = await fx.connect({ maxRetries: 0 });
  });

  afterAll(async () => {
    await fx.close();
  });

  afterEach(() => {
    fx.emulator.faults.clear();
  });

  async function collection(): Promise<string> {
    serial += 1;
    const name = `late_${serial}`;
    await createTestCollection(fx.client, { name });
    await insertRows(fx.client, name, 1, 5);
    await flush(fx.client, name);
    return name;
  }

  const lateRule = (method: string) => ({
    method,
    grpcStatus: 'DEADLINE_EXCEEDED' as const,
    applyAfterMs: LATE_MS,
    times: 1,
  });

  it('answers DEADLINE_EXCEEDED at once and creates the snapshot later, stamped with the due time', async () => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.add(lateRule('CreateSnapshot'));
    const sentAt = clock.now();

    // Act
    const reply = await client
      .createSnapshot({ collection_name: name, snapshot_name: 'late' })
      .catch((e: unknown) => e);
    const before = await fx.client.listSnapshots({ collection_name: name });
    const pending = fx.emulator.inspect.lateApplications().filter((a) => a.collection === name);
    clock.advance(LATE_MS - 1);
    const almost = await fx.client.listSnapshots({ collection_name: name });
    clock.advance(1);
    const after = await fx.client.listSnapshots({ collection_name: name });
    const described = await fx.client.describeSnapshot({ collection_name: name, snapshot_name: 'late' });

    // Assess
    expect(reply).toMatchObject({ code: 4 });
    expect(before.snapshots).toEqual([]);
    expect(pending).toEqual([
      {
        method: 'CreateSnapshot',
        database: 'default',
        collection: name,
        receivedAtMs: sentAt,
        dueAtMs: sentAt + LATE_MS,
        state: 'pending',
      },
    ]);
    expect(almost.snapshots).toEqual([]);
    expect(after.snapshots).toEqual(['late']);
    expect(Number(BigInt(described.create_ts) >> 18n)).toBe(sentAt + LATE_MS);
    expect(fx.emulator.inspect.lateApplications().find((a) => a.collection === name)).toMatchObject({
      state: 'applied',
      code: 0,
    });
  });

  it('can answer with a Milvus status instead, and records a call that fails when it is finally applied', async () => {
    // Prepare: the client, told the create failed, retries and succeeds before the late one lands
    const name = await collection();
    fx.emulator.faults.add({
      method: 'CreateSnapshot',
      milvusCode: 65535,
      reason: 'context deadline exceeded',
      applyAfterMs: LATE_MS,
      times: 1,
    });

    // Act
    const first = await client.createSnapshot({ collection_name: name, snapshot_name: 'twice' });
    const retry = await client.createSnapshot({ collection_name: name, snapshot_name: 'twice' });
    clock.advance(LATE_MS);
    const late = fx.emulator.inspect.lateApplications().find((a) => a.collection === name);

    // Assess
    expect(first).toMatchObject({ code: 65535, reason: 'context deadline exceeded' });
    expect(retry.error_code).toBe('Success');
    expect(late).toMatchObject({
      state: 'failed',
      code: 1100,
      reason: 'snapshot name twice already exists: invalid parameter',
    });
  });

  it('starts a restore late: the client has no job id, but the job and its target appear at the due time', async () => {
    // Prepare
    const name = await collection();
    await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
    fx.emulator.faults.add(lateRule('RestoreSnapshot'));

    // Act
    const reply = await client
      .restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_copy`,
      })
      .catch((e: unknown) => e);
    const targetBefore = await fx.client.hasCollection({ collection_name: `${name}_copy` });
    clock.advance(LATE_MS);
    const jobs = await fx.client.listRestoreSnapshotJobs({ collection_name: `${name}_copy` });

    // Assess
    expect(reply).toMatchObject({ code: 4 });
    expect(targetBefore.value).toBe(false);
    expect(jobs.jobs).toHaveLength(1);
    expect(jobs.jobs[0]?.start_time).toBe(String(clock.now()));
  });

  const mutations: readonly [
    string,
    (name: string) => Promise<unknown>,
    (name: string) => Promise<boolean>,
  ][] = [
    [
      'DropSnapshot',
      async (name) => {
        await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'gone' });
        return client.dropSnapshot({ collection_name: name, snapshot_name: 'gone' });
      },
      async (name) => (await fx.client.listSnapshots({ collection_name: name })).snapshots.length === 0,
    ],
    [
      'DropCollection',
      (name) => client.dropCollection({ collection_name: name }),
      async (name) => !(await fx.client.hasCollection({ collection_name: name })).value,
    ],
    [
      'PinSnapshotData',
      async (name) => {
        await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'held' });
        return client.pinSnapshotData({ collection_name: name, snapshot_name: 'held' });
      },
      async (name) => fx.emulator.inspect.pins().some((p) => p.collection === name && p.kind === 'user'),
    ],
    [
      'Insert',
      (name) =>
        client.insert({ collection_name: name, data: [{ id: 99, tag: 'late', vector: [1, 2, 3, 4] }] }),
      async (name) => fx.emulator.inspect.rowCounts('default', name)?.growing === 1,
    ],
    [
      'CreateAlias',
      (name) => client.createAlias({ collection_name: name, alias: `${name}_alias` }),
      async (name) => (await fx.client.listAliases({ collection_name: name })).aliases.length === 1,
    ],
    [
      'RenameCollection',
      (name) => client.renameCollection({ collection_name: name, new_collection_name: `${name}_renamed` }),
      async (name) => (await fx.client.hasCollection({ collection_name: `${name}_renamed` })).value === true,
    ],
  ];

  it.each(mutations)('applies %s after the deadline reply, not before', async (method, act, applied) => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.add(lateRule(method));

    // Act
    const reply = await Promise.resolve(act(name)).catch((e: unknown) => e);
    const early = await applied(name);
    clock.advance(LATE_MS);
    const late = await applied(name);

    // Assess
    expect(reply).toMatchObject({ code: 4 });
    expect([early, late]).toEqual([false, true]);
  });
});

describe('lateApplicationsDone', () => {
  it('resolves once the pending calls have been applied in real time on the system clock', async () => {
    // Prepare
    const fx = await startFixture({
      faults: {
        rules: [{ method: 'CreateDatabase', grpcStatus: 'DEADLINE_EXCEEDED', applyAfterMs: 60, times: 1 }],
      },
    });
    try {
      const client = await fx.connect({ maxRetries: 0 });
      const reply = await client.createDatabase({ db_name: 'later' }).catch((e: unknown) => e);
      const before = fx.emulator.inspect.databases();

      // Act
      await fx.emulator.lateApplicationsDone();

      // Assess
      expect(reply).toMatchObject({ code: 4 });
      expect(before).not.toContain('later');
      expect(fx.emulator.inspect.databases()).toContain('later');
    } finally {
      await fx.close();
    }
  });

  it('resolves at once when nothing is pending', async () => {
    // Prepare
    const fx = await startFixture();
    try {
      // Act
      const done = await fx.emulator.lateApplicationsDone().then(() => 'done');

      // Assess
      expect(done).toBe('done');
    } finally {
      await fx.close();
    }
  });
});
