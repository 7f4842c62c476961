import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { successStatus } from '../milvus-status';
import { validatePartitionName } from '../names';
import type { CollectionRequest, PartitionRequest } from '../wire-types';

/** Partitions: enough for describe, inserts and restores. */
export const partitionHandlers: Readonly<Record<string, RpcHandler>> = {
  CreatePartition: rpc((request: PartitionRequest, context: CallContext) => {
    const name = validatePartitionName(request.partition_name);
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
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
};
