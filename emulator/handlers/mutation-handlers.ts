import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection } from '../collection';
import { DEFAULT_PARTITION } from '../collection';
import { decodeInsertColumns } from '../field-data';
import { compileFilter } from '../filter-expression';
import { invalidParameter, partitionNotFound } from '../milvus-errors';
import { successStatus } from '../milvus-status';
import type { Row } from '../row';
import type {
  DeleteRequest,
  FlushRequest,
  GetFlushStateRequest,
  InsertRequest,
  UpsertRequest,
  WireIds,
} from '../wire-types';

/** Insert, Upsert, Delete, Flush and GetFlushState. */
export const mutationHandlers: Readonly<Record<string, RpcHandler>> = {
  Insert: rpc((request: InsertRequest, context: CallContext) => {
    const { state } = context;
    const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
    const partition = targetPartition(collection, request.partition_name);
    if (request.fields_data.length === 0) {
      throw invalidParameter('no field data to insert');
    }
    const decoded = decodeInsertColumns(collection.schema, request.fields_data, request.num_rows, () =>
      state.ids.next(),
    );
    const seq = state.nextSeq();
    const rows: Row[] = decoded.map(({ pk, values }) => ({ seq, pk, values }));
    collection.insert(partition, rows, () => state.ids.next());
    return {
      status: successStatus(),
      IDs: idsOf(
        collection,
        rows.map((r) => r.pk),
      ),
      succ_index: rows.map((_, i) => i),
      err_index: [],
      acknowledged: false,
      insert_cnt: String(rows.length),
      delete_cnt: '0',
      upsert_cnt: '0',
      timestamp: state.tso.next().toString(),
    };
  }),

  Upsert: rpc((request: UpsertRequest, context: CallContext) => {
    const { state } = context;
    const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
    const partition = targetPartition(collection, request.partition_name);
    if (request.partial_update || request.field_ops.length > 0) {
      throw invalidParameter('partial updates are not supported by the Milvus emulator');
    }
    if (request.fields_data.length === 0) {
      throw invalidParameter('no field data to upsert');
    }
    const decoded = decodeInsertColumns(
      collection.schema,
      request.fields_data,
      request.num_rows,
      () => state.ids.next(),
      'upsert',
    );
    // An upsert is a delete of the keys followed by an insert, ordered by sequence number.
    const pks = decoded.map((row) => row.pk);
    collection.delete(pks, state.nextSeq());
    const seq = state.nextSeq();
    collection.insert(
      partition,
      decoded.map(({ pk, values }) => ({ seq, pk, values })),
      () => state.ids.next(),
    );
    return {
      status: successStatus(),
      IDs: idsOf(collection, pks),
      succ_index: pks.map((_, i) => i),
      err_index: [],
      acknowledged: false,
      insert_cnt: '0',
      delete_cnt: '0',
      upsert_cnt: String(pks.length),
      timestamp: state.tso.next().toString(),
    };
  }),

  Delete: rpc((request: DeleteRequest, context: CallContext) => {
    const { state } = context;
    const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
    if (request.expr.trim() === '') {
      throw invalidParameter('delete plan can\'t be empty or always true : ""');
    }
    const predicate = compileFilter(request.expr, collection.schema);
    const partitions =
      request.partition_name === ''
        ? undefined
        : new Set([targetPartition(collection, request.partition_name)]);
    const pks = [
      ...new Set(
        collection
          .visibleRows(partitions)
          .filter(predicate)
          .map((r) => r.pk),
      ),
    ];
    const deleted = collection.delete(pks, state.nextSeq());
    return {
      status: successStatus(),
      IDs: idsOf(collection, pks),
      succ_index: [],
      err_index: [],
      acknowledged: false,
      insert_cnt: '0',
      delete_cnt: String(deleted),
      upsert_cnt: '0',
      timestamp: state.tso.next().toString(),
    };
  }),

  Flush: rpc((request: FlushRequest, context: CallContext) => {
    const { state } = context;
    const databaseName = context.databaseName(request.db_name);
    const collections = request.collection_names.map((name) => state.collection(databaseName, name));
    const sealed: Record<string, { data: string[] }> = {};
    const flushed: Record<string, { data: string[] }> = {};
    const sealTimes: Record<string, string> = {};
    const flushTs: Record<string, string> = {};
    for (const collection of collections) {
      const result = collection.flush();
      sealed[collection.name] = { data: result.sealedSegmentIds };
      flushed[collection.name] = { data: result.flushedSegmentIds };
      sealTimes[collection.name] = String(Math.floor(context.now / 1000));
      flushTs[collection.name] = state.tso.next().toString();
    }
    return {
      status: successStatus(),
      db_name: databaseName,
      coll_segIDs: sealed,
      flush_coll_segIDs: flushed,
      coll_seal_times: sealTimes,
      coll_flush_ts: flushTs,
      channel_cps: {},
    };
  }),

  GetFlushState: rpc((request: GetFlushStateRequest, context: CallContext) => {
    const { state } = context;
    const databaseName = context.databaseName(request.db_name);
    // Flush seals synchronously here, so only segments that are still growing are unflushed.
    const candidates =
      request.collection_name === ''
        ? [...state.database(databaseName).collections.values()]
        : [state.collection(databaseName, request.collection_name)];
    const flushed = request.segmentIDs.every((id) => candidates.every((c) => c.isSegmentFlushed(id)));
    return { status: successStatus(), flushed };
  }),
};

function targetPartition(collection: Collection, requested: string): string {
  const name = requested === '' ? DEFAULT_PARTITION : requested;
  if (!collection.partitions.has(name)) {
    throw partitionNotFound(name);
  }
  return name;
}

function idsOf(collection: Collection, pks: readonly string[]): WireIds {
  return collection.schema.primaryField.data_type === 'Int64'
    ? { int_id: { data: [...pks] } }
    : { str_id: { data: [...pks] } };
}
