import { type ClientConfig, MilvusClient } from '@zilliz/milvus2-sdk-node';
import {
  type MilvusEmulatorOptions,
  type RunningMilvusEmulator,
  startMilvusEmulator,
} from '../../../emulator';

/** An emulator plus SDK clients connected to it, closed together. */
export interface EmulatorFixture {
  readonly emulator: RunningMilvusEmulator;
  /** A client with default options, connected (Connect done). */
  readonly client: MilvusClient;
  /** Another client, e.g. with a token, a database, or `maxRetries: 0`. */
  connect(config?: Omit<ClientConfig, 'address'>): Promise<MilvusClient>;
  close(): Promise<void>;
}

/** Starts an emulator and connects a client to it exactly as an application would. */
export async function startFixture(options: MilvusEmulatorOptions = {}): Promise<EmulatorFixture> {
  const emulator = await startMilvusEmulator(options);
  const clients: MilvusClient[] = [];
  const connect = async (config: Omit<ClientConfig, 'address'> = {}): Promise<MilvusClient> => {
    const client = new MilvusClient({
      address: emulator.address,
      ...(options.token === undefined ? {} : { token: options.token }),
      logLevel: 'error',
      ...config,
    });
    clients.push(client);
    await client.connectPromise;
    return client;
  };
  const client = await connect();
  return {
    emulator,
    client,
    connect,
    close: async () => {
      await Promise.all(clients.map((c) => c.closeConnection()));
      await emulator.stop();
    },
  };
}

/** Shape of a small test collection. */
export interface TestCollection {
  readonly name: string;
  readonly database?: string;
  readonly dim?: number;
  readonly metric?: 'L2' | 'IP' | 'COSINE';
}

/** Creates an Int64-keyed collection with a `tag` VarChar and a float vector, indexed. */
export async function createTestCollection(client: MilvusClient, spec: TestCollection): Promise<void> {
  const target = {
    collection_name: spec.name,
    ...(spec.database === undefined ? {} : { db_name: spec.database }),
  };
  const created = await client.createCollection({
    ...target,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true, autoID: false },
      { name: 'tag', data_type: 'VarChar', max_length: 64 },
      { name: 'vector', data_type: 'FloatVector', dim: spec.dim ?? 4 },
    ],
  });
  expectSuccess(created, `createCollection ${spec.name}`);
  expectSuccess(
    await client.createIndex({
      ...target,
      field_name: 'vector',
      index_type: 'HNSW',
      metric_type: spec.metric ?? 'L2',
      params: { M: 8, efConstruction: 64 },
    }),
    `createIndex ${spec.name}`,
  );
}

/** Inserts rows with ids `from..to` (inclusive); vector i is [i, i, ...] scaled to `dim`. */
export async function insertRows(
  client: MilvusClient,
  collection: string,
  from: number,
  to: number,
  options: { readonly database?: string; readonly dim?: number; readonly tag?: string } = {},
): Promise<void> {
  const dim = options.dim ?? 4;
  const data = [];
  for (let id = from; id <= to; id++) {
    data.push({
      id,
      tag: options.tag ?? `t${id % 3}`,
      vector: Array.from({ length: dim }, (_, k) => id + k / 10),
    });
  }
  const result = await client.insert({
    collection_name: collection,
    ...(options.database === undefined ? {} : { db_name: options.database }),
    data,
  });
  expectSuccess(result.status, `insert into ${collection}`);
}

/** Flushes a collection (waiting for GetFlushState as the workflow does). */
export async function flush(client: MilvusClient, collection: string, database?: string): Promise<void> {
  const result = await client.flush({
    collection_names: [collection],
    ...(database === undefined ? {} : { db_name: database }),
  });
  expectSuccess(result.status, `flush ${collection}`);
  // The SDK types coll_segIDs as any; on the wire it is map<string, LongArray>.
  const sealed: Record<string, { data: string[] }> = result.coll_segIDs;
  const segmentIDs = Object.values(sealed).flatMap((ids) => ids.data);
  // getFlushState types segmentIDs as number[], but segment IDs exceed 2^53: pass the strings
  // through untouched, as the SDK's own flushSync does.
  const state = await client.getFlushState({ segmentIDs: segmentIDs as unknown as number[] });
  if (!state.flushed) {
    throw new Error(`flush of ${collection} did not complete`);
  }
}

/** Loads a collection without the SDK's 400 ms polling sleep. */
export async function load(client: MilvusClient, collection: string, database?: string): Promise<void> {
  expectSuccess(
    await client.loadCollectionAsync({
      collection_name: collection,
      ...(database === undefined ? {} : { db_name: database }),
    }),
    `load ${collection}`,
  );
}

/** Counts rows with `count(*)` as an application would. */
export async function countRows(
  client: MilvusClient,
  collection: string,
  database?: string,
): Promise<number> {
  const result = await client.count({
    collection_name: collection,
    ...(database === undefined ? {} : { db_name: database }),
  });
  expectSuccess(result.status, `count ${collection}`);
  return result.data;
}

function expectSuccess(status: { error_code: string | number; reason: string }, what: string): void {
  if (status.error_code !== 'Success') {
    throw new Error(`${what} failed: ${status.error_code} ${status.reason}`);
  }
}
