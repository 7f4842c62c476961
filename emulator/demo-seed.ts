import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import {
  DEMO_COLLECTIONS,
  type DemoCollection,
  demoFields,
  demoIndexParams,
  generateDemoRows,
} from './demo-data';
import { DemoSeedError } from './errors';

/** What seeding did for one demo collection. */
export interface SeededDemoCollection {
  readonly database: string;
  readonly name: string;
  /** False when the collection already existed and was left alone. */
  readonly created: boolean;
  readonly rows: number;
}

const INSERT_BATCH = 500;
// Flushing every 1,000 rows gives each collection a few sealed segments, so restore progress
// moves through intermediate values instead of jumping from 0 to 100.
const FLUSH_EVERY = 1_000;

/**
 * Creates the demo collections through a connected client (the emulator's or a real Milvus):
 * database, schema, deterministic rows (clustered embeddings, so searches return neighbours of
 * the same kind), flushed except for a small growing tail, indexed and loaded. Collections that
 * already exist are left alone.
 *
 * @throws DemoSeedError when Milvus answers a call with an error status.
 */
export async function seedDemoCollections(
  client: MilvusClient,
  collections: readonly DemoCollection[] = DEMO_COLLECTIONS,
): Promise<SeededDemoCollection[]> {
  const seeded: SeededDemoCollection[] = [];
  for (const demo of collections) {
    seeded.push(await seedOne(client, demo));
  }
  return seeded;
}

async function seedOne(client: MilvusClient, demo: DemoCollection): Promise<SeededDemoCollection> {
  const target = { collection_name: demo.name, db_name: demo.database };
  const databases = await client.listDatabases();
  check(databases.status, 'listDatabases');
  if (!databases.db_names.includes(demo.database)) {
    check(await client.createDatabase({ db_name: demo.database }), `createDatabase ${demo.database}`);
  }
  const exists = await client.hasCollection(target);
  check(exists.status, `hasCollection ${demo.name}`);
  if (exists.value) {
    return { database: demo.database, name: demo.name, created: false, rows: 0 };
  }

  check(
    await client.createCollection({ ...target, description: demo.description, fields: demoFields(demo) }),
    `createCollection ${demo.name}`,
  );
  const rows = generateDemoRows(demo);
  const flushedRows = demo.rows - demo.growingRows;
  let next = 0;
  while (next < rows.length) {
    // Batches never straddle the growing tail, so exactly `growingRows` stay unflushed.
    const end = Math.min(next + INSERT_BATCH, next < flushedRows ? flushedRows : rows.length);
    const inserted = await client.insert({ ...target, data: rows.slice(next, end) });
    check(inserted.status, `insert into ${demo.name}`);
    if (end <= flushedRows && (end % FLUSH_EVERY === 0 || end === flushedRows)) {
      const flushed = await client.flush({ collection_names: [demo.name], db_name: demo.database });
      check(flushed.status, `flush ${demo.name}`);
    }
    next = end;
  }
  check(
    await client.createIndex({
      ...target,
      field_name: 'embedding',
      index_type: demo.indexType,
      metric_type: demo.metricType,
      params: demoIndexParams(demo),
    }),
    `createIndex on ${demo.name}`,
  );
  check(await client.loadCollectionAsync(target), `loadCollection ${demo.name}`);
  return { database: demo.database, name: demo.name, created: true, rows: demo.rows };
}

function check(status: { error_code: string | number; reason: string; code?: number }, what: string): void {
  if (status.error_code !== 'Success') {
    throw new DemoSeedError(`${what} failed: code ${status.code ?? '?'}: ${status.reason}`);
  }
}
