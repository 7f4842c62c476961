import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { MilvusStatusError } from '../errors';
import { aliasNameConflict } from '../milvus-errors';
import { MilvusCode, successStatus } from '../milvus-status';
import { validateName } from '../names';
import type { AliasRequest, CollectionRequest, PartitionRequest } from '../wire-types';

/** Partitions (enough for describe, inserts and restores) and aliases (restores refuse them). */
export const partitionAliasHandlers: Readonly<Record<string, RpcHandler>> = {
  CreatePartition: rpc((request: PartitionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const name = validateName('partition', request.partition_name);
    if (!collection.partitions.has(name)) {
      collection.addPartition({ id: context.state.ids.next(), name, createdAtMs: context.now });
    }
    return successStatus();
  }),

  HasPartition: rpc((request: PartitionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    return { status: successStatus(), value: collection.partitions.has(request.partition_name) };
  }),

  ShowPartitions: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const partitions = [...collection.partitions.values()];
    return {
      status: successStatus(),
      partition_names: partitions.map((p) => p.name),
      partitionIDs: partitions.map((p) => p.id),
      created_timestamps: partitions.map((p) => String(p.createdAtMs)),
      created_utc_timestamps: partitions.map((p) => String(p.createdAtMs)),
      inMemory_percentages: partitions.map(() => (collection.loaded ? '100' : '0')),
    };
  }),

  CreateAlias: rpc((request: AliasRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    const alias = validateName('alias', request.alias);
    const collection = context.state.collection(databaseName, request.collection_name);
    if (database.collections.has(alias)) {
      throw aliasNameConflict(databaseName, alias);
    }
    const current = database.aliases.get(alias);
    if (current !== undefined && current !== collection.name) {
      throw new MilvusStatusError(
        MilvusCode.AliasAlreadyExist,
        `alias already exist[database=${databaseName}][alias=${alias}]`,
      );
    }
    database.aliases.set(alias, collection.name);
    return successStatus();
  }),

  DropAlias: rpc((request: AliasRequest, context: CallContext) => {
    const database = context.state.database(context.databaseName(request.db_name));
    database.aliases.delete(validateName('alias', request.alias));
    return successStatus();
  }),

  DescribeAlias: rpc((request: AliasRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    const target = context.state.database(databaseName).aliases.get(request.alias);
    if (target === undefined) {
      throw new MilvusStatusError(
        MilvusCode.AliasNotFound,
        `alias not found[database=${databaseName}][alias=${request.alias}]`,
      );
    }
    return { status: successStatus(), db_name: databaseName, alias: request.alias, collection: target };
  }),

  ListAliases: rpc((request: CollectionRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    if (request.collection_name !== '') {
      context.state.collection(databaseName, request.collection_name);
    }
    const aliases = [...database.aliases]
      .filter(([, target]) => request.collection_name === '' || target === request.collection_name)
      .map(([alias]) => alias);
    return {
      status: successStatus(),
      db_name: databaseName,
      aliases,
      collection_name: request.collection_name,
    };
  }),
};
