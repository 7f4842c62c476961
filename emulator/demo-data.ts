import type { FieldType, RowData } from '@zilliz/milvus2-sdk-node';
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

/** The schema of a demo collection, as SDK field definitions. */
export function demoFields(demo: DemoCollection): FieldType[] {
  return shapeOf(demo).fields;
}

/** Index parameters of a demo collection's embedding index. */
export function demoIndexParams(demo: DemoCollection): Record<string, number> {
  return shapeOf(demo).indexParams;
}

/**
 * The rows of a demo collection, ids 1..rows: the same on every call and every machine.
 * Embeddings cluster by category (products), topic (tickets) or event type (events), so a search
 * returns neighbours of the same kind.
 */
export function generateDemoRows(demo: DemoCollection): RowData[] {
  const shape = shapeOf(demo);
  const random = new SeededRandom(demo.name.length * 7_919 + demo.rows);
  const centroids = Array.from({ length: 8 }, () => random.vector(demo.dimension));
  const rows: RowData[] = [];
  for (let id = 1; id <= demo.rows; id++) {
    const centroid = centroids[shape.cluster(id) % centroids.length] ?? [];
    const embedding = centroid.map((x) => x + (random.next() - 0.5) * 0.4);
    rows.push(shape.row(id, random, embedding));
  }
  return rows;
}

function shapeOf(demo: DemoCollection): DemoShape {
  const shape = SHAPES[demo.name];
  if (shape === undefined) {
    throw new RangeError(`no demo data is defined for collection ${demo.name}`);
  }
  return shape;
}
