import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';

/** Small indexed collections (10 rows of 8-d vectors): a backup's Milvus work is the same at any size. */
export async function createBenchCollections(address: string, names: readonly string[]): Promise<void> {
  const client = new MilvusClient({ address, logLevel: 'error' });
  await client.connectPromise;
  const ok = (what: string, res: { error_code?: string | number; reason?: string }) => {
    if (res.error_code !== 'Success' && res.error_code !== 0) {
      throw new Error(`${what}: ${res.reason ?? JSON.stringify(res)}`);
    }
  };
  try {
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map(async (collection_name) => {
          ok(
            `create ${collection_name}`,
            await client.createCollection({
              collection_name,
              fields: [
                { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
                { name: 'vector', data_type: DataType.FloatVector, dim: 8 },
              ],
            }),
          );
          ok(
            `index ${collection_name}`,
            await client.createIndex({
              collection_name,
              field_name: 'vector',
              index_type: 'HNSW',
              metric_type: 'L2',
              params: { M: 8, efConstruction: 64 },
            }),
          );
          const inserted = await client.insert({
            collection_name,
            data: Array.from({ length: 10 }, (_, r) => ({
              id: r + 1,
              vector: Array.from({ length: 8 }, (_, d) => (r + d) / 10),
            })),
          });
          ok(`insert into ${collection_name}`, inserted.status);
        }),
      );
    }
  } finally {
    await client.closeConnection();
  }
}
