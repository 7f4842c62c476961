import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { sharedSdkDescriptors } from './shared-sdk-protocol';

let emulator: RunningMilvusEmulator;
beforeAll(async () => {
  emulator = await startMilvusEmulator({ seedDemo: true });
});
afterAll(async () => {
  await emulator.stop();
});

describe("the suite's shared SDK protocol (test/support/shared-sdk-protocol.ts)", () => {
  it("is what the SDK's clients parse: each descriptor once, however many clients", async () => {
    const clients = [
      new MilvusClient({ address: emulator.address }),
      new MilvusClient({ address: emulator.address }),
    ];
    try {
      // Every descriptor a client parses is shared: if the SDK stops parsing through these two
      // functions, the setup no longer saves anything and this says so.
      expect(sharedSdkDescriptors()).toEqual(['milvus', 'milvus.base', 'schema.base']);
      // Clients built on the shared definitions are whole clients: real calls, real replies.
      for (const client of clients) {
        await client.connectPromise;
        const described = await client.describeCollection({ collection_name: 'products' });
        expect(described.status.error_code).toBe('Success');
        expect(described.schema.fields.map((f) => f.name)).toContain('embedding');
        const counted = await client.query({ collection_name: 'products', output_fields: ['count(*)'] });
        expect(counted.data[0]?.['count(*)']).toBe('2000');
      }
    } finally {
      await Promise.all(clients.map((c) => c.closeConnection()));
    }
  });
});
