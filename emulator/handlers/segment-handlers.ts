import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { successStatus } from '../milvus-status';
import type { GetPersistentSegmentInfoRequest } from '../wire-types';

/** GetPersistentSegmentInfo: the sealed segments of a collection, as datacoord keeps them. */
export const segmentHandlers: Readonly<Record<string, RpcHandler>> = {
  GetPersistentSegmentInfo: rpc((request: GetPersistentSegmentInfoRequest, context: CallContext) => {
    const collection = context.state.collection(context.databaseName(request.dbName), request.collectionName);
    // The proxy asks datacoord for Flushing, Flushed and Sealed segments; growing ones are not
    // persistent yet. Flush seals synchronously here, so every one of them reads Flushed. Rows
    // count what the segment holds, deleted or not, like datacoord's NumOfRows.
    return {
      status: successStatus(),
      infos: collection.flushedSegments().map((segment) => ({
        segmentID: segment.id,
        collectionID: collection.id,
        partitionID: collection.partitions.get(segment.partition)?.id ?? '0',
        num_rows: String(segment.rows),
        state: 'Flushed',
        level: 'L1',
        is_sorted: true,
        storage_version: '2',
      })),
    };
  }),
};
