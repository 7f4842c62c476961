import type { RpcHandler } from '../call-context';
import { collectionHandlers } from './collection-handlers';
import { connectionHandlers } from './connection-handlers';
import { databaseHandlers } from './database-handlers';
import { indexLoadHandlers } from './index-load-handlers';
import { mutationHandlers } from './mutation-handlers';
import { partitionAliasHandlers } from './partition-alias-handlers';
import { queryHandlers } from './query-handlers';
import { restoreHandlers } from './restore-handlers';
import { searchHandlers } from './search-handlers';
import { snapshotHandlers } from './snapshot-handlers';

/** Every RPC the emulator implements, by gRPC method name. Anything else is UNIMPLEMENTED. */
export const rpcHandlers: ReadonlyMap<string, RpcHandler> = new Map(
  Object.entries({
    ...connectionHandlers,
    ...databaseHandlers,
    ...collectionHandlers,
    ...partitionAliasHandlers,
    ...mutationHandlers,
    ...queryHandlers,
    ...searchHandlers,
    ...indexLoadHandlers,
    ...snapshotHandlers,
    ...restoreHandlers,
  }),
);
