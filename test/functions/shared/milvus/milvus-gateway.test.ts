import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../../../emulator';
import { connectMilvus } from '../../../../functions/shared/milvus/milvus-connection';
import type { MilvusGateway } from '../../../../functions/shared/milvus/milvus-gateway';

const products = { database: 'default', collection: 'products' };

describe('MilvusGateway against the emulator', () => {
  let emulator: RunningMilvusEmulator;
  let milvus: MilvusGateway;

  beforeAll(async () => {
    emulator = await startMilvusEmulator({ seedDemo: true });
    milvus = await connectMilvus({ address: emulator.address, tls: false, timeoutMs: 5_000 }, undefined);
  });
  afterAll(async () => {
    await milvus.close();
    await emulator.stop();
  });

  it('checks a flush with segment ids beyond 2^53 without corrupting them', async () => {
    // Act
    const { segmentIds, flushTs } = await milvus.flush(products);

    // Assess
    expect(segmentIds.length).toBeGreaterThan(0);
    expect(segmentIds.every((id) => BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
    expect(await milvus.isFlushed(products, segmentIds, flushTs)).toBe(true);
  });

  it('reports a server without snapshot calls (UNIMPLEMENTED, which the SDK resolves to {}) as unsupported', async () => {
    // Prepare
    emulator.faults.load({ rules: [{ method: 'ListSnapshots', grpcStatus: 'UNIMPLEMENTED', times: 1 }] });

    // Act
    const act = milvus.listSnapshots(products);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'MilvusUnsupportedError',
      message: expect.stringContaining('snapshots need Milvus 3.0 or newer'),
    });
  });

  it('reads a snapshot creation time from its hybrid timestamp', async () => {
    // Prepare
    await milvus.createSnapshot(products, 'gateway_probe', 'probe');

    // Act
    const described = await milvus.describeSnapshot(products, 'gateway_probe');

    // Assess: within a minute of now (the emulator runs on the system clock here)
    expect(Math.abs(described.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(described.description).toBe('probe');
  });
});

describe('connectMilvus', () => {
  it('fails an unreachable Milvus with the one retried error, naming the address', async () => {
    await expect(
      connectMilvus({ address: '127.0.0.1:1', tls: false, timeoutMs: 2_000 }, undefined),
    ).rejects.toMatchObject({
      name: 'MilvusUnavailableError',
      message: expect.stringContaining('connect to Milvus at 127.0.0.1:1'),
    });
  });
});
