import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection, IndexInfo } from '../collection';
import { isVectorType } from '../collection-schema';
import {
  collectionNotLoaded,
  indexNotFound,
  invalidParameter,
  unexpected,
  vectorIndexMissing,
} from '../milvus-errors';
import { successStatus } from '../milvus-status';
import type {
  CollectionRequest,
  CreateIndexRequest,
  DescribeIndexRequest,
  WireKeyValue,
} from '../wire-types';

const FLOAT_VECTOR_INDEXES = new Set([
  'AUTOINDEX',
  'FLAT',
  'IVF_FLAT',
  'IVF_SQ8',
  'IVF_PQ',
  'IVF_RABITQ',
  'HNSW',
  'HNSW_SQ',
  'HNSW_PQ',
  'HNSW_PRQ',
  'DISKANN',
  'SCANN',
  'GPU_CAGRA',
  'GPU_IVF_FLAT',
  'GPU_IVF_PQ',
  'GPU_BRUTE_FORCE',
]);
const OTHER_INDEXES = new Set([
  'BIN_FLAT',
  'BIN_IVF_FLAT',
  'MINHASH_LSH',
  'SPARSE_INVERTED_INDEX',
  'SPARSE_WAND',
  'INVERTED',
  'STL_SORT',
  'Trie',
  'TRIE',
  'BITMAP',
  'NGRAM',
  'RTREE',
]);
const METRICS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  FloatVector: ['L2', 'IP', 'COSINE'],
  Float16Vector: ['L2', 'IP', 'COSINE'],
  BFloat16Vector: ['L2', 'IP', 'COSINE'],
  Int8Vector: ['L2', 'IP', 'COSINE'],
  BinaryVector: ['HAMMING', 'JACCARD', 'MHJACCARD'],
  SparseFloatVector: ['IP', 'BM25'],
};
const DEFAULT_METRIC: Readonly<Record<string, string>> = {
  BinaryVector: 'HAMMING',
  SparseFloatVector: 'IP',
};

/** CreateIndex, DescribeIndex, GetIndexState and the load state calls. */
export const indexLoadHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateIndex: rpc((request: CreateIndexRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const field = collection.schema.fieldsByName.get(request.field_name);
    if (field === undefined) {
      throw invalidParameter(`cannot create index on non-exist field: ${request.field_name}`);
    }
    const params = new Map(request.extra_params.map((p) => [p.key, p.value]));
    const indexType = params.get('index_type') ?? 'AUTOINDEX';
    params.set('index_type', indexType);
    const paramsJson = params.get('params');
    if (paramsJson !== undefined) {
      try {
        JSON.parse(paramsJson);
      } catch {
        throw invalidParameter(`index params is not a valid json: ${paramsJson}`);
      }
    }
    if (isVectorType(field.data_type)) {
      if (!FLOAT_VECTOR_INDEXES.has(indexType) && !OTHER_INDEXES.has(indexType)) {
        throw invalidParameter(`invalid index type: ${indexType}`);
      }
      const supported = METRICS_BY_TYPE[field.data_type] ?? [];
      const metric = (params.get('metric_type') ?? DEFAULT_METRIC[field.data_type] ?? 'COSINE').toUpperCase();
      if (!supported.includes(metric)) {
        throw invalidParameter(
          `metric type ${metric} not found or not supported, supported: [${supported.join(' ')}]`,
        );
      }
      params.set('metric_type', metric);
    } else if (!OTHER_INDEXES.has(indexType) && indexType !== 'AUTOINDEX') {
      throw invalidParameter(`invalid index type: ${indexType}`);
    }
    const indexName = request.index_name === '' ? field.name : request.index_name;
    const normalized: WireKeyValue[] = [...params].map(([key, value]) => ({ key, value }));
    const existing = collection.indexes.get(field.name);
    if (existing !== undefined) {
      // Re-creating an identical index is a no-op; a different one on the same field is refused.
      if (existing.indexName === indexName && sameParams(existing.params, normalized)) {
        return successStatus();
      }
      throw unexpected('CreateIndex failed: at most one distinct index is allowed per field');
    }
    for (const index of collection.indexes.values()) {
      if (index.indexName === indexName) {
        throw unexpected(
          `CreateIndex failed: index already exist, but parameters are inconsistent: ${indexName}`,
        );
      }
    }
    collection.indexes.set(field.name, {
      indexId: context.state.ids.next(),
      indexName,
      fieldName: field.name,
      params: normalized,
    });
    return successStatus();
  }),

  DescribeIndex: rpc((request: DescribeIndexRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const indexes = matchingIndexes(collection, request);
    const counts = collection.rowCounts();
    return {
      status: successStatus(),
      index_descriptions: indexes.map((index) => ({
        index_name: index.indexName,
        indexID: index.indexId,
        params: index.params,
        field_name: index.fieldName,
        indexed_rows: String(counts.sealed),
        total_rows: String(counts.sealed + counts.growing),
        state: 'Finished',
        index_state_fail_reason: '',
        pending_index_rows: '0',
        min_index_version: 0,
        max_index_version: 0,
      })),
    };
  }),

  GetIndexState: rpc((request: DescribeIndexRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    matchingIndexes(collection, request);
    return { status: successStatus(), state: 'Finished', fail_reason: '' };
  }),

  GetIndexBuildProgress: rpc((request: DescribeIndexRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    matchingIndexes(collection, request);
    const counts = collection.rowCounts();
    const total = String(counts.sealed + counts.growing);
    return { status: successStatus(), indexed_rows: total, total_rows: total, pending_index_rows: '0' };
  }),

  LoadCollection: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const unindexed = collection.schema.vectorFields.find((f) => !collection.indexes.has(f.name));
    if (unindexed !== undefined) {
      throw vectorIndexMissing(collection.name, unindexed.name);
    }
    collection.loaded = true;
    return successStatus();
  }),

  ReleaseCollection: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    collection.loaded = false;
    return successStatus();
  }),

  GetLoadState: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    return { status: successStatus(), state: collection.loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad' };
  }),

  GetLoadingProgress: rpc((request: CollectionRequest, context: CallContext) => {
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    if (!collection.loaded) {
      throw collectionNotLoaded(collection.name);
    }
    return { status: successStatus(), progress: '100', refresh_progress: '100' };
  }),
};

function matchingIndexes(collection: Collection, request: DescribeIndexRequest): IndexInfo[] {
  const indexes = [...collection.indexes.values()].filter(
    (index) =>
      (request.field_name === '' || index.fieldName === request.field_name) &&
      (request.index_name === '' || index.indexName === request.index_name),
  );
  if (indexes.length === 0) {
    throw indexNotFound(collection.name);
  }
  return indexes;
}

function sameParams(a: readonly WireKeyValue[], b: readonly WireKeyValue[]): boolean {
  const key = (pairs: readonly WireKeyValue[]): string =>
    JSON.stringify([...pairs].sort((x, y) => x.key.localeCompare(y.key)).map((p) => [p.key, p.value]));
  return key(a) === key(b);
}
