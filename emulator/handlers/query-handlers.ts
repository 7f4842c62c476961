import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection } from '../collection';
import { countColumn } from '../field-data';
import { compileFilter } from '../filter-expression';
import { collectionNotLoaded, invalidParameter, partitionNotFound } from '../milvus-errors';
import { successStatus } from '../milvus-status';
import { encodeOutput, selectOutputFields } from '../output-fields';
import type { QueryRequest, WireKeyValue } from '../wire-types';

/** Largest offset + limit the server accepts for Query and Search. */
export const MAX_RESULT_WINDOW = 16_384;

/** Query: `count(*)`, primary-key and scalar filters, output fields, limit/offset. */
export const queryHandlers: Readonly<Record<string, RpcHandler>> = {
  Query: rpc((request: QueryRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    if (!collection.loaded) {
      throw collectionNotLoaded(collection.name);
    }
    const partitions = partitionFilter(collection, request.partition_names);
    const predicate = compileFilter(request.expr, collection.schema);
    const isCount = request.output_fields.some((f) => f.replace(/\s/g, '').toLowerCase() === 'count(*)');
    const rows = collection.visibleRows(partitions).filter(predicate);
    const base = {
      status: successStatus(),
      collection_name: collection.name,
      primary_field_name: collection.schema.primaryField.name,
      session_ts: context.state.tso.next().toString(),
    };
    if (isCount) {
      if (request.output_fields.length > 1) {
        throw invalidParameter('count entities with other output fields is not allowed');
      }
      return { ...base, fields_data: [countColumn(rows.length)], output_fields: ['count(*)'] };
    }

    const params = keyValues(request.query_params);
    const limit = optionalInteger(params, 'limit');
    const offset = optionalInteger(params, 'offset') ?? 0;
    if (request.expr.trim() === '' && limit === undefined) {
      throw invalidParameter('empty expression should be used with limit');
    }
    if (limit !== undefined && (limit < 1 || offset < 0 || limit + offset > MAX_RESULT_WINDOW)) {
      throw invalidParameter(
        `invalid max query result window, (offset+limit) should be in range [1, ${MAX_RESULT_WINDOW}], but got ${offset + limit}`,
      );
    }
    const page = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    const selection = selectOutputFields(collection.schema, request.output_fields);
    return { ...base, fields_data: encodeOutput(selection, page), output_fields: selection.names };
  }),
};

/** Reads `key/value` request parameters into a map. */
export function keyValues(pairs: readonly WireKeyValue[]): ReadonlyMap<string, string> {
  return new Map(pairs.map((p) => [p.key, p.value]));
}

/** An integer parameter, or undefined when absent. */
export function optionalInteger(params: ReadonlyMap<string, string>, key: string): number | undefined {
  const raw = params.get(key);
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw invalidParameter(`${key} [${raw}] is invalid`);
  }
  return value;
}

/** The partitions a read is limited to (all when none are named). */
export function partitionFilter(
  collection: Collection,
  names: readonly string[],
): ReadonlySet<string> | undefined {
  if (names.length === 0) {
    return undefined;
  }
  for (const name of names) {
    if (!collection.partitions.has(name)) {
      throw partitionNotFound(name);
    }
  }
  return new Set(names);
}
