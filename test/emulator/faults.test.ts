import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultPlanError } from '../../emulator';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  startFixture,
} from './support/emulator-fixture';
import { RawMilvusClient } from './support/raw-client';

describe('fault injection', () => {
  let fx: EmulatorFixture;
  // The SDK's retry interceptor mishandles retriable gRPC failures (see the "SDK quirk" test), so
  // clients that should see a transport failure as such turn retries off.
  let noRetry: MilvusClient;
  let serial = 0;

  beforeAll(async () => {
    fx = await startFixture();
    noRetry = await fx.connect({ maxRetries: 0 });
  });

  afterAll(async () => {
    await fx.close();
  });

  afterEach(() => {
    fx.emulator.faults.clear();
  });

  async function collection(): Promise<string> {
    serial += 1;
    const name = `faulty_${serial}`;
    await createTestCollection(fx.client, { name });
    await insertRows(fx.client, name, 1, 5);
    await flush(fx.client, name);
    return name;
  }

  const snapshotNames = (name: string): string[] =>
    fx.emulator.inspect.snapshots('default', name).map((s) => s.name);

  it('fails a call with the gRPC status for `times` calls, then lets calls through', async () => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.load({ rules: [{ method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', times: 2 }] });

    // Act
    const first = await noRetry
      .createSnapshot({ collection_name: name, snapshot_name: 's' })
      .catch((e: unknown) => e);
    const second = await noRetry
      .createSnapshot({ collection_name: name, snapshot_name: 's' })
      .catch((e: unknown) => e);
    const remaining = fx.emulator.faults.rules()[0]?.remaining;
    const third = await noRetry.createSnapshot({ collection_name: name, snapshot_name: 's' });

    // Assess
    expect(first).toMatchObject({ code: 14 });
    expect(second).toMatchObject({ code: 14 });
    expect(String((first as Error).message)).toContain('CreateSnapshot answered UNAVAILABLE');
    expect(remaining).toBe(0);
    expect(third.error_code).toBe('Success');
    expect(snapshotNames(name)).toEqual(['s']);
  });

  it('with afterApply, performs the call and then loses the reply', async () => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.load({
      rules: [{ method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', afterApply: true, times: 1 }],
    });

    // Act
    const lost = await noRetry
      .createSnapshot({ collection_name: name, snapshot_name: 's' })
      .catch((e: unknown) => e);
    const retried = await noRetry.createSnapshot({ collection_name: name, snapshot_name: 's' });

    // Assess
    expect(lost).toMatchObject({ code: 14 });
    expect(snapshotNames(name)).toEqual(['s']);
    expect(retried).toMatchObject({
      code: 1100,
      reason: 'snapshot name s already exists: invalid parameter',
    });
  });

  it('answers with a Milvus status in the response body for milvusCode rules', async () => {
    // Prepare
    const name = await collection();
    await fx.client.createSnapshot({ collection_name: name, snapshot_name: 's' });
    fx.emulator.faults.load({
      rules: [
        { method: 'DropSnapshot', milvusCode: 2601, reason: 'snapshot is pinned', times: 1 },
        { method: 'ListSnapshots', milvusCode: 2, reason: 'service unavailable' },
      ],
    });

    // Act
    const refused = await fx.client.dropSnapshot({ collection_name: name, snapshot_name: 's' });
    const kept = snapshotNames(name);
    const dropped = await fx.client.dropSnapshot({ collection_name: name, snapshot_name: 's' });
    const listed = await fx.client.listSnapshots({ collection_name: name });

    // Assess
    expect(refused).toMatchObject({
      code: 2601,
      error_code: 'UnexpectedError',
      reason: 'snapshot is pinned',
    });
    expect(kept).toEqual(['s']);
    expect(dropped.error_code).toBe('Success');
    expect(listed.status).toMatchObject({ code: 2, reason: 'service unavailable', retriable: true });
  });

  it('matches rules on the request collection (for restores, the source)', async () => {
    // Prepare
    const broken = await collection();
    const fine = await collection();
    fx.emulator.faults.load({
      rules: [{ method: '*', collection: broken, milvusCode: 65535, reason: 'disk error' }],
    });

    // Act
    const onBroken = await fx.client.createSnapshot({ collection_name: broken, snapshot_name: 's' });
    const onFine = await fx.client.createSnapshot({ collection_name: fine, snapshot_name: 's' });
    const restore = await fx.client.restoreSnapshot({
      snapshot_name: 's',
      source_collection_name: broken,
      target_collection_name: `${broken}_copy`,
    });

    // Assess
    expect(onBroken.code).toBe(65535);
    expect(onFine.error_code).toBe('Success');
    expect(restore.status.reason).toBe('disk error');
  });

  it('delays matching calls by the rule latency, and every call by the global latency', async () => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.load({ latencyMs: 20, rules: [{ method: 'Flush', latencyMs: 150 }] });

    // Act
    const timed = async (call: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      await call();
      return performance.now() - start;
    };
    const flushMs = await timed(() => fx.client.flush({ collection_names: [name] }));
    const listMs = await timed(() => fx.client.listSnapshots({ collection_name: name }));

    // Assess
    expect(flushMs).toBeGreaterThanOrEqual(165);
    expect(listMs).toBeGreaterThanOrEqual(18);
    expect(listMs).toBeLessThan(150);
  });

  it('lets latency-only rules add up without hiding a failure rule behind them', async () => {
    // Prepare
    const name = await collection();
    fx.emulator.faults.load({
      rules: [
        { method: '*', latencyMs: 5 },
        { method: 'DescribeSnapshot', milvusCode: 2600, reason: 'snapshot not found' },
      ],
    });

    // Act
    const result = await fx.client.describeSnapshot({ collection_name: name, snapshot_name: 'x' });

    // Assess
    expect(result.status).toMatchObject({ code: 2600, reason: 'snapshot not found' });
    expect(fx.emulator.faults.rules().map((r) => r.remaining)).toEqual(['always', 'always']);
  });

  it('applies a plan given at start, and can add rules while running', async () => {
    // Prepare
    const planned = await startFixture({
      faults: { rules: [{ method: 'ListDatabases', milvusCode: 1, reason: 'service not ready' }] },
    });
    try {
      // Act
      const first = await planned.client.listDatabases();
      planned.emulator.faults.add({ method: 'GetVersion', grpcStatus: 'PERMISSION_DENIED', times: 1 });
      const version = await planned.client.getVersion().catch((e: unknown) => e);

      // Assess
      expect(first.status).toMatchObject({ code: 1, error_code: 'UnexpectedError', retriable: true });
      expect(version).toMatchObject({ code: 7 });
    } finally {
      await planned.close();
    }
  });

  it('rejects invalid plans and rules, naming the field', () => {
    // Act
    const badPlan = (() => {
      try {
        fx.emulator.faults.load({ rules: [{ method: 'Flush', times: -1 }] });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    const badRule = (() => {
      try {
        fx.emulator.faults.add({ method: 'Flush', grpcStatus: 'UNAVAILBLE' as 'UNAVAILABLE' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    // Assess
    expect(badPlan).toBeInstanceOf(FaultPlanError);
    expect((badPlan as FaultPlanError).message).toContain('rules[0].times');
    expect(badRule).toBeInstanceOf(FaultPlanError);
    expect((badRule as FaultPlanError).message).toContain('rule.grpcStatus');
    expect(fx.emulator.faults.rules()).toEqual([]);
  });

  describe('methods the emulator does not implement', () => {
    it('answer gRPC UNIMPLEMENTED naming the method (which the SDK turns into an empty success)', async () => {
      // Prepare
      const raw = new RawMilvusClient(fx.emulator.address);

      // Act
      const wire = await raw.call('ListResourceGroups', {});
      const sdk = await fx.client.listResourceGroups();
      raw.close();

      // Assess
      expect(wire).toMatchObject({ error: { code: 12 } });
      expect('error' in wire && wire.error.details).toContain('ListResourceGroups');
      expect(sdk).toEqual({});
      expect(fx.emulator.calls.count('ListResourceGroups')).toBe(2);
    });
  });

  describe('SDK quirk', () => {
    it('with default retries, a retriable gRPC failure hangs until the deadline and the retry lands late', async () => {
      // Prepare
      const name = await collection();
      const patient = await fx.connect({ timeout: 300 });
      fx.emulator.faults.load({ rules: [{ method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', times: 1 }] });

      // Act
      const started = performance.now();
      const result = await patient
        .createSnapshot({ collection_name: name, snapshot_name: 'late' })
        .catch((e: unknown) => e);
      const waited = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));

      // Assess: not UNAVAILABLE but DEADLINE_EXCEEDED, and the retried request still arrives
      expect(result).toMatchObject({ code: 4 });
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(
        fx.emulator.calls.entries.filter((c) => c.method === 'CreateSnapshot' && c.collection === name),
      ).toHaveLength(2);
      expect(snapshotNames(name)).toEqual(['late']);
    });
  });
});
