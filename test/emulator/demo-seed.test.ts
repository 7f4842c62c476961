import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_COLLECTIONS,
  generateDemoRows,
  type RunningMilvusEmulator,
  seedDemoCollections,
  startMilvusEmulator,
} from '../../emulator';
import { countRows, flush } from './support/emulator-fixture';

describe('demo seed', () => {
  let emulator: RunningMilvusEmulator;
  let client: MilvusClient;
  let callsAfterStart = -1;

  beforeAll(async () => {
    emulator = await startMilvusEmulator({ seedDemo: true });
    callsAfterStart = emulator.calls.count();
    client = new MilvusClient({ address: emulator.address, logLevel: 'error' });
    await client.connectPromise;
  });

  afterAll(async () => {
    await client.closeConnection();
    await emulator.stop();
  });

  it('describes the three demo collections as data', () => {
    // Assess
    expect(DEMO_COLLECTIONS.map((c) => [c.database, c.name, c.rows])).toEqual([
      ['default', 'products', 2_000],
      ['default', 'support_tickets', 1_500],
      ['analytics', 'user_events', 3_000],
    ]);
  });

  it('creates them flushed except for a small growing tail, indexed with their metric, and loaded', () => {
    // Act
    const collections = emulator.inspect.collections();

    // Assess
    expect(emulator.inspect.databases()).toEqual(['default', 'analytics']);
    expect(
      collections.map((c) => ({
        at: `${c.database}.${c.name}`,
        loaded: c.loaded,
        rows: c.rows,
        index: [c.indexes[0]?.params.index_type, c.indexes[0]?.params.metric_type],
      })),
    ).toEqual([
      {
        at: 'default.products',
        loaded: true,
        rows: { sealed: 1_960, growing: 40, deleted: 0, visible: 2_000 },
        index: ['HNSW', 'COSINE'],
      },
      {
        at: 'default.support_tickets',
        loaded: true,
        rows: { sealed: 1_470, growing: 30, deleted: 0, visible: 1_500 },
        index: ['IVF_FLAT', 'IP'],
      },
      {
        at: 'analytics.user_events',
        loaded: true,
        rows: { sealed: 2_950, growing: 50, deleted: 0, visible: 3_000 },
        index: ['IVF_FLAT', 'L2'],
      },
    ]);
  });

  it('starts with an empty call log: seeding calls are not counted', () => {
    // Assess
    expect(callsAfterStart).toBe(0);
  });

  it('serves realistic rows: scalar fields, and neighbours of the same category for a product', async () => {
    // Act
    const [first] = (await client.query({ collection_name: 'products', filter: 'id == 1' })).data;
    const neighbours = await client.search({
      collection_name: 'products',
      data: first?.embedding as number[],
      limit: 5,
      output_fields: ['category'],
    });
    const events = await client.query({
      collection_name: 'user_events',
      db_name: 'analytics',
      filter: 'event_type == "purchase"',
      output_fields: ['count(*)'],
    });

    // Assess
    expect(first).toMatchObject({ id: '1', category: expect.any(String), title: expect.any(String) });
    expect(first?.embedding).toHaveLength(64);
    expect(neighbours.results[0]).toMatchObject({ id: '1' });
    expect(neighbours.results.every((hit) => hit.category === first?.category)).toBe(true);
    expect(events.data[0]?.['count(*)']).toBe('600');
  });

  it('gives a flush real work: the growing tail becomes sealed', async () => {
    // Act
    await flush(client, 'support_tickets');

    // Assess
    expect(emulator.inspect.rowCounts('default', 'support_tickets')).toMatchObject({
      sealed: 1_500,
      growing: 0,
    });
    expect(await countRows(client, 'support_tickets')).toBe(1_500);
  });

  it('leaves existing collections alone when run again (also against a real Milvus)', async () => {
    // Act
    const seeded = await seedDemoCollections(client);

    // Assess
    expect(seeded.map((s) => s.created)).toEqual([false, false, false]);
  });

  it('is deterministic: the same rows on every run, and those are the rows served', async () => {
    // Prepare
    const products = DEMO_COLLECTIONS[0];
    if (products === undefined) {
      throw new Error('no demo collections');
    }

    // Act
    const once = generateDemoRows(products);
    const twice = generateDemoRows(products);
    const served = await client.query({
      collection_name: 'products',
      filter: 'id in [7, 1500]',
      output_fields: ['title', 'price', 'category'],
    });

    // Assess
    expect(twice).toEqual(once);
    expect(served.data).toEqual(
      [once[6], once[1499]].map((row) => ({
        id: String(row?.id),
        title: row?.title,
        price: row?.price,
        category: row?.category,
      })),
    );
  });
});
