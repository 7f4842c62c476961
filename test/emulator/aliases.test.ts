import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  countRows,
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  load,
  startFixture,
} from './support/emulator-fixture';

// Aliases and renames as the Milvus 3.0 proxy (internal/proxy/ddl/task_alias.go) and rootcoord's
// meta table (CheckIfAliasCreatable, CheckIfAliasAlterable, CheckIfCollectionRenamable) and
// dropCollectionTask do them, through the SDK.
describe('aliases and renames', () => {
  let fx: EmulatorFixture;
  let serial = 0;
  let blue = '';
  let green = '';
  let live = '';

  beforeAll(async () => {
    fx = await startFixture();
  });

  afterAll(async () => {
    await fx.close();
  });

  beforeEach(async () => {
    serial += 1;
    blue = `blue_${serial}`;
    green = `green_${serial}`;
    live = `live_${serial}`;
    for (const [name, rows] of [
      [blue, 3],
      [green, 5],
    ] as const) {
      await createTestCollection(fx.client, { name });
      await insertRows(fx.client, name, 1, rows);
      await flush(fx.client, name);
      await load(fx.client, name);
    }
  });

  describe('CreateAlias', () => {
    it('points an alias at a collection; creating the same alias again is a success', async () => {
      // Act
      const created = await fx.client.createAlias({ collection_name: blue, alias: live });
      const again = await fx.client.createAlias({ collection_name: blue, alias: live });
      const described = await fx.client.describeAlias({ collection_name: blue, alias: live });

      // Assess
      expect([created.error_code, again.error_code]).toEqual(['Success', 'Success']);
      expect(described).toMatchObject({ alias: live, collection: blue, db_name: 'default' });
    });

    it('refuses an alias with the name of a collection (1601)', async () => {
      // Act
      const result = await fx.client.createAlias({ collection_name: blue, alias: green });

      // Assess
      expect(result).toMatchObject({
        code: 1601,
        reason: `alias and collection name conflict[database=default][alias=${green}]`,
      });
    });

    it('refuses an alias that already names another collection (1602)', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });

      // Act
      const result = await fx.client.createAlias({ collection_name: green, alias: live });

      // Assess
      expect(result).toMatchObject({
        code: 1602,
        reason: `${live} is alias to another collection: ${blue}: alias already exist[database=default][alias=${live}]`,
      });
    });

    it('accepts an alias for the collection, resolving it as the proxy does', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });

      // Act
      const second = await fx.client.createAlias({ collection_name: live, alias: `${live}_too` });
      const listed = await fx.client.listAliases({ collection_name: blue });

      // Assess
      expect(second.error_code).toBe('Success');
      expect([...listed.aliases].sort()).toEqual([live, `${live}_too`]);
    });

    it('answers 100 for an unknown collection and 1100 for a bad alias name, in the server words', async () => {
      // Act
      const unknown = await fx.client.createAlias({ collection_name: 'nothing_here', alias: live });
      const badAlias = await fx.client.createAlias({ collection_name: blue, alias: '12-s' });
      const badDollar = await fx.client.createAlias({ collection_name: blue, alias: 'a$b' });

      // Assess
      expect(unknown).toMatchObject({
        code: 100,
        reason: 'collection not found[database=default][collection=nothing_here]',
      });
      expect(badAlias).toMatchObject({
        code: 1100,
        reason:
          'Invalid collection alias: 12-s.  the first character of a collection alias must be an underscore or letter: invalid parameter',
      });
      expect(badDollar.reason).toBe(
        'Invalid collection alias: a$b.  collection alias can only contain numbers, letters and underscores: invalid parameter',
      );
    });
  });

  describe('a collection name that is an alias', () => {
    it('cannot be created (1601) or restored onto (1601)', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });
      await fx.client.createSnapshot({ collection_name: green, snapshot_name: 'snap' });

      // Act
      // The SDK's createCollection rejects with the status when it is not a success.
      const created = await fx.client
        .createCollection({
          collection_name: live,
          fields: [
            { name: 'id', data_type: 'Int64', is_primary_key: true },
            { name: 'vector', data_type: 'FloatVector', dim: 4 },
          ],
        })
        .catch((error: unknown) => error);
      const restored = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: green,
        target_collection_name: live,
      });

      // Assess
      expect(created).toMatchObject({
        code: 1601,
        reason: `collection name [${live}] conflicts with an existing alias, please choose a unique name`,
      });
      expect(restored.status.code).toBe(1601);
    });
  });

  describe('AlterAlias', () => {
    it('moves an alias to another collection: reads through it see the new one', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });
      const before = await countRows(fx.client, live);

      // Act
      const altered = await fx.client.alterAlias({ collection_name: green, alias: live });
      const after = await countRows(fx.client, live);
      const described = await fx.client.describeAlias({ collection_name: green, alias: live });

      // Assess
      expect(altered.error_code).toBe('Success');
      expect([before, after]).toEqual([3, 5]);
      expect(described.collection).toBe(green);
    });

    it('never leaves a reader without a collection while the alias moves', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });

      // Act: reads race the moves back and forth
      const reads: Promise<number>[] = [];
      const moves: Promise<unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        reads.push(countRows(fx.client, live));
        moves.push(fx.client.alterAlias({ collection_name: i % 2 === 0 ? green : blue, alias: live }));
      }
      const counts = await Promise.all(reads);
      await Promise.all(moves);

      // Assess: every read found one collection or the other (countRows throws on a failed status)
      expect(counts.every((n) => n === 3 || n === 5)).toBe(true);
    });

    it('refuses an alias that does not exist (1600), a collection that does not (100) and a collection name (1601)', async () => {
      // Act
      const missingAlias = await fx.client.alterAlias({ collection_name: blue, alias: live });
      const missingCollection = await fx.client.alterAlias({ collection_name: 'nothing_here', alias: live });
      const onCollection = await fx.client.alterAlias({ collection_name: blue, alias: green });

      // Assess
      expect(missingAlias).toMatchObject({
        code: 1600,
        reason: `alias not found[database=default][alias=${live}]`,
      });
      expect(missingCollection).toMatchObject({
        code: 100,
        reason: 'collection not found[collection=nothing_here]',
      });
      expect(onCollection.code).toBe(1601);
    });
  });

  describe('reading and writing through an alias', () => {
    it('works for describe, has, load state, insert, query, search, delete, flush, statistics and snapshots', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });

      // Act
      const described = await fx.client.describeCollection({ collection_name: live });
      const has = await fx.client.hasCollection({ collection_name: live });
      const loadState = await fx.client.getLoadState({ collection_name: live });
      await insertRows(fx.client, live, 100, 101);
      const deleted = await fx.client.delete({ collection_name: live, ids: [1] });
      const flushed = await fx.client.flush({ collection_names: [live] });
      const queried = await fx.client.query({
        collection_name: live,
        filter: 'id in [2, 100]',
        output_fields: ['id'],
      });
      const searched = await fx.client.search({
        collection_name: live,
        data: [100, 100, 100, 100],
        limit: 1,
      });
      const stats = await fx.client.getCollectionStatistics({ collection_name: live });
      const snapshot = await fx.client.createSnapshot({ collection_name: live, snapshot_name: 'via_alias' });
      const snapshotsOfBlue = await fx.client.listSnapshots({ collection_name: blue });

      // Assess: all of it landed on blue, which describes itself by its own name
      expect(described).toMatchObject({ collection_name: blue, aliases: [live] });
      expect(described.schema.name).toBe(blue);
      expect(has.value).toBe(true);
      expect(loadState.state).toBe('LoadStateLoaded');
      expect(deleted.status.error_code).toBe('Success');
      expect(flushed.status.error_code).toBe('Success');
      expect(queried.data.map((r) => String(r.id)).sort()).toEqual(['100', '2']);
      expect(searched.results[0]?.id).toBe('100');
      expect(stats.stats).toEqual([{ key: 'row_count', value: '5' }]);
      expect(snapshot.error_code).toBe('Success');
      expect(snapshotsOfBlue.snapshots).toEqual(['via_alias']);
      expect(await countRows(fx.client, blue)).toBe(4);
    });
  });

  describe('dropping', () => {
    it('refuses to drop a collection through an alias, or one that still has aliases (65535)', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });
      await fx.client.createAlias({ collection_name: blue, alias: `${live}_2` });

      // Act
      const viaAlias = await fx.client.dropCollection({ collection_name: live });
      const withAliases = await fx.client.dropCollection({ collection_name: blue });
      const still = await fx.client.hasCollection({ collection_name: blue });

      // Assess
      expect(viaAlias).toMatchObject({
        code: 65535,
        error_code: 'UnexpectedError',
        reason: `cannot drop the collection via alias = ${live}`,
      });
      expect(withAliases).toMatchObject({
        code: 65535,
        reason: `unable to drop the collection [${blue}] because it has associated aliases [${live} ${live}_2], please remove all aliases before dropping the collection`,
      });
      expect(still.value).toBe(true);
    });

    it('drops an alias idempotently, and then the collection can go', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });

      // Act
      const first = await fx.client.dropAlias({ alias: live });
      const second = await fx.client.dropAlias({ alias: live });
      const described = await fx.client.describeAlias({ collection_name: blue, alias: live });
      const dropped = await fx.client.dropCollection({ collection_name: blue });

      // Assess
      expect([first.error_code, second.error_code, dropped.error_code]).toEqual([
        'Success',
        'Success',
        'Success',
      ]);
      expect(described.status).toMatchObject({ code: 1600 });
    });
  });

  describe('ListAliases', () => {
    it("lists a collection's aliases, or all of the database's, and answers 100 for an unknown collection", async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });
      await fx.client.createAlias({ collection_name: green, alias: `${live}_g` });

      // Act
      const ofGreen = await fx.client.listAliases({ collection_name: green });
      const unknown = await fx.client.listAliases({ collection_name: 'nothing_here' });
      const raw = await fx.client.listAliases({ collection_name: green, db_name: 'default' });

      // Assess
      expect(ofGreen).toMatchObject({ aliases: [`${live}_g`], collection_name: green, db_name: 'default' });
      expect(unknown.status).toMatchObject({
        code: 100,
        reason: 'collection not found[collection=nothing_here]',
      });
      expect(raw.aliases).toEqual([`${live}_g`]);
    });
  });

  describe('RenameCollection', () => {
    it('renames a collection: its data, snapshots, aliases and restore jobs follow it', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: blue, alias: live });
      await fx.client.createSnapshot({ collection_name: blue, snapshot_name: 'before' });
      const restored = await fx.client.restoreSnapshot({
        snapshot_name: 'before',
        source_collection_name: blue,
        target_collection_name: `${blue}_copy`,
      });
      const { collectionID } = await fx.client.describeCollection({ collection_name: blue });

      // Act
      const renamed = await fx.client.renameCollection({
        collection_name: blue,
        new_collection_name: `${blue}_old`,
      });
      const renamedCopy = await fx.client.renameCollection({
        collection_name: `${blue}_copy`,
        new_collection_name: `${blue}_drill`,
      });
      const described = await fx.client.describeCollection({ collection_name: `${blue}_old` });
      const oldName = await fx.client.hasCollection({ collection_name: blue });
      const viaAlias = await countRows(fx.client, live);
      const snapshot = await fx.client.describeSnapshot({
        collection_name: `${blue}_old`,
        snapshot_name: 'before',
      });
      const job = await fx.client.getRestoreSnapshotState({ job_id: restored.job_id });

      // Assess
      expect([renamed.error_code, renamedCopy.error_code]).toEqual(['Success', 'Success']);
      expect(described).toMatchObject({ collectionID, collection_name: `${blue}_old`, aliases: [live] });
      expect(described.schema.name).toBe(`${blue}_old`);
      expect(oldName.value).toBe(false);
      expect(viaAlias).toBe(3);
      expect(snapshot.collection_name).toBe(`${blue}_old`);
      expect(job.info.collection_name).toBe(`${blue}_drill`);
    });

    it('swaps two names through a spare one, as an operator restore does', async () => {
      // Act
      const steps = [
        await fx.client.renameCollection({ collection_name: blue, new_collection_name: `${blue}_spare` }),
        await fx.client.renameCollection({ collection_name: green, new_collection_name: blue }),
        await fx.client.renameCollection({ collection_name: `${blue}_spare`, new_collection_name: green }),
      ];

      // Assess
      expect(steps.map((s) => s.error_code)).toEqual(['Success', 'Success', 'Success']);
      expect(await countRows(fx.client, blue)).toBe(5);
      expect(await countRows(fx.client, green)).toBe(3);
    });

    it('moves a collection to another database with new_db_name, unless it has aliases', async () => {
      // Prepare
      const archive = `archive_${serial}`;
      await fx.client.createDatabase({ db_name: archive });
      await fx.client.createAlias({ collection_name: green, alias: live });

      // Act
      const moved = await fx.client.renameCollection({
        collection_name: blue,
        new_collection_name: blue,
        new_db_name: archive,
      });
      const refused = await fx.client.renameCollection({
        collection_name: green,
        new_collection_name: green,
        new_db_name: archive,
      });
      const inArchive = await countRows(fx.client, blue, archive);

      // Assess
      expect(moved.error_code).toBe('Success');
      expect(inArchive).toBe(3);
      expect(refused).toMatchObject({
        code: 1100,
        reason:
          'fail to rename db name, must drop all aliases of this collection before rename: invalid parameter',
      });
    });

    it('refuses a new name that is a collection (1100) or an alias (1601), and an alias as the old name (1100)', async () => {
      // Prepare
      await fx.client.createAlias({ collection_name: green, alias: live });

      // Act
      const ontoCollection = await fx.client.renameCollection({
        collection_name: blue,
        new_collection_name: green,
      });
      const ontoAlias = await fx.client.renameCollection({
        collection_name: blue,
        new_collection_name: live,
      });
      const fromAlias = await fx.client.renameCollection({
        collection_name: live,
        new_collection_name: `${live}_x`,
      });
      const missing = await fx.client.renameCollection({
        collection_name: 'nothing_here',
        new_collection_name: `${live}_y`,
      });
      const badName = await fx.client.renameCollection({ collection_name: blue, new_collection_name: 'x-y' });

      // Assess
      expect(ontoCollection).toMatchObject({
        code: 1100,
        reason: `duplicated new collection name default:${green} with other collection name or alias: invalid parameter`,
      });
      expect(ontoAlias).toMatchObject({
        code: 1601,
        reason: `alias and collection name conflict[database=default][alias=${live}]`,
      });
      expect(fromAlias).toMatchObject({
        code: 1100,
        reason: `unsupported use an alias to rename collection, alias:${live}: invalid parameter`,
      });
      expect(missing.code).toBe(100);
      expect(badName.code).toBe(1100);
    });
  });
});
