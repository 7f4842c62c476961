/**
 * Shapes of the protobuf messages the emulator reads and writes, as `@grpc/proto-loader` decodes
 * them with the SDK's own options (`keepCase`, `longs: String`, `enums: String`, `defaults`,
 * `oneofs`): int64 values are decimal strings, enums are names, and scalar fields are always
 * present. Only the fields the emulator uses are listed.
 */

import type { WireStatus } from './milvus-status';

export interface WireKeyValue {
  key: string;
  value: string;
}

export interface WireValueField {
  data?: string;
  bool_data?: boolean;
  int_data?: number;
  long_data?: string;
  float_data?: number;
  double_data?: number;
  string_data?: string;
  bytes_data?: Uint8Array;
}

export interface WireFieldSchema {
  fieldID: string;
  name: string;
  is_primary_key: boolean;
  description: string;
  data_type: string;
  type_params: WireKeyValue[];
  index_params: WireKeyValue[];
  autoID: boolean;
  state: string;
  element_type: string;
  default_value: WireValueField | null;
  is_dynamic: boolean;
  is_partition_key: boolean;
  is_clustering_key: boolean;
  nullable: boolean;
  is_function_output: boolean;
  external_field: string;
}

export interface WireCollectionSchema {
  name: string;
  description: string;
  autoID: boolean;
  fields: WireFieldSchema[];
  enable_dynamic_field: boolean;
  properties: WireKeyValue[];
  functions: unknown[];
  dbName: string;
  struct_array_fields: unknown[];
  version: number;
}

export interface WireArray<T> {
  data: T[];
}

/** `schema.ScalarField`: exactly one of the typed arrays is set; `data` names it (oneofs). */
export interface WireScalarField {
  data?: string;
  bool_data?: WireArray<boolean>;
  int_data?: WireArray<number>;
  long_data?: WireArray<string>;
  float_data?: WireArray<number>;
  double_data?: WireArray<number>;
  string_data?: WireArray<string>;
  bytes_data?: WireArray<Uint8Array>;
  array_data?: { data: WireScalarField[]; element_type: string };
  json_data?: WireArray<Uint8Array>;
}

/** `schema.VectorField`. */
export interface WireVectorField {
  dim: string;
  data?: string;
  float_vector?: WireArray<number>;
  binary_vector?: Uint8Array;
  float16_vector?: Uint8Array;
  bfloat16_vector?: Uint8Array;
  int8_vector?: Uint8Array;
  sparse_float_vector?: { dim: string; contents: Uint8Array[] };
}

/** `schema.FieldData`. */
export interface WireFieldData {
  type: string;
  field_name: string;
  field_id?: string;
  is_dynamic?: boolean;
  valid_data?: boolean[];
  scalars?: WireScalarField | null;
  vectors?: WireVectorField | null;
}

/** `schema.IDs`. */
export interface WireIds {
  id_field?: string;
  int_id?: WireArray<string>;
  str_id?: WireArray<string>;
}

export interface WirePlaceholderValue {
  tag: string;
  type: string;
  values: Uint8Array[];
}

export interface WirePlaceholderGroup {
  placeholders: WirePlaceholderValue[];
}

// Requests. `db_name` is empty when the client relies on the `dbname` metadata instead.

export interface DbScopedRequest {
  db_name: string;
}

export interface CollectionRequest extends DbScopedRequest {
  collection_name: string;
}

export interface CreateDatabaseRequest {
  db_name: string;
  properties: WireKeyValue[];
}

export interface CreateCollectionRequest extends CollectionRequest {
  schema: Uint8Array;
  shards_num: number;
  consistency_level: string;
  properties: WireKeyValue[];
  num_partitions: string;
}

export interface ShowCollectionsRequest extends DbScopedRequest {
  type: string;
  collection_names: string[];
}

export interface PartitionRequest extends CollectionRequest {
  partition_name: string;
}

export interface AliasRequest extends CollectionRequest {
  alias: string;
}

export interface RenameCollectionRequest extends DbScopedRequest {
  oldName: string;
  newName: string;
  newDBName: string;
}

/** The one request that spells its fields in camelCase. */
export interface GetPersistentSegmentInfoRequest {
  dbName: string;
  collectionName: string;
}

export interface InsertRequest extends CollectionRequest {
  partition_name: string;
  fields_data: WireFieldData[];
  num_rows: number;
}

export interface UpsertRequest extends InsertRequest {
  partial_update: boolean;
  field_ops: unknown[];
}

export interface DeleteRequest extends CollectionRequest {
  partition_name: string;
  expr: string;
}

export interface FlushRequest extends DbScopedRequest {
  collection_names: string[];
}

export interface GetFlushStateRequest extends CollectionRequest {
  segmentIDs: string[];
  flush_ts: string;
}

export interface QueryRequest extends CollectionRequest {
  expr: string;
  output_fields: string[];
  partition_names: string[];
  query_params: WireKeyValue[];
}

export interface SearchRequest extends CollectionRequest {
  partition_names: string[];
  dsl: string;
  placeholder_group?: Uint8Array;
  ids?: WireIds | null;
  search_input?: string;
  output_fields: string[];
  search_params: WireKeyValue[];
  nq: string;
}

export interface CreateIndexRequest extends CollectionRequest {
  field_name: string;
  extra_params: WireKeyValue[];
  index_name: string;
}

export interface DescribeIndexRequest extends CollectionRequest {
  field_name: string;
  index_name: string;
}

export interface CreateSnapshotRequest extends CollectionRequest {
  name: string;
  description: string;
  compaction_protection_seconds: string;
}

export interface SnapshotRequest extends CollectionRequest {
  name: string;
}

export interface RestoreSnapshotRequest extends CollectionRequest {
  name: string;
  target_db_name: string;
  target_collection_name: string;
}

export interface RestoreJobRequest {
  job_id: string;
}

export interface ListRestoreSnapshotJobsRequest extends DbScopedRequest {
  collection_name: string;
}

export interface PinSnapshotDataRequest extends SnapshotRequest {
  ttl_seconds: string;
}

export interface UnpinSnapshotDataRequest {
  pin_id: string;
}

/** Responses whose type is not the bare `common.Status` carry it in `status`. */
export interface WithStatus {
  status: WireStatus;
}
