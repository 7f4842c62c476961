import { describe, expect, it } from 'vitest';
import {
  EmulatorOptionsError,
  EmulatorStartError,
  FaultPlanError,
  ManualClock,
  type MilvusEmulatorOptions,
  startMilvusEmulator,
} from '../../emulator';
import { createTestCollection, flush, insertRows, startFixture } from './support/emulator-fixture';

describe('startMilvusEmulator', () => {
  it('listens on 127.0.0.1 and a free port by default, and stops idempotently', async () => {
    // Act
    const emulator = await startMilvusEmulator();
    await emulator.stop();
    await emulator.stop();

    // Assess
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.address).toBe(`127.0.0.1:${emulator.port}`);
  });

  it.each([
    [{ port: -1 }, 'port must be an integer from 0 to 65535, got -1'],
    [{ port: 70_000 }, 'port must be an integer from 0 to 65535, got 70000'],
    [{ host: ' ' }, 'host must not be empty'],
    [{ token: '' }, 'token must not be empty'],
    [
      { restoreJobRetentionMs: -1 },
      'restoreJobRetentionMs must be a finite number of milliseconds >= 0, got -1',
    ],
    [
      { pinReleaseLagMs: Number.NaN },
      'pinReleaseLagMs must be a finite number of milliseconds >= 0, got NaN',
    ],
  ] satisfies [MilvusEmulatorOptions, string][])('refuses %j', async (options, message) => {
    // Act
    const attempt = startMilvusEmulator(options);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmulatorOptionsError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses an invalid fault plan before listening', async () => {
    // Act
    const attempt = startMilvusEmulator({ faults: { rules: [{ method: 'Flush', times: -1 }] } });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FaultPlanError);
  });

  it('reports a port already in use', async () => {
    // Prepare
    const first = await startMilvusEmulator();

    try {
      // Act
      const second = startMilvusEmulator({ port: first.port });

      // Assess
      await expect(second).rejects.toBeInstanceOf(EmulatorStartError);
      await expect(second).rejects.toThrow(`could not listen on 127.0.0.1:${first.port}`);
    } finally {
      await first.stop();
    }
  });
});

describe('call log and inspector', () => {
  it('records every call in order with clock time, database and collection; counts and resets', async () => {
    // Prepare
    const clock = new ManualClock();
    const fx = await startFixture({ clock });
    try {
      fx.emulator.calls.reset();
      await createTestCollection(fx.client, { name: 'logged' });
      clock.advance(1_000);

      // Act
      await fx.client.flush({ collection_names: ['logged'] });
      await fx.client.listDatabases();
      const entries = fx.emulator.calls.entries.map((e) => ({ ...e }));
      const flushes = fx.emulator.calls.count('Flush');
      const all = fx.emulator.calls.count();
      fx.emulator.calls.reset();

      // Assess
      expect(entries).toEqual([
        { method: 'CreateCollection', at: clock.now() - 1_000, database: 'default', collection: 'logged' },
        { method: 'CreateIndex', at: clock.now() - 1_000, database: 'default', collection: 'logged' },
        { method: 'Flush', at: clock.now(), database: 'default', collection: 'logged' },
        { method: 'ListDatabases', at: clock.now(), database: 'default' },
      ]);
      expect(flushes).toBe(1);
      expect(all).toBe(4);
      expect(fx.emulator.calls.count()).toBe(0);
    } finally {
      await fx.close();
    }
  });

  it('shows restore jobs as plain objects', async () => {
    // Prepare
    const clock = new ManualClock();
    const fx = await startFixture({ clock });
    try {
      await createTestCollection(fx.client, { name: 'src' });
      await insertRows(fx.client, 'src', 1, 3);
      await flush(fx.client, 'src');
      await fx.client.createSnapshot({ collection_name: 'src', snapshot_name: 's' });
      const { job_id } = await fx.client.restoreSnapshot({
        snapshot_name: 's',
        source_collection_name: 'src',
        target_collection_name: 'dst',
      });

      // Act
      clock.advance(2_000);
      const jobs = fx.emulator.inspect.restoreJobs();

      // Assess
      expect(jobs).toEqual([
        {
          jobId: job_id,
          snapshot: 's',
          source: { database: 'default', collection: 'src' },
          target: { database: 'default', collection: 'dst' },
          state: 'RestoreSnapshotCompleted',
          progress: 100,
          reason: '',
          startTimeMs: clock.now() - 2_000,
          timeCostMs: 2_000,
          endedAtMs: clock.now(),
        },
      ]);
      expect(fx.emulator.inspect.rowCounts('default', 'dst')).toEqual({
        sealed: 3,
        growing: 0,
        deleted: 0,
        visible: 3,
      });
    } finally {
      await fx.close();
    }
  });
});
