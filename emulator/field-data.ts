import {
  bytesPerDimension,
  type CollectionSchemaModel,
  DYNAMIC_FIELD_NAME,
  typeParam,
  vectorDimension,
} from './collection-schema';
import { invalidParameter } from './milvus-errors';
import type { CellValue, Row } from './row';
import type { WireFieldData, WireFieldSchema, WireScalarField, WireValueField } from './wire-types';

/** Columns of an Insert, turned into rows (without sequence numbers yet). */
export interface DecodedRow {
  readonly pk: string;
  readonly values: Record<string, CellValue>;
}

/**
 * Turns the column-oriented `fields_data` of an Insert into rows, validating them the way the
 * proxy does (missing fields, row counts, vector dimensions, VarChar lengths).
 *
 * @param allocatePk called once per row when the primary key is auto-generated.
 * @param mode `upsert` requires the primary key column even for auto-generated keys.
 * @throws MilvusStatusError code 1100 with the server's reason.
 */
export function decodeInsertColumns(
  schema: CollectionSchemaModel,
  columns: readonly WireFieldData[],
  declaredRows: number,
  allocatePk: () => string,
  mode: 'insert' | 'upsert' = 'insert',
): DecodedRow[] {
  const byName = new Map(columns.map((c) => [c.field_name, c]));
  for (const column of columns) {
    if (column.field_name === DYNAMIC_FIELD_NAME || column.is_dynamic === true) {
      if (!schema.dynamic) {
        throw invalidParameter(
          `dynamic field ${DYNAMIC_FIELD_NAME} given but the collection does not enable it`,
        );
      }
      continue;
    }
    if (!schema.fieldsByName.has(column.field_name)) {
      throw invalidParameter(
        `field ${column.field_name} is not in the schema of collection ${schema.wire.name}`,
      );
    }
  }

  const pkField = schema.primaryField;
  const rowCount = declaredRows > 0 ? declaredRows : columnLength(columns[0]);
  const cells = new Map<string, CellValue[]>();
  for (const field of schema.wire.fields) {
    const column = byName.get(field.name);
    // An upsert names the entities it replaces, so it carries the primary key even when auto-generated.
    if (field.is_primary_key && field.autoID && mode === 'insert') {
      if (column !== undefined) {
        throw invalidParameter(`the primary key field ${field.name} is auto-generated, no need to provide`);
      }
      continue;
    }
    if (column === undefined) {
      if (field.nullable || field.default_value !== null) {
        cells.set(field.name, new Array<CellValue>(rowCount).fill(defaultCell(field.default_value)));
        continue;
      }
      throw invalidParameter(
        `Insert missed an field \`${field.name}\` to collection without set nullable==true or set default_value`,
      );
    }
    cells.set(field.name, decodeColumn(field, column, rowCount));
  }
  const dynamicColumn = columns.find((c) => c.field_name === DYNAMIC_FIELD_NAME || c.is_dynamic === true);
  if (dynamicColumn !== undefined) {
    cells.set(DYNAMIC_FIELD_NAME, scalarCells(dynamicColumn, rowCount, DYNAMIC_FIELD_NAME));
  }

  const rows: DecodedRow[] = [];
  for (let i = 0; i < rowCount; i++) {
    const values: Record<string, CellValue> = {};
    for (const [name, column] of cells) {
      values[name] = column[i] ?? null;
    }
    let pk: string;
    if (pkField.autoID && mode === 'insert') {
      pk = allocatePk();
      values[pkField.name] = pk;
    } else {
      pk = String(values[pkField.name]);
    }
    rows.push({ pk, values });
  }
  return rows;
}

function columnLength(column: WireFieldData | undefined): number {
  if (column === undefined) {
    return 0;
  }
  if (column.valid_data !== undefined && column.valid_data.length > 0) {
    return column.valid_data.length;
  }
  const scalars = column.scalars;
  if (scalars?.data !== undefined) {
    const array = scalars[scalars.data as keyof WireScalarField];
    if (typeof array === 'object' && array !== null && 'data' in array && Array.isArray(array.data)) {
      return array.data.length;
    }
  }
  const vectors = column.vectors;
  if (vectors?.float_vector !== undefined) {
    return vectors.float_vector.data.length / Math.max(1, Number(vectors.dim));
  }
  return 0;
}

function decodeColumn(field: WireFieldSchema, column: WireFieldData, rowCount: number): CellValue[] {
  const type = field.data_type;
  if (type === 'FloatVector') {
    return floatVectorCells(field, column, rowCount);
  }
  const perDim = bytesPerDimension(type);
  if (perDim !== undefined) {
    return byteVectorCells(field, column, rowCount, perDim);
  }
  if (type === 'SparseFloatVector') {
    const contents = column.vectors?.sparse_float_vector?.contents ?? [];
    checkRowCount(field.name, contents.length, rowCount);
    return contents.map((c) => Uint8Array.from(c));
  }
  const values = scalarCells(column, rowCount, field.name, field.default_value);
  if (type === 'VarChar') {
    const maxLength = Number(typeParam(field, 'max_length'));
    values.forEach((value, row) => {
      if (typeof value === 'string' && value.length > maxLength) {
        throw invalidParameter(
          `length of varchar field ${field.name} exceeds max length, row number: ${row}, length: ${value.length}, max length: ${maxLength}`,
        );
      }
    });
  }
  return values;
}

function floatVectorCells(field: WireFieldSchema, column: WireFieldData, rowCount: number): CellValue[] {
  const dim = vectorDimension(field);
  const flat = column.vectors?.float_vector?.data ?? [];
  if (flat.length !== dim * rowCount) {
    const got = rowCount === 0 ? flat.length : flat.length / rowCount;
    throw invalidParameter(
      `the dim (${got}) of field data(${field.name}) is not equal to schema dim (${dim})`,
    );
  }
  // One buffer per insert, one view per row: cheap to store, fast to scan.
  const buffer = Float32Array.from(flat);
  const cells: CellValue[] = [];
  for (let i = 0; i < rowCount; i++) {
    cells.push(buffer.subarray(i * dim, (i + 1) * dim));
  }
  return cells;
}

function byteVectorCells(
  field: WireFieldSchema,
  column: WireFieldData,
  rowCount: number,
  perDim: number,
): CellValue[] {
  const dim = vectorDimension(field);
  const rowBytes = dim * perDim;
  const vectors = column.vectors;
  const bytes =
    vectors?.binary_vector ??
    vectors?.float16_vector ??
    vectors?.bfloat16_vector ??
    vectors?.int8_vector ??
    new Uint8Array();
  if (bytes.length !== rowBytes * rowCount) {
    throw invalidParameter(
      `the dim of field data(${field.name}) is not equal to schema dim (${dim}): expected ${rowBytes * rowCount} bytes, got ${bytes.length}`,
    );
  }
  const copy = Uint8Array.from(bytes);
  const cells: CellValue[] = [];
  for (let i = 0; i < rowCount; i++) {
    cells.push(copy.subarray(i * rowBytes, (i + 1) * rowBytes));
  }
  return cells;
}

function scalarCells(
  column: WireFieldData,
  rowCount: number,
  fieldName: string,
  defaultValue: WireValueField | null = null,
): CellValue[] {
  const physical = scalarArray(column.scalars);
  const valid = column.valid_data ?? [];
  if (valid.length === 0 || valid.every(Boolean)) {
    checkRowCount(fieldName, physical.length, rowCount);
    return physical;
  }
  checkRowCount(fieldName, valid.length, rowCount);
  // Nullable columns arrive either row-dense or compact (only the valid values).
  const dense = physical.length === valid.length;
  let next = 0;
  return valid.map((isValid, row) => {
    if (!isValid) {
      return defaultCell(defaultValue);
    }
    const value = physical[dense ? row : next++];
    return value ?? null;
  });
}

function scalarArray(scalars: WireScalarField | null | undefined): CellValue[] {
  if (scalars === null || scalars === undefined) {
    return [];
  }
  if (scalars.bool_data !== undefined) return [...scalars.bool_data.data];
  if (scalars.int_data !== undefined) return [...scalars.int_data.data];
  if (scalars.long_data !== undefined) return scalars.long_data.data.map(String);
  if (scalars.float_data !== undefined) return [...scalars.float_data.data];
  if (scalars.double_data !== undefined) return [...scalars.double_data.data];
  if (scalars.string_data !== undefined) return [...scalars.string_data.data];
  if (scalars.json_data !== undefined) return scalars.json_data.data.map((b) => Uint8Array.from(b));
  if (scalars.bytes_data !== undefined) return scalars.bytes_data.data.map((b) => Uint8Array.from(b));
  if (scalars.array_data !== undefined) return [...scalars.array_data.data];
  return [];
}

function defaultCell(value: WireValueField | null): CellValue {
  if (value === null || value.data === undefined) {
    return null;
  }
  const cell = value[value.data as keyof WireValueField];
  if (typeof cell === 'boolean' || typeof cell === 'number' || typeof cell === 'string') {
    return cell;
  }
  return cell instanceof Uint8Array ? cell : null;
}

function checkRowCount(fieldName: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw invalidParameter(
      `the num_rows (${actual}) of field (${fieldName}) is not equal to passed num_rows (${expected})`,
    );
  }
}

/** The `count(*)` column of a Query result. */
export function countColumn(count: number): WireFieldData {
  return { type: 'Int64', field_name: 'count(*)', scalars: { long_data: { data: [String(count)] } } };
}

/** Encodes one field of `rows` as a result column (Query output and Search output fields). */
export function encodeColumn(field: WireFieldSchema, rows: readonly Row[]): WireFieldData {
  const cells = rows.map((row) => row.values[field.name] ?? null);
  const base = { type: field.data_type, field_name: field.name, field_id: field.fieldID, is_dynamic: false };
  const validData = field.nullable ? cells.map((c) => c !== null) : [];
  const type = field.data_type;
  if (type === 'FloatVector') {
    const dim = vectorDimension(field);
    const flat: number[] = [];
    for (const cell of cells) {
      if (cell instanceof Float32Array) {
        for (const x of cell) flat.push(x);
      }
    }
    return { ...base, vectors: { dim: String(dim), float_vector: { data: flat } }, valid_data: validData };
  }
  const perDim = bytesPerDimension(type);
  if (perDim !== undefined) {
    const key =
      type === 'BinaryVector'
        ? 'binary_vector'
        : type === 'Float16Vector'
          ? 'float16_vector'
          : type === 'BFloat16Vector'
            ? 'bfloat16_vector'
            : 'int8_vector';
    const parts = cells.filter((c): c is Uint8Array => c instanceof Uint8Array);
    return {
      ...base,
      vectors: { dim: typeParam(field, 'dim') ?? '0', [key]: Buffer.concat(parts) },
      valid_data: validData,
    };
  }
  if (type === 'SparseFloatVector') {
    const contents = cells.filter((c): c is Uint8Array => c instanceof Uint8Array);
    const dim = String(contents.reduce((max, c) => Math.max(max, sparseDimension(c)), 0));
    return { ...base, vectors: { dim, sparse_float_vector: { dim, contents } }, valid_data: validData };
  }
  return { ...base, scalars: encodeScalars(type, cells, field.element_type), valid_data: validData };
}

/** Encodes the dynamic `$meta` column (rows without dynamic keys get `{}`). */
export function encodeDynamicColumn(rows: readonly Row[]): WireFieldData {
  const empty = Buffer.from('{}');
  const data = rows.map((row) => {
    const cell = row.values[DYNAMIC_FIELD_NAME];
    return cell instanceof Uint8Array ? cell : empty;
  });
  return { type: 'JSON', field_name: DYNAMIC_FIELD_NAME, is_dynamic: true, scalars: { json_data: { data } } };
}

function encodeScalars(type: string, cells: readonly CellValue[], elementType: string): WireScalarField {
  switch (type) {
    case 'Bool':
      return { bool_data: { data: cells.map((c) => c === true) } };
    case 'Int8':
    case 'Int16':
    case 'Int32':
      return { int_data: { data: cells.map((c) => (typeof c === 'number' ? c : 0)) } };
    case 'Int64':
      return { long_data: { data: cells.map((c) => (c === null ? '0' : String(c))) } };
    case 'Float':
      return { float_data: { data: cells.map((c) => (typeof c === 'number' ? c : 0)) } };
    case 'Double':
      return { double_data: { data: cells.map((c) => (typeof c === 'number' ? c : 0)) } };
    case 'JSON':
      return { json_data: { data: cells.map((c) => (c instanceof Uint8Array ? c : Buffer.alloc(0))) } };
    case 'Array':
      return {
        array_data: {
          data: cells.map((c) => (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c) ? c : {})),
          element_type: elementType,
        },
      };
    default:
      return { string_data: { data: cells.map((c) => (typeof c === 'string' ? c : '')) } };
  }
}

function sparseDimension(bytes: Uint8Array): number {
  // A sparse row is (uint32 index, float32 value) pairs; its dimension is the largest index + 1.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let max = 0;
  for (let offset = 0; offset + 8 <= bytes.byteLength; offset += 8) {
    max = Math.max(max, view.getUint32(offset, true) + 1);
  }
  return max;
}
