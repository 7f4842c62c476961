import type { FieldType, MilvusClient, RowData } from '@zilliz/milvus2-sdk-node';
import { DemoSeedError } from './errors';
import { SeededRandom } from './seeded-random';

/** A demo collection: what `--seed-demo` creates and what the local runner backs up by default. */
export interface DemoCollection {
  readonly database: string;
  readonly name: string;
  /** Total rows inserted. */
  readonly rows: number;
  /** How many of the last rows are left unflushed (growing), so a flush has real work. */
  readonly growingRows: number;
  readonly dimension: number;
  readonly metricType: 'COSINE' | 'IP' | 'L2';
  readonly indexType: string;
  readonly description: string;
}

/** The demo collections, as data. */
export const DEMO_COLLECTIONS: readonly DemoCollection[] = [
  {
    database: 'default',
    name: 'products',
    rows: 2_000,
    growingRows: 40,
    dimension: 64,
    metricType: 'COSINE',
    indexType: 'HNSW',
    description: 'Product catalogue with title, category, price and a 64-d embedding',
  },
  {
    database: 'default',
    name: 'support_tickets',
    rows: 1_500,
    growingRows: 30,
    dimension: 128,
    metricType: 'IP',
    indexType: 'IVF_FLAT',
    description: 'Customer support tickets with subject, priority, status and a 128-d embedding',
  },
  {
    database: 'analytics',
    name: 'user_events',
    rows: 3_000,
    growingRows: 50,
    dimension: 32,
    metricType: 'L2',
    indexType: 'IVF_FLAT',
    description: 'Clickstream events with user, event type, time and a 32-d embedding',
  },
];

/** What seeding did for one demo collection. */
export interface SeededDemoCollection {
  readonly database: string;
  readonly name: string;
  /** False when the collection already existed and was left alone. */
  readonly created: boolean;
  readonly rows: number;
}

interface DemoShape {
  readonly fields: FieldType[];
  readonly indexParams: Record<string, number>;
  /** Rows of the same cluster (category, topic, event type) get nearby embeddings. */
  cluster(id: number): number;
  row(id: number, random: SeededRandom, embedding: number[]): RowData;
}

const CATEGORIES = ['books', 'electronics', 'garden', 'kitchen', 'toys', 'sports'] as const;
const ADJECTIVES = ['Compact', 'Deluxe', 'Eco', 'Classic', 'Smart', 'Portable', 'Premium', 'Rugged'] as const;
const NOUNS: Readonly<Record<(typeof CATEGORIES)[number], readonly [string, ...string[]]>> = {
  books: ['Cookbook', 'Novel', 'Atlas', 'Field Guide'],
  electronics: ['Headphones', 'Charger', 'Speaker', 'Camera'],
  garden: ['Trowel', 'Planter', 'Hose', 'Seed Kit'],
  kitchen: ['Kettle', 'Skillet', 'Knife Set', 'Blender'],
  toys: ['Puzzle', 'Kite', 'Robot Kit', 'Board Game'],
  sports: ['Yoga Mat', 'Football', 'Water Bottle', 'Jump Rope'],
};
const TICKET_TOPICS = [
  'Refund request',
  'Login problem',
  'Late delivery',
  'Damaged item',
  'Billing question',
] as const;
const TICKET_STATUS = ['open', 'pending', 'solved', 'closed'] as const;
const EVENT_TYPES = ['page_view', 'search', 'add_to_cart', 'purchase', 'signup'] as const;
// Events start at 2026-11-01T00:00:00Z and are a few seconds apart.
const FIRST_EVENT_MS = Date.UTC(2026, 10, 1);

const SHAPES: Readonly<Record<string, DemoShape>> = {
  products: {
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true, autoID: false },
      { name: 'title', data_type: 'VarChar', max_length: 256 },
      { name: 'category', data_type: 'VarChar', max_length: 64 },
      { name: 'price', data_type: 'Double' },
      { name: 'in_stock', data_type: 'Bool' },
      { name: 'embedding', data_type: 'FloatVector', dim: 64 },
    ],
    indexParams: { M: 16, efConstruction: 200 },
    cluster: (id) => id % CATEGORIES.length,
    row: (id, random, embedding) => {
      const category = CATEGORIES[id % CATEGORIES.length] ?? 'books';
      return {
        id,
        title: `${random.pick(ADJECTIVES)} ${random.pick(NOUNS[category])}`,
        category,
        price: Math.round(random.next() * 20_000) / 100,
        in_stock: random.next() > 0.15,
        embedding,
      };
    },
  },
  support_tickets: {
    fields: [
      { name: 'ticket_id', data_type: 'Int64', is_primary_key: true, autoID: false },
      { name: 'subject', data_type: 'VarChar', max_length: 512 },
      { name: 'priority', data_type: 'Int32' },
      { name: 'status', data_type: 'VarChar', max_length: 32 },
      { name: 'embedding', data_type: 'FloatVector', dim: 128 },
    ],
    indexParams: { nlist: 64 },
    cluster: (id) => id % TICKET_TOPICS.length,
    row: (id, random, embedding) => ({
      ticket_id: id,
      subject: `${TICKET_TOPICS[id % TICKET_TOPICS.length] ?? 'Question'} #${id}`,
      priority: random.int(1, 4),
      status: random.pick(TICKET_STATUS),
      embedding,
    }),
  },
  user_events: {
    fields: [
      { name: 'event_id', data_type: 'Int64', is_primary_key: true, autoID: false },
      { name: 'user_id', data_type: 'Int64' },
      { name: 'event_type', data_type: 'VarChar', max_length: 32 },
      { name: 'occurred_at', data_type: 'Int64' },
      { name: 'embedding', data_type: 'FloatVector', dim: 32 },
    ],
    indexParams: { nlist: 32 },
    cluster: (id) => id % EVENT_TYPES.length,
    row: (id, random, embedding) => ({
      event_id: id,
      user_id: random.int(1, 250),
      event_type: EVENT_TYPES[id % EVENT_TYPES.length] ?? 'page_view',
      occurred_at: FIRST_EVENT_MS + id * 7_000,
      embedding,
    }),
  },
};

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
  const shape = SHAPES[demo.name];
  if (shape === undefined) {
    throw new DemoSeedError(`no demo data is defined for collection ${demo.name}`);
  }
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
    await client.createCollection({ ...target, description: demo.description, fields: shape.fields }),
    `createCollection ${demo.name}`,
  );
  const random = new SeededRandom(demo.name.length * 7_919 + demo.rows);
  const centroids = Array.from({ length: 8 }, () => random.vector(demo.dimension));
  const flushedRows = demo.rows - demo.growingRows;
  let next = 1;
  while (next <= demo.rows) {
    // Batches never straddle the growing tail, so exactly `growingRows` stay unflushed.
    const last = Math.min(next + INSERT_BATCH - 1, next <= flushedRows ? flushedRows : demo.rows);
    const rows: RowData[] = [];
    for (let id = next; id <= last; id++) {
      const centroid = centroids[shape.cluster(id) % centroids.length] ?? [];
      const embedding = centroid.map((x) => x + (random.next() - 0.5) * 0.4);
      rows.push(shape.row(id, random, embedding));
    }
    const inserted = await client.insert({ ...target, data: rows });
    check(inserted.status, `insert into ${demo.name}`);
    if (last <= flushedRows && (last % FLUSH_EVERY === 0 || last === flushedRows)) {
      const flushed = await client.flush({ collection_names: [demo.name], db_name: demo.database });
      check(flushed.status, `flush ${demo.name}`);
    }
    next = last + 1;
  }
  check(
    await client.createIndex({
      ...target,
      field_name: 'embedding',
      index_type: demo.indexType,
      metric_type: demo.metricType,
      params: shape.indexParams,
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
