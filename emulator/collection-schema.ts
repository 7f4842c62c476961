import { invalidParameter } from './milvus-errors';
import { validateFieldName } from './names';
import type { WireCollectionSchema, WireFieldSchema } from './wire-types';

/** Name of the hidden JSON field that holds dynamic (schema-less) keys. */
export const DYNAMIC_FIELD_NAME = '$meta';

/** Dense vector types and the bytes one dimension takes (undefined = float array). */
const DENSE_VECTOR_TYPES: ReadonlyMap<string, number | undefined> = new Map([
  ['FloatVector', undefined],
  ['BinaryVector', 1 / 8],
  ['Float16Vector', 2],
  ['BFloat16Vector', 2],
  ['Int8Vector', 1],
]);

const SCALAR_TYPES: ReadonlySet<string> = new Set([
  'Bool',
  'Int8',
  'Int16',
  'Int32',
  'Int64',
  'Float',
  'Double',
  'String',
  'VarChar',
  'Text',
  'Array',
  'JSON',
]);

// Milvus numbers user fields from 100 up (0 and 1 are the hidden RowID and Timestamp fields).
const FIRST_USER_FIELD_ID = 100;
const MAX_DIM = 32_768;
const MAX_VARCHAR_LENGTH = 65_535;

/** True for every vector data type (dense and sparse). */
export function isVectorType(dataType: string): boolean {
  return DENSE_VECTOR_TYPES.has(dataType) || dataType === 'SparseFloatVector';
}

/** Bytes per dimension of a dense byte-encoded vector type; undefined for float vectors. */
export function bytesPerDimension(dataType: string): number | undefined {
  return DENSE_VECTOR_TYPES.get(dataType);
}

/** A type parameter of a field (`dim`, `max_length`, ...). */
export function typeParam(field: WireFieldSchema, key: string): string | undefined {
  return field.type_params.find((p) => p.key === key)?.value;
}

/** The dimension of a vector field (0 for sparse vectors). */
export function vectorDimension(field: WireFieldSchema): number {
  return Number(typeParam(field, 'dim') ?? 0);
}

/** A validated collection schema with the lookups the data path needs. */
export interface CollectionSchemaModel {
  /** The schema as DescribeCollection returns it (user fields, field IDs assigned). */
  readonly wire: WireCollectionSchema;
  readonly primaryField: WireFieldSchema;
  readonly vectorFields: readonly WireFieldSchema[];
  readonly fieldsByName: ReadonlyMap<string, WireFieldSchema>;
  /** Whether keys outside the schema are stored in the dynamic `$meta` field. */
  readonly dynamic: boolean;
}

/**
 * Validates the schema of a CreateCollection request as the proxy does and assigns field IDs.
 *
 * @throws MilvusStatusError code 1100 with the server's reason.
 */
export function buildCollectionSchema(
  schema: WireCollectionSchema,
  collectionName: string,
): CollectionSchemaModel {
  if (schema.name !== '' && schema.name !== collectionName) {
    throw invalidParameter(`collection name [${collectionName}] does not match schema name [${schema.name}]`);
  }
  if (schema.fields.length === 0) {
    throw invalidParameter('the schema has no fields');
  }
  const seen = new Set<string>();
  const fields = schema.fields.map((field, index): WireFieldSchema => {
    const name = validateFieldName(field.name);
    if (seen.has(name)) {
      throw invalidParameter(`duplicated field name ${name} found`);
    }
    seen.add(name);
    checkFieldType(field, name, collectionName);
    return {
      ...field,
      name,
      fieldID: String(FIRST_USER_FIELD_ID + index),
      autoID: field.is_primary_key && (field.autoID || schema.autoID),
      state: 'FieldCreated',
    };
  });

  const primaries = fields.filter((f) => f.is_primary_key);
  const [primaryField] = primaries;
  if (primaryField === undefined) {
    throw invalidParameter('primary key is not specified');
  }
  if (primaries.length > 1) {
    throw invalidParameter(
      `there are more than one primary key, field name = ${primaries.map((f) => f.name).join(', ')}`,
    );
  }
  if (primaryField.data_type !== 'Int64' && primaryField.data_type !== 'VarChar') {
    throw invalidParameter('the data type of primary key should be Int64 or VarChar');
  }
  if (primaryField.nullable) {
    throw invalidParameter('primary field not support null');
  }
  const vectorFields = fields.filter((f) => isVectorType(f.data_type));
  if (vectorFields.length === 0) {
    throw invalidParameter('schema does not contain vector field');
  }

  const wire: WireCollectionSchema = {
    ...schema,
    name: collectionName,
    autoID: primaryField.autoID,
    fields,
  };
  return {
    wire,
    primaryField,
    vectorFields,
    fieldsByName: new Map(fields.map((f) => [f.name, f])),
    dynamic: schema.enable_dynamic_field,
  };
}

/**
 * The model of a schema that was validated before (a saved state): the same lookups as
 * {@link buildCollectionSchema} builds, with the field IDs it assigned then.
 */
export function schemaModelOf(wire: WireCollectionSchema): CollectionSchemaModel {
  const primaryField = wire.fields.find((f) => f.is_primary_key);
  if (primaryField === undefined) {
    throw new RangeError(`the schema of ${wire.name} has no primary key`);
  }
  return {
    wire,
    primaryField,
    vectorFields: wire.fields.filter((f) => isVectorType(f.data_type)),
    fieldsByName: new Map(wire.fields.map((f) => [f.name, f])),
    dynamic: wire.enable_dynamic_field,
  };
}

function checkFieldType(field: WireFieldSchema, name: string, collectionName: string): void {
  const type = field.data_type;
  if (DENSE_VECTOR_TYPES.has(type)) {
    const raw = typeParam(field, 'dim');
    if (raw === undefined) {
      throw invalidParameter(
        `dimension is not defined in field type params of ${name}, please check type param \`dim\` for vector field`,
      );
    }
    const dim = Number(raw);
    if (!Number.isInteger(dim) || dim < 2 || dim > MAX_DIM) {
      throw invalidParameter(
        `invalid dimension: ${raw} of field ${name}. vector dimension should be in range 2 ~ ${MAX_DIM}`,
      );
    }
    if (type === 'BinaryVector' && dim % 8 !== 0) {
      throw invalidParameter(
        `invalid dimension: ${raw} of field ${name}. binary vector dimension should be multiple of 8`,
      );
    }
    return;
  }
  if (type === 'SparseFloatVector') {
    return;
  }
  if (!SCALAR_TYPES.has(type)) {
    throw invalidParameter(`field ${name} has a data type the Milvus emulator does not support: ${type}`);
  }
  if (type === 'VarChar') {
    const maxLength = Number(typeParam(field, 'max_length'));
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_VARCHAR_LENGTH) {
      throw invalidParameter(
        `type param(max_length) should be specified for the field(${name}) of collection ${collectionName}`,
      );
    }
  }
}
