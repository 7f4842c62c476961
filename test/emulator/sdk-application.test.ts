import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRows,
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  load,
  startFixture,
} from './support/emulator-fixture';

// The emulator driven through @zilliz/milvus2-sdk-node exactly as an application uses it. One
// emulator serves the file (building an SDK client costs ~100 ms); tests use their own collections.
describe('Milvus emulator, used through the SDK like an application', () => {
  let fx: EmulatorFixture;

  beforeAll(async () => {
    fx = await startFixture();
  });

  afterAll(async () => {
    await fx.close();
  });

  it('answers the Connect a new client sends, reports a 3.0 server and is healthy', async () => {
    // Prepare
    const connectsBefore = fx.emulator.calls.count('Connect');

    // Act
    const client = await fx.connect();
    const version = await client.getVersion();
    const health = await client.checkHealth();

    // Assess
    expect(fx.emulator.calls.count('Connect')).toBe(connectsBefore + 1);
    expect(version.version).toBe('v3.0.0');
    expect(health.isHealthy).toBe(true);
  });

  it('creates a collection from a schema, then describes, lists and partitions it', async () => {
    // Act
    const created = await fx.client.createCollection({
      collection_name: 'docs',
      fields: [
        { name: 'doc_id', data_type: 'VarChar', max_length: 36, is_primary_key: true },
        { name: 'body', data_type: 'VarChar', max_length: 1024 },
        { name: 'embedding', data_type: 'FloatVector', dim: 8 },
      ],
    });
    const described = await fx.client.describeCollection({ collection_name: 'docs' });
    const has = await fx.client.hasCollection({ collection_name: 'docs' });
    const listed = await fx.client.showCollections();
    const partitions = await fx.client.listPartitions({ collection_name: 'docs' });

    // Assess
    expect(created.error_code).toBe('Success');
    expect(described.schema.fields.map((f) => [f.name, f.data_type])).toEqual([
      ['doc_id', 'VarChar'],
      ['body', 'VarChar'],
      ['embedding', 'FloatVector'],
    ]);
    expect(described.schema.fields.find((f) => f.name === 'embedding')?.dim).toBe('8');
    expect(described.shards_num).toBe(1);
    expect(has.value).toBe(true);
    expect(listed.data.map((c) => c.name)).toContain('docs');
    expect(partitions.partition_names).toEqual(['_default']);
  });

  it('runs the whole data path: insert, flush, index, load, query, search, count', async () => {
    // Prepare
    await fx.client.createCollection({
      collection_name: 'items',
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'title', data_type: 'VarChar', max_length: 64 },
        { name: 'price', data_type: 'Double' },
        { name: 'vector', data_type: 'FloatVector', dim: 2 },
      ],
    });
    const data = [
      { id: 1, title: 'north', price: 1.5, vector: [0, 1] },
      { id: 2, title: 'east', price: 2.5, vector: [1, 0] },
      { id: 3, title: 'south', price: 3.5, vector: [0, -1] },
    ];

    // Act
    const inserted = await fx.client.insert({ collection_name: 'items', data });
    const flushed = await fx.client.flushSync({ collection_names: ['items'] });
    const indexed = await fx.client.createIndex({
      collection_name: 'items',
      field_name: 'vector',
      index_type: 'HNSW',
      metric_type: 'COSINE',
      params: { M: 8, efConstruction: 64 },
    });
    const loaded = await fx.client.loadCollection({ collection_name: 'items' });
    const loadState = await fx.client.getLoadState({ collection_name: 'items' });
    const byKey = await fx.client.query({
      collection_name: 'items',
      filter: 'id in [1, 3]',
      output_fields: ['title', 'price'],
    });
    const nearest = await fx.client.search({ collection_name: 'items', data: [0.1, 0.9], limit: 2 });
    const total = await fx.client.count({ collection_name: 'items' });
    const index = await fx.client.describeIndex({ collection_name: 'items' });

    // Assess
    expect(inserted.status.error_code).toBe('Success');
    expect(inserted.IDs).toMatchObject({ int_id: { data: ['1', '2', '3'] } });
    expect(inserted.insert_cnt).toBe('3');
    expect(flushed.flushed).toBe(true);
    expect(indexed.error_code).toBe('Success');
    expect(loaded.error_code).toBe('Success');
    expect(loadState.state).toBe('LoadStateLoaded');
    expect(byKey.data).toEqual([
      { id: '1', title: 'north', price: 1.5 },
      { id: '3', title: 'south', price: 3.5 },
    ]);
    expect(nearest.results.map((hit) => hit.id)).toEqual(['1', '2']);
    expect(nearest.results[0]?.score).toBeCloseTo(0.9939, 3);
    expect(total.data).toBe(3);
    expect(index.index_descriptions[0]).toMatchObject({
      field_name: 'vector',
      index_name: 'vector',
      state: 'Finished',
    });
    expect(index.index_descriptions[0]?.params).toEqual(
      expect.arrayContaining([
        { key: 'index_type', value: 'HNSW' },
        { key: 'metric_type', value: 'COSINE' },
      ]),
    );
  });

  it.each([
    ['L2', ['2', '1']],
    ['IP', ['3', '2']],
    ['COSINE', ['2', '3']],
  ] as const)('ranks search hits by %s like Milvus', async (metric, expected) => {
    // Prepare: vectors chosen so each metric ranks them differently for the query [1, 0.1]
    const ranked = `ranked_${metric}`;
    await createTestCollection(fx.client, { name: ranked, dim: 2, metric });
    await fx.client.insert({
      collection_name: ranked,
      data: [
        { id: 1, tag: 'a', vector: [0, 0] },
        { id: 2, tag: 'b', vector: [1, 0.2] },
        { id: 3, tag: 'c', vector: [4, 3] },
      ],
    });
    await load(fx.client, ranked);

    // Act
    const result = await fx.client.search({ collection_name: ranked, data: [1, 0.1], limit: 2 });

    // Assess
    expect(result.status.error_code).toBe('Success');
    expect(result.results.map((hit) => hit.id)).toEqual(expected);
  });

  it('applies a scalar filter and output fields to search hits', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'tagged' });
    await insertRows(fx.client, 'tagged', 1, 9);
    await load(fx.client, 'tagged');

    // Act
    const result = await fx.client.search({
      collection_name: 'tagged',
      data: [1, 1, 1, 1],
      filter: 'tag == "t0"',
      limit: 5,
      output_fields: ['tag'],
    });

    // Assess
    expect(result.results.map((hit) => hit.id)).toEqual(['3', '6', '9']);
    expect(result.results.every((hit) => hit.tag === 't0')).toBe(true);
  });

  it('searches by primary keys, using the stored vectors as queries', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'by_key' });
    await insertRows(fx.client, 'by_key', 1, 6);
    await load(fx.client, 'by_key');

    // Act
    const result = await fx.client.search({ collection_name: 'by_key', ids: [4], limit: 3 });

    // Assess
    expect(result.status.error_code).toBe('Success');
    expect(result.results[0]?.id).toBe('4');
    expect(
      result.results
        .slice(1)
        .map((hit) => hit.id)
        .sort(),
    ).toEqual(['3', '5']);
    expect(result.results[0]?.score).toBe(0);
  });

  it('counts deletes at once, but statistics only count flushed rows', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'ledger' });
    await insertRows(fx.client, 'ledger', 1, 10);
    await flush(fx.client, 'ledger');
    await insertRows(fx.client, 'ledger', 11, 15);
    await load(fx.client, 'ledger');

    // Act
    const deleted = await fx.client.delete({ collection_name: 'ledger', ids: [2, 4, 12] });
    const visible = await countRows(fx.client, 'ledger');
    const stats = await fx.client.getCollectionStatistics({ collection_name: 'ledger' });
    const gone = await fx.client.query({ collection_name: 'ledger', filter: 'id == 4' });

    // Assess
    expect(deleted.delete_cnt).toBe('3');
    expect(visible).toBe(12);
    expect(stats.data.row_count).toBe('10');
    expect(gone.data).toEqual([]);
  });

  it('shows a re-inserted key again after its delete', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'revived' });
    await insertRows(fx.client, 'revived', 1, 3);
    await fx.client.delete({ collection_name: 'revived', filter: 'id == 2' });
    await insertRows(fx.client, 'revived', 2, 2, { tag: 'again' });
    await load(fx.client, 'revived');

    // Act
    const row = await fx.client.query({
      collection_name: 'revived',
      filter: 'id == 2',
      output_fields: ['tag'],
    });

    // Assess
    expect(row.data).toEqual([{ id: '2', tag: 'again' }]);
  });

  it('upserts: replaces existing keys and adds new ones', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'upserted' });
    await insertRows(fx.client, 'upserted', 1, 3);
    await load(fx.client, 'upserted');

    // Act
    const result = await fx.client.upsert({
      collection_name: 'upserted',
      data: [
        { id: 2, tag: 'changed', vector: [0, 0, 0, 0] },
        { id: 4, tag: 'new', vector: [0, 0, 0, 0] },
      ],
    });
    const rows = await fx.client.query({
      collection_name: 'upserted',
      filter: 'id >= 2',
      output_fields: ['tag'],
    });

    // Assess
    expect(result.upsert_cnt).toBe('2');
    expect(await countRows(fx.client, 'upserted')).toBe(4);
    expect(rows.data).toEqual([
      { id: '3', tag: 't0' },
      { id: '2', tag: 'changed' },
      { id: '4', tag: 'new' },
    ]);
  });

  it('pages query results with limit and offset, and refuses an empty filter without limit', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'paged' });
    await insertRows(fx.client, 'paged', 1, 20);
    await load(fx.client, 'paged');

    // Act
    const page = await fx.client.query({ collection_name: 'paged', filter: 'id > 5', limit: 3, offset: 2 });
    const unbounded = await fx.client.query({ collection_name: 'paged', filter: '' });

    // Assess
    expect(page.data.map((r) => r.id)).toEqual(['8', '9', '10']);
    expect(unbounded.status).toMatchObject({ code: 1100, error_code: 'IllegalArgument' });
    expect(unbounded.status.reason).toContain('empty expression should be used with limit');
  });

  it('refuses query and search on a collection that is not loaded, with code 101', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'cold' });
    await insertRows(fx.client, 'cold', 1, 3);

    // Act
    const counted = await fx.client.query({ collection_name: 'cold', output_fields: ['count(*)'] });
    const searched = await fx.client.search({ collection_name: 'cold', data: [1, 1, 1, 1] });
    await load(fx.client, 'cold');
    await fx.client.releaseCollection({ collection_name: 'cold' });
    const afterRelease = await fx.client.getLoadState({ collection_name: 'cold' });

    // Assess
    expect(counted.status).toMatchObject({ code: 101, reason: 'collection not loaded[collection=cold]' });
    expect(searched.status.code).toBe(101);
    expect(afterRelease.state).toBe('LoadStateNotLoad');
  });

  it('refuses to load a collection whose vector field has no index (code 700)', async () => {
    // Prepare
    await fx.client.createCollection({
      collection_name: 'unindexed',
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'vector', data_type: 'FloatVector', dim: 4 },
      ],
    });

    // Act
    const loaded = await fx.client.loadCollectionAsync({ collection_name: 'unindexed' });
    const index = await fx.client.describeIndex({ collection_name: 'unindexed' });

    // Assess
    expect(loaded.code).toBe(700);
    expect(loaded.reason).toContain('there is no vector index on field: [vector]');
    expect(index.status).toMatchObject({ code: 700, error_code: 'IndexNotExist' });
  });

  it('answers search with a metric other than the index metric with code 1100', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'metric', metric: 'COSINE' });
    await insertRows(fx.client, 'metric', 1, 3);
    await load(fx.client, 'metric');

    // Act
    const result = await fx.client.search({
      collection_name: 'metric',
      data: [1, 1, 1, 1],
      metric_type: 'L2',
    });

    // Assess
    expect(result.status.code).toBe(1100);
    expect(result.status.reason).toBe('metric type not match: invalid parameter[expected=COSINE][actual=L2]');
  });

  it('validates inserts: wrong dimension or a missing column answers 1100 and stores nothing', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'strict' });

    // Act
    const wrongDim = await fx.client.insert({
      collection_name: 'strict',
      data: [{ id: 1, tag: 'x', vector: [1, 2, 3] }],
    });
    // The SDK sends a column for every schema field: a row without `tag` yields an empty column.
    const missing = await fx.client.insert({
      collection_name: 'strict',
      fields_data: [{ id: 1, vector: [1, 2, 3, 4] }],
    });

    // Assess
    expect(wrongDim.status.code).toBe(1100);
    expect(wrongDim.status.reason).toContain('is not equal to schema dim (4)');
    expect(missing.status.code).toBe(1100);
    expect(missing.status.reason).toBe(
      'the num_rows (0) of field (tag) is not equal to passed num_rows (1): invalid parameter',
    );
    expect(fx.emulator.inspect.rowCounts('default', 'strict')).toEqual({
      sealed: 0,
      growing: 0,
      deleted: 0,
      visible: 0,
    });
  });

  it('treats creating the same collection twice as success, and a different one as 65535', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'twice' });
    const same = {
      collection_name: 'twice',
      fields: [
        { name: 'id', data_type: 'Int64' as const, is_primary_key: true, autoID: false },
        { name: 'tag', data_type: 'VarChar' as const, max_length: 64 },
        { name: 'vector', data_type: 'FloatVector' as const, dim: 4 },
      ],
    };

    // Act
    const again = await fx.client.createCollection(same);
    const different = await fx.client
      .createCollection({
        ...same,
        fields: [...same.fields.slice(0, 2), { name: 'vector', data_type: 'FloatVector' as const, dim: 8 }],
      })
      .catch((error: unknown) => error);

    // Assess
    expect(again.error_code).toBe('Success');
    expect(different).toMatchObject({
      code: 65535,
      reason: 'create duplicate collection with different parameters, collection: twice',
    });
  });

  it('rejects invalid collection names with the server reason and keeps serving', async () => {
    // Act
    const result = await fx.client
      .createCollection({
        collection_name: 'my-collection',
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'v', data_type: 'FloatVector', dim: 2 },
        ],
      })
      .catch((error: unknown) => error);
    const stillUp = await fx.client.showCollections();

    // Assess
    expect(result).toMatchObject({
      code: 1100,
      error_code: 'IllegalArgument',
      reason:
        'Invalid collection name: my-collection.  collection name can only contain numbers, letters and underscores: invalid parameter',
    });
    expect(stillUp.status.error_code).toBe('Success');
  });

  it('answers calls on an unknown collection with code 100', async () => {
    // Act
    const described = await fx.client.describeCollection({ collection_name: 'ghost' });
    const stats = await fx.client.getCollectionStatistics({ collection_name: 'ghost' });
    const flushed = await fx.client.flush({ collection_names: ['ghost'] });

    // Assess
    expect(described.status).toMatchObject({ code: 100, error_code: 'CollectionNotExists' });
    expect(described.status.reason).toContain('collection not found');
    expect(flushed.status.code).toBe(100);
    expect(stats.status.code).toBe(100);
  });

  it('drops collections idempotently', async () => {
    // Prepare
    await createTestCollection(fx.client, { name: 'temp' });

    // Act
    const first = await fx.client.dropCollection({ collection_name: 'temp' });
    const second = await fx.client.dropCollection({ collection_name: 'temp' });
    const has = await fx.client.hasCollection({ collection_name: 'temp' });

    // Assess
    expect(first.error_code).toBe('Success');
    expect(second.error_code).toBe('Success');
    expect(has.value).toBe(false);
  });

  it('keeps databases apart, selected by db_name or by the client database option', async () => {
    // Prepare
    await fx.client.createDatabase({ db_name: 'analytics' });
    await createTestCollection(fx.client, { name: 'events', database: 'analytics' });
    await insertRows(fx.client, 'events', 1, 4, { database: 'analytics' });
    await load(fx.client, 'events', 'analytics');
    const scoped = await fx.connect({ database: 'analytics' });

    // Act
    const databases = await fx.client.listDatabases();
    const inDefault = await fx.client.hasCollection({ collection_name: 'events' });
    const viaOption = await countRows(scoped, 'events');
    const unknownDb = await fx.client.showCollections({ db_name: 'nowhere' });

    // Assess
    expect([...databases.db_names].sort()).toEqual(['analytics', 'default']);
    expect(inDefault.value).toBe(false);
    expect(viaOption).toBe(4);
    expect(unknownDb.status).toMatchObject({ code: 800, reason: 'database not found[database=nowhere]' });
    expect(
      fx.emulator.calls.entries
        .filter((c) => c.method === 'Query' && c.collection === 'events')
        .map((c) => c.database),
    ).toEqual(['analytics']);
  });

  it('lists databases and collections as the server does: each once, in no defined order, aliases left out', async () => {
    // Prepare: names whose creation order and alphabetical order both differ from the listing's
    await fx.client.createDatabase({ db_name: 'listing' });
    for (const name of ['orders', 'tmp_a', 'users', 'events']) {
      await createTestCollection(fx.client, { name, database: 'listing' });
    }
    for (const db of ['alpha', 'beta', 'gamma', 'delta']) await fx.client.createDatabase({ db_name: db });
    await fx.client.createAlias({ collection_name: 'orders', alias: 'orders_live', db_name: 'listing' });

    // Act
    const collections = await fx.client.showCollections({ db_name: 'listing' });
    const databases = await fx.client.listDatabases();
    const unknown = await fx.client.showCollections({ db_name: 'nowhere' });

    // Assess
    const names = collections.data.map((c) => c.name);
    expect([...names].sort()).toEqual(['events', 'orders', 'tmp_a', 'users']);
    expect(names).not.toEqual(['orders', 'tmp_a', 'users', 'events']);
    expect(names).not.toEqual([...names].sort());
    const created = databases.db_names.filter((d) => ['alpha', 'beta', 'gamma', 'delta'].includes(d));
    expect([...created].sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(created).not.toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(created).not.toEqual([...created].sort());
    expect(unknown.status).toMatchObject({ code: 800, reason: 'database not found[database=nowhere]' });
    expect(unknown.data).toEqual([]);
  });

  it('logs every call in order with clock time, database and collection; counts and resets', async () => {
    // Prepare
    fx.emulator.calls.reset();
    const before = Date.now();
    await createTestCollection(fx.client, { name: 'logged' });

    // Act
    await fx.client.flush({ collection_names: ['logged'] });
    await fx.client.listDatabases();
    const entries = [...fx.emulator.calls.entries];
    const flushes = fx.emulator.calls.count('Flush');
    const all = fx.emulator.calls.count();
    fx.emulator.calls.reset();

    // Assess
    expect(entries.map(({ at: _at, ...call }) => call)).toEqual([
      { method: 'CreateCollection', database: 'default', collection: 'logged' },
      { method: 'CreateIndex', database: 'default', collection: 'logged' },
      { method: 'Flush', database: 'default', collection: 'logged' },
      { method: 'ListDatabases', database: 'default' },
    ]);
    expect(entries.every((call) => call.at >= before && call.at <= Date.now())).toBe(true);
    expect(flushes).toBe(1);
    expect(all).toBe(4);
    expect(fx.emulator.calls.count()).toBe(0);
  });
});
