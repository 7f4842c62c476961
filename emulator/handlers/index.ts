import type { RpcHandler } from '../call-context';
import { aliasHandlers } from './alias-handlers';
import { collectionHandlers } from './collection-handlers';
import { connectionHandlers } from './connection-handlers';
import { databaseHandlers } from './database-handlers';
import { indexLoadHandlers } from './index-load-handlers';
import { mutationHandlers } from './mutation-handlers';
import { partitionHandlers } from './partition-handlers';
import { queryHandlers } from './query-handlers';
import { restoreHandlers } from './restore-handlers';
import { searchHandlers } from './search-handlers';
import { segmentHandlers } from './segment-handlers';
import { snapshotHandlers } from './snapshot-handlers';

/** Every RPC the emulator implements, by gRPC method name. Anything else is UNIMPLEMENTED. */
export const rpcHandlers: ReadonlyMap<string, RpcHandler> = new Map(
  Object.entries({
    ...connectionHandlers,
    ...databaseHandlers,
    ...collectionHandlers,
    ...partitionHandlers,
    ...aliasHandlers,
    ...mutationHandlers,
    ...queryHandlers,
    ...searchHandlers,
    ...segmentHandlers,
    ...indexLoadHandlers,
    ...snapshotHandlers,
    ...restoreHandlers,
  }),
);
