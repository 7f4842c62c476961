import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';

/** A seed module for emulator-process.test.ts: creates the collection `input.name`. */
export async function seed(address: string, input: unknown): Promise<void> {
  const { name } = input as { name: string };
  const client = new MilvusClient({ address, logLevel: 'error' });
  await client.connectPromise;
  try {
    await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      ],
    });
  } finally {
    await client.closeConnection();
  }
}
