import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { Collection } from '../collection';
import { buildCollectionSchema, type CollectionSchemaModel } from '../collection-schema';
import {
  aliasNameConflict,
  collectionNameIsAlias,
  collectionNotFound,
  invalidParameter,
  unexpected,
} from '../milvus-errors';
import { successStatus } from '../milvus-status';
import { validateCollectionNameOrAlias } from '../names';
import { loadMilvusProtocol } from '../proto';
import { unordered } from '../unordered';
import type {
  CollectionRequest,
  CreateCollectionRequest,
  RenameCollectionRequest,
  ShowCollectionsRequest,
  WireCollectionSchema,
  WireFieldSchema,
} from '../wire-types';

const MAX_SHARDS = 16;

/**
 * CreateCollection, HasCollection, DescribeCollection, ShowCollections, DropCollection,
 * RenameCollection and statistics. Every call but DropCollection and RenameCollection accepts an
 * alias for the collection, as the proxy's meta cache resolves aliases.
 */
export const collectionHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateCollection: rpc((request: CreateCollectionRequest, context: CallContext) => {
    const { state } = context;
    // The proxy validates the request before rootcoord looks at the database and its names.
    validateCollectionNameOrAlias('name', request.collection_name);
    const name = request.collection_name.trim();
    let decoded: WireCollectionSchema;
    try {
      decoded = loadMilvusProtocol().decodeCollectionSchema(request.schema);
    } catch (error) {
      throw invalidParameter(`failed to unmarshal the collection schema: ${String(error)}`);
    }
    const schema = buildCollectionSchema(decoded, name);
    const shardsNum = request.shards_num === 0 ? 1 : request.shards_num;
    if (shardsNum < 1 || shardsNum > MAX_SHARDS) {
      throw invalidParameter(`maximum shards's number should be limited to ${MAX_SHARDS}, got ${shardsNum}`);
    }
    const databaseName = context.databaseName(request.db_name);
    const database = state.database(databaseName);
    if (database.aliases.has(name)) {
      throw collectionNameIsAlias(name);
    }
    const existing = database.collections.get(name);
    if (existing !== undefined) {
      // Creating the same collection twice is idempotent on the server; a different one is not.
      if (sameDefinition(existing.schema, schema) && existing.shardsNum === shardsNum) {
        return successStatus();
      }
      throw unexpected(`create duplicate collection with different parameters, collection: ${name}`);
    }
    const now = context.now;
    state.addCollection(
      new Collection({
        id: state.ids.next(),
        database: databaseName,
        name,
        schema,
        shardsNum,
        consistencyLevel: request.consistency_level,
        properties: request.properties,
        createdAtMs: now,
        createdTs: state.tso.next(),
        defaultPartitionId: state.ids.next(),
      }),
    );
    return successStatus();
  }),

  HasCollection: rpc((request: CollectionRequest, context: CallContext) => {
    const database = context.state.database(context.databaseName(request.db_name));
    return { status: successStatus(), value: database.resolve(request.collection_name) !== undefined };
  }),

  DescribeCollection: rpc((request: CollectionRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    const collection = context.state.collection(databaseName, request.collection_name);
    const database = context.state.database(databaseName);
    const channels = Array.from({ length: collection.shardsNum }, (_, i) => `by-dev-rootcoord-dml_${i}`);
    const updateTs = collection.createdTs.toString();
    return {
      status: successStatus(),
      // The schema keeps the name it was created under; a rename or a restore gives it another.
      schema: { ...collection.schema.wire, name: collection.name },
      collectionID: collection.id,
      virtual_channel_names: channels.map((c, i) => `${c}_${collection.id}v${i}`),
      physical_channel_names: channels,
      created_timestamp: updateTs,
      created_utc_timestamp: String(collection.createdAtMs),
      shards_num: collection.shardsNum,
      aliases: context.state.database(collection.database).aliasesOf(collection.id),
      start_positions: [],
      consistency_level: collection.consistencyLevel,
      collection_name: collection.name,
      properties: collection.properties,
      db_name: collection.database,
      num_partitions: String(collection.partitions.size),
      db_id: database.id,
      update_timestamp: updateTs,
      update_timestamp_str: updateTs,
    };
  }),

  ShowCollections: rpc((request: ShowCollectionsRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    // rootcoord lists a database's collections from a map: in no defined order.
    let collections = unordered(database.collections.values(), (c) => c.name);
    if (request.type === 'InMemory') {
      collections =
        request.collection_names.length === 0
          ? collections.filter((c) => c.loaded)
          : request.collection_names.map((name) => context.state.collection(databaseName, name));
    }
    return {
      status: successStatus(),
      collection_names: collections.map((c) => c.name),
      collection_ids: collections.map((c) => c.id),
      created_timestamps: collections.map((c) => c.createdTs.toString()),
      created_utc_timestamps: collections.map((c) => String(c.createdAtMs)),
      inMemory_percentages: collections.map((c) => (c.loaded ? '100' : '0')),
      query_service_available: collections.map((c) => c.loaded),
      shards_num: collections.map((c) => c.shardsNum),
    };
  }),

  DropCollection: rpc((request: CollectionRequest, context: CallContext) => {
    validateCollectionNameOrAlias('name', request.collection_name);
    const name = request.collection_name;
    const database = context.state.databases.get(context.databaseName(request.db_name));
    // rootcoord's dropCollectionTask: plain errors (code 65535), and success when the collection
    // or its database does not exist.
    if (database?.aliases.has(name)) {
      throw unexpected(`cannot drop the collection via alias = ${name}`);
    }
    const collection = database?.collections.get(name);
    if (collection === undefined) {
      return successStatus();
    }
    const aliases = database?.aliasesOf(collection.id) ?? [];
    if (aliases.length > 0) {
      throw unexpected(
        `unable to drop the collection [${name}] because it has associated aliases [${aliases.join(' ')}], please remove all aliases before dropping the collection`,
      );
    }
    context.state.removeCollection(collection);
    return successStatus();
  }),

  RenameCollection: rpc((request: RenameCollectionRequest, context: CallContext) => {
    const { state } = context;
    validateCollectionNameOrAlias('name', request.newName);
    // The database interceptor fills both database names from the connection when empty.
    const databaseName = context.databaseName(request.db_name);
    const newDatabaseName = context.databaseName(request.newDBName);
    const { oldName, newName } = request;
    // rootcoord's CheckIfCollectionRenamable, in its order.
    const target = state.database(newDatabaseName);
    const source = state.database(databaseName);
    if (source.aliases.has(oldName)) {
      throw invalidParameter(`unsupported use an alias to rename collection, alias:${oldName}`);
    }
    if (target.aliases.has(newName)) {
      throw aliasNameConflict(newDatabaseName, newName);
    }
    if (target.resolve(newName) !== undefined) {
      throw invalidParameter(
        `duplicated new collection name ${newDatabaseName}:${newName} with other collection name or alias`,
      );
    }
    const collection = source.collections.get(oldName);
    if (collection === undefined) {
      throw collectionNotFound(databaseName, oldName);
    }
    if (newDatabaseName !== databaseName && source.aliasesOf(collection.id).length > 0) {
      throw invalidParameter(
        'fail to rename db name, must drop all aliases of this collection before rename',
      );
    }
    state.renameCollection(collection, newDatabaseName, newName);
    return successStatus();
  }),

  GetCollectionStatistics: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    // Like the server, count the rows of flushed segments, deleted or not.
    return {
      status: successStatus(),
      stats: [{ key: 'row_count', value: String(collection.rowCounts().sealed) }],
    };
  }),
};

function sameDefinition(a: CollectionSchemaModel, b: CollectionSchemaModel): boolean {
  return (
    a.dynamic === b.dynamic &&
    JSON.stringify(a.wire.fields.map(fieldKey)) === JSON.stringify(b.wire.fields.map(fieldKey))
  );
}

function fieldKey(field: WireFieldSchema): unknown[] {
  const params = [...field.type_params]
    .sort((x, y) => x.key.localeCompare(y.key))
    .map((p) => [p.key, p.value]);
  return [
    field.name,
    field.data_type,
    field.element_type,
    field.is_primary_key,
    field.autoID,
    field.nullable,
    params,
  ];
}
