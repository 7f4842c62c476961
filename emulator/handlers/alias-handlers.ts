import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Database } from '../database';
import { MilvusStatusError } from '../errors';
import { aliasAlreadyExists, aliasNameConflict, aliasNotFound, collectionNotFound } from '../milvus-errors';
import { MilvusCode, successStatus } from '../milvus-status';
import { validateCollectionNameOrAlias } from '../names';
import type { AliasRequest, CollectionRequest } from '../wire-types';

// Rules from the Milvus 3.0 proxy (internal/proxy/ddl/task_alias.go) and rootcoord's meta table
// (CheckIfAliasCreatable, CheckIfAliasAlterable, DescribeAlias, ListAliases): an alias points at
// a collection ID; it may never take the name of a collection; the collection named in a request
// may itself be given by an alias; and a request that changes nothing succeeds.

/** CreateAlias, AlterAlias, DescribeAlias, ListAliases, DropAlias. */
export const aliasHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateAlias: rpc((request: AliasRequest, context: CallContext) => {
    validateCollectionNameOrAlias('alias', request.alias);
    validateCollectionNameOrAlias('name', request.collection_name);
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    const { alias } = request;
    if (database.collections.has(alias)) {
      throw aliasNameConflict(databaseName, alias);
    }
    const collectionName = realName(database, request.collection_name);
    const collection = database.collections.get(collectionName);
    if (collection === undefined) {
      throw collectionNotFound(databaseName, collectionName);
    }
    const current = database.aliases.get(alias);
    if (current !== undefined && current !== collection.id) {
      throw aliasAlreadyExists(databaseName, alias, nameOf(database, current));
    }
    database.aliases.set(alias, collection.id);
    return successStatus();
  }),

  AlterAlias: rpc((request: AliasRequest, context: CallContext) => {
    validateCollectionNameOrAlias('alias', request.alias);
    validateCollectionNameOrAlias('name', request.collection_name);
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    const { alias } = request;
    if (database.collections.has(alias)) {
      throw aliasNameConflict(databaseName, alias);
    }
    const collectionName = realName(database, request.collection_name);
    const collection = database.collections.get(collectionName);
    if (collection === undefined) {
      throw new MilvusStatusError(
        MilvusCode.CollectionNotFound,
        `collection not found[collection=${collectionName}]`,
      );
    }
    if (!database.aliases.has(alias)) {
      throw aliasNotFound(databaseName, alias);
    }
    // One synchronous assignment: a reader resolving the alias sees the old collection or the
    // new one, never neither.
    database.aliases.set(alias, collection.id);
    return successStatus();
  }),

  DescribeAlias: rpc((request: AliasRequest, context: CallContext) => {
    validateCollectionNameOrAlias('alias', request.alias);
    const databaseName = context.databaseName(request.db_name);
    const database = context.state.database(databaseName);
    const id = database.aliases.get(request.alias);
    if (id === undefined) {
      throw aliasNotFound(databaseName, request.alias);
    }
    return {
      status: successStatus(),
      db_name: databaseName,
      alias: request.alias,
      collection: nameOf(database, id),
    };
  }),

  ListAliases: rpc((request: CollectionRequest, context: CallContext) => {
    const databaseName = context.databaseName(request.db_name);
    let collectionName = request.collection_name;
    if (collectionName !== '') {
      validateCollectionNameOrAlias('name', collectionName);
    }
    const database = context.state.database(databaseName);
    if (collectionName === '') {
      return {
        status: successStatus(),
        db_name: databaseName,
        aliases: [...database.aliases.keys()],
        collection_name: '',
      };
    }
    collectionName = realName(database, collectionName);
    const collection = database.collections.get(collectionName);
    if (collection === undefined) {
      throw new MilvusStatusError(
        MilvusCode.CollectionNotFound,
        `collection not found[collection=${collectionName}]`,
      );
    }
    return {
      status: successStatus(),
      db_name: databaseName,
      aliases: database.aliasesOf(collection.id),
      collection_name: collectionName,
    };
  }),

  // No name check and no error for an alias that does not exist: the proxy validates nothing
  // here (milvus-io/milvus#43064) and dropping twice succeeds.
  DropAlias: rpc((request: AliasRequest, context: CallContext) => {
    context.state.database(context.databaseName(request.db_name)).aliases.delete(request.alias);
    return successStatus();
  }),
};

/** The proxy resolves a collection name that is an alias before asking rootcoord. */
function realName(database: Database, name: string): string {
  return database.resolve(name)?.name ?? name;
}

function nameOf(database: Database, collectionId: string): string {
  for (const collection of database.collections.values()) {
    if (collection.id === collectionId) {
      return collection.name;
    }
  }
  return '';
}
