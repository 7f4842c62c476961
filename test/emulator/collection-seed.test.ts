import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorOptionsError, seedCollections, startMilvusEmulator } from '../../emulator';
import { countRows, type EmulatorFixture, startFixture } from './support/emulator-fixture';

describe('seedCollections', () => {
  let fx: EmulatorFixture;

  beforeAll(async () => {
    fx = await startFixture();
  });

  afterAll(async () => {
    await fx.close();
  });

  it('creates each collection with the generic schema: sealed rows in segments of 1,000, a few growing, indexed and loaded', async () => {
    // Act
    const seeded = await seedCollections(fx.client, [
      { database: 'tenant_a', name: 'docs', rows: 2_505, dim: 16 },
      { name: 'small' },
    ]);
    const described = await fx.client.describeCollection({ collection_name: 'docs', db_name: 'tenant_a' });
    const segments = await fx.client.getPersistentSegmentInfo({ collectionName: 'docs', dbName: 'tenant_a' });
    const stats = await fx.client.getCollectionStatistics({ collection_name: 'docs', db_name: 'tenant_a' });
    const loadState = await fx.client.getLoadState({ collection_name: 'docs', db_name: 'tenant_a' });

    // Assess
    expect(seeded).toEqual([
      { database: 'tenant_a', name: 'docs', created: true, rows: 2_505, growingRows: 5 },
      { database: 'default', name: 'small', created: true, rows: 100, growingRows: 5 },
    ]);
    expect(described.schema.fields.map((f) => [f.name, f.data_type, f.is_primary_key])).toEqual([
      ['id', 'Int64', true],
      ['title', 'VarChar', false],
      ['vector', 'FloatVector', false],
    ]);
    expect(described.schema.fields.find((f) => f.name === 'vector')?.dim).toBe('16');
    expect(segments.infos.map((s) => s.num_rows)).toEqual(['1000', '1000', '500']);
    expect(stats.stats).toEqual([{ key: 'row_count', value: '2500' }]);
    expect(loadState.state).toBe('LoadStateLoaded');
    expect(await countRows(fx.client, 'docs', 'tenant_a')).toBe(2_505);
    expect(await countRows(fx.client, 'small')).toBe(100);
  });

  it('writes the same rows on every run and leaves existing collections alone', async () => {
    // Prepare
    const other = await startMilvusEmulator();
    const otherClient = await import('@zilliz/milvus2-sdk-node').then(
      ({ MilvusClient }) => new MilvusClient({ address: other.address, logLevel: 'error' }),
    );
    await otherClient.connectPromise;
    const rowOf = async (client: typeof fx.client) =>
      (await client.query({ collection_name: 'same', filter: 'id == 7', output_fields: ['title', 'vector'] }))
        .data;

    try {
      // Act
      await seedCollections(fx.client, [{ name: 'same', rows: 10 }]);
      await seedCollections(otherClient, [{ name: 'same', rows: 10 }]);
      const again = await seedCollections(fx.client, [{ name: 'same', rows: 500 }]);

      // Assess
      expect(await rowOf(fx.client)).toEqual(await rowOf(otherClient));
      expect(again).toEqual([{ database: 'default', name: 'same', created: false, rows: 0, growingRows: 0 }]);
      expect(await countRows(fx.client, 'same')).toBe(10);
    } finally {
      await otherClient.closeConnection();
      await other.stop();
    }
  });

  it.each([
    [[{ name: '' }], 'seedCollections[0].name'],
    [[{ name: 'x', rows: -1 }], 'seedCollections[0].rows'],
    [[{ name: 'x' }, { name: 'y', dim: 1 }], 'seedCollections[1].dim'],
    [[{ name: 'x', colour: 'red' }], 'seedCollections[0]'],
  ])('refuses %j, naming %s', async (specs, field) => {
    // Act
    const attempt = seedCollections(fx.client, specs as never);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmulatorOptionsError);
    await expect(attempt).rejects.toThrow(field);
  });

  describe('on a running emulator', () => {
    it('seeds through its own client, the fault plan out of force meanwhile', async () => {
      // Prepare
      fx.emulator.faults.load({ rules: [{ method: '*', grpcStatus: 'UNAVAILABLE' }] });

      try {
        // Act
        const seeded = await fx.emulator.seedCollections([{ name: 'during_faults', rows: 3 }]);

        // Assess
        expect(seeded).toMatchObject([{ name: 'during_faults', created: true, rows: 3 }]);
        expect(fx.emulator.faults.rules()).toMatchObject([{ remaining: 'always' }]);
      } finally {
        fx.emulator.faults.clear();
      }
      expect(await countRows(fx.client, 'during_faults')).toBe(3);
    });

    it('seeds at start with the seedCollections option, and refuses a bad spec before listening', async () => {
      // Act
      const seededAtStart = await startMilvusEmulator({
        seedCollections: [{ database: 'lab', name: 'trial', rows: 12 }],
      });
      const collections = seededAtStart.inspect.collections('lab');
      const calls = seededAtStart.calls.count();
      await seededAtStart.stop();
      const refused = startMilvusEmulator({ seedCollections: [{ name: 'x', dim: 0 }] });

      // Assess
      expect(collections).toMatchObject([{ name: 'trial', loaded: true, rows: { visible: 12, growing: 1 } }]);
      expect(calls).toBe(0);
      await expect(refused).rejects.toThrow('seedCollections[0].dim');
    });
  });
});
