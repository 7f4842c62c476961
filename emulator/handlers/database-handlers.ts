import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { Database, DEFAULT_DATABASE } from '../database';
import { invalidParameter, unexpected } from '../milvus-errors';
import { successStatus } from '../milvus-status';
import { validateDatabaseName } from '../names';
import { unordered } from '../unordered';
import type { CreateDatabaseRequest, DbScopedRequest } from '../wire-types';

/** CreateDatabase, ListDatabases, DescribeDatabase, DropDatabase. */
export const databaseHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateDatabase: rpc((request: CreateDatabaseRequest, context: CallContext) => {
    validateDatabaseName(request.db_name);
    const name = request.db_name;
    const { state } = context;
    if (state.databases.has(name)) {
      throw unexpected(`database already exist: ${name}`);
    }
    state.databases.set(name, new Database(name, state.ids.next(), context.now, request.properties));
    return successStatus();
  }),

  ListDatabases: rpc((_request: unknown, context: CallContext) => {
    // rootcoord lists databases from a map: in no defined order.
    const databases = unordered(context.state.databases.values(), (d) => d.name);
    return {
      status: successStatus(),
      db_names: databases.map((d) => d.name),
      created_timestamp: databases.map((d) => String(d.createdAtMs)),
      db_ids: databases.map((d) => d.id),
    };
  }),

  DescribeDatabase: rpc((request: DbScopedRequest, context: CallContext) => {
    const database = context.state.database(context.databaseName(request.db_name));
    return {
      status: successStatus(),
      db_name: database.name,
      dbID: database.id,
      created_timestamp: String(database.createdAtMs),
      properties: database.properties,
    };
  }),

  DropDatabase: rpc((request: DbScopedRequest, context: CallContext) => {
    validateDatabaseName(request.db_name);
    const name = request.db_name;
    if (name === DEFAULT_DATABASE) {
      throw invalidParameter('can not drop default database');
    }
    const database = context.state.databases.get(name);
    if (database === undefined) {
      return successStatus();
    }
    if (database.collections.size > 0) {
      throw invalidParameter(`database:${name} not empty, must drop all collections before drop database`);
    }
    context.state.databases.delete(name);
    return successStatus();
  }),
};
