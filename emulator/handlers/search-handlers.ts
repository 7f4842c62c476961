import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection } from '../collection';
import { vectorDimension } from '../collection-schema';
import { MilvusStatusError } from '../errors';
import { compileFilter } from '../filter-expression';
import { collectionNotLoaded, invalidParameter } from '../milvus-errors';
import { MilvusCode, successStatus } from '../milvus-status';
import { encodeOutput, selectOutputFields } from '../output-fields';
import { loadMilvusProtocol } from '../proto';
import type { Row } from '../row';
import { asFloatMetric, type FloatMetric, topK } from '../vector-search';
import type { SearchRequest, WireFieldSchema, WirePlaceholderGroup } from '../wire-types';
import { keyValues, MAX_RESULT_WINDOW, optionalInteger, partitionFilter } from './query-handlers';

/** Search: exact (brute-force) top-k over float vectors with L2, IP or COSINE. */
export const searchHandlers: Readonly<Record<string, RpcHandler>> = {
  Search: rpc((request: SearchRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    if (!collection.loaded) {
      throw collectionNotLoaded(collection.name);
    }
    const params = keyValues(request.search_params);
    const field = annsField(collection, params.get('anns_field') ?? '');
    const metric = searchMetric(collection, field, params.get('metric_type') ?? '');
    const topk = optionalInteger(params, 'topk') ?? optionalInteger(params, 'limit') ?? 10;
    const offset = optionalInteger(params, 'offset') ?? 0;
    if (topk < 1 || offset < 0 || topk + offset > MAX_RESULT_WINDOW) {
      throw invalidParameter(
        `topk [${topk}] is invalid, it should be in range [1, ${MAX_RESULT_WINDOW}], but got ${topk}`,
      );
    }
    const roundDecimal = optionalInteger(params, 'round_decimal') ?? -1;

    const predicate = compileFilter(request.dsl, collection.schema);
    const candidates = collection.visibleRows(partitionFilter(collection, request.partition_names));
    const queries = queryVectors(request, collection, field, candidates);
    const filtered = candidates.filter(predicate);
    const vectorOf = (row: Row): Float32Array | undefined => {
      const cell = row.values[field.name];
      return cell instanceof Float32Array ? cell : undefined;
    };

    const hitRows: Row[] = [];
    const scores: number[] = [];
    const topks: string[] = [];
    for (const query of queries) {
      const hits = topK(metric, query, filtered, vectorOf, topk, offset);
      topks.push(String(hits.length));
      for (const hit of hits) {
        hitRows.push(hit.item);
        scores.push(roundDecimal >= 0 ? Number(hit.score.toFixed(roundDecimal)) : hit.score);
      }
    }
    const selection = selectOutputFields(collection.schema, request.output_fields);
    const pks = hitRows.map((r) => r.pk);
    return {
      status: successStatus(),
      collection_name: collection.name,
      session_ts: context.state.tso.next().toString(),
      results: {
        num_queries: String(queries.length),
        top_k: String(topk),
        fields_data: encodeOutput(selection, hitRows),
        scores,
        ids:
          collection.schema.primaryField.data_type === 'Int64'
            ? { int_id: { data: pks } }
            : { str_id: { data: pks } },
        topks,
        output_fields: selection.names,
        all_search_count: String(filtered.length),
        recalls: [],
        primary_field_name: collection.schema.primaryField.name,
      },
    };
  }),
};

function annsField(collection: Collection, requested: string): WireFieldSchema {
  const { schema } = collection;
  if (requested === '') {
    const [only, ...others] = schema.vectorFields;
    if (only === undefined || others.length > 0) {
      throw invalidParameter('multiple anns_fields exist, please specify a anns_field in search_params');
    }
    return checkSearchable(only);
  }
  const field = schema.fieldsByName.get(requested);
  if (field === undefined || !schema.vectorFields.includes(field)) {
    throw invalidParameter(`failed to get field schema by name: fieldName(${requested}) not found`);
  }
  return checkSearchable(field);
}

function checkSearchable(field: WireFieldSchema): WireFieldSchema {
  if (field.data_type !== 'FloatVector') {
    throw invalidParameter(
      `the Milvus emulator only searches FloatVector fields; ${field.name} is a ${field.data_type} field`,
    );
  }
  return field;
}

function searchMetric(collection: Collection, field: WireFieldSchema, requested: string): FloatMetric {
  const indexMetric =
    collection.indexes
      .get(field.name)
      ?.params.find((p) => p.key === 'metric_type')
      ?.value.toUpperCase() ?? 'COSINE';
  if (requested !== '' && requested.toUpperCase() !== indexMetric) {
    throw new MilvusStatusError(
      MilvusCode.ParameterInvalid,
      `metric type not match: invalid parameter[expected=${indexMetric}][actual=${requested}]`,
    );
  }
  const metric = asFloatMetric(indexMetric);
  if (metric === undefined) {
    throw invalidParameter(
      `metric type ${indexMetric} not found or not supported, supported: [L2 IP COSINE]`,
    );
  }
  return metric;
}

function queryVectors(
  request: SearchRequest,
  collection: Collection,
  field: WireFieldSchema,
  candidates: readonly Row[],
): Float32Array[] {
  const dim = vectorDimension(field);
  const ids = request.ids?.int_id?.data ?? request.ids?.str_id?.data;
  if (request.search_input === 'ids' && ids !== undefined) {
    // Search by primary keys: the stored vectors of those entities are the queries.
    const byPk = new Map(candidates.map((row) => [row.pk, row.values[field.name]]));
    return ids.map((id) => {
      const vector = byPk.get(String(id));
      if (!(vector instanceof Float32Array)) {
        throw invalidParameter(`primary key ${id} not found in collection ${collection.name}`);
      }
      return vector;
    });
  }
  if (request.placeholder_group === undefined || request.placeholder_group.length === 0) {
    throw invalidParameter('search needs query vectors (placeholder_group) or primary keys (ids)');
  }
  let group: WirePlaceholderGroup;
  try {
    group = loadMilvusProtocol().decodePlaceholderGroup(request.placeholder_group);
  } catch (error) {
    throw invalidParameter(`failed to decode placeholder group: ${String(error)}`);
  }
  const values = group.placeholders[0]?.values ?? [];
  return values.map((bytes) => {
    if (bytes.byteLength !== dim * 4) {
      throw invalidParameter(
        `the dim (${bytes.byteLength / 4}) of field data(${field.name}) is not equal to schema dim (${dim})`,
      );
    }
    const copy = Uint8Array.from(bytes);
    return new Float32Array(copy.buffer, 0, dim);
  });
}
