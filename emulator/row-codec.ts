import type { CellValue, Row } from './row';

// Rows are saved column by column, so field names are written once per row set rather than
// once per row; float vectors, the bulk of any collection, as one base64 string of
// little-endian float32s (exact, and a quarter of the size of decimal numbers).

/** A column of a saved row set. `absent` lists the rows that have no value for the key. */
export type EncodedColumn =
  | { t: 'f32'; dim: number; b64: string }
  | { t: 'any'; v: unknown[]; absent?: number[] };

/** A saved array of rows. `seq` is run-length encoded: rows of one insert share it. */
export interface EncodedRowSet {
  seq: [number, number][];
  pk: string[];
  columns: Record<string, EncodedColumn>;
}

/** Encodes rows for a state file. */
export function encodeRows(rows: readonly Row[]): EncodedRowSet {
  const seq: [number, number][] = [];
  for (const row of rows) {
    const last = seq[seq.length - 1];
    if (last !== undefined && last[0] === row.seq) {
      last[1] += 1;
    } else {
      seq.push([row.seq, 1]);
    }
  }
  const keys = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row.values)) {
      keys.add(key);
    }
  }
  const columns: Record<string, EncodedColumn> = {};
  for (const key of keys) {
    columns[key] = encodeColumn(rows, key);
  }
  return { seq, pk: rows.map((r) => r.pk), columns };
}

/**
 * Decodes a saved row set.
 *
 * @throws RangeError when the parts do not fit together (the caller names the file).
 */
export function decodeRows(encoded: EncodedRowSet): Row[] {
  const count = encoded.pk.length;
  const seqs: number[] = [];
  for (const [value, times] of encoded.seq) {
    for (let i = 0; i < times; i++) {
      seqs.push(value);
    }
  }
  if (seqs.length !== count) {
    throw new RangeError(`a row set has ${count} primary keys but ${seqs.length} sequence numbers`);
  }
  const values: Record<string, CellValue>[] = Array.from({ length: count }, () => ({}));
  for (const [key, column] of Object.entries(encoded.columns)) {
    decodeColumn(key, column, values);
  }
  return encoded.pk.map((pk, i) => ({ seq: seqs[i] ?? 0, pk, values: values[i] ?? {} }));
}

function encodeColumn(rows: readonly Row[], key: string): EncodedColumn {
  const cells = rows.map((row) => row.values[key]);
  const first = cells[0];
  if (
    first instanceof Float32Array &&
    cells.every((c) => c instanceof Float32Array && c.length === first.length)
  ) {
    const dim = first.length;
    const bytes = Buffer.alloc(cells.length * dim * 4);
    cells.forEach((cell, row) => {
      const vector = cell as Float32Array;
      for (let i = 0; i < dim; i++) {
        bytes.writeFloatLE(vector[i] ?? 0, (row * dim + i) * 4);
      }
    });
    return { t: 'f32', dim, b64: bytes.toString('base64') };
  }
  const absent: number[] = [];
  const v = cells.map((cell, row) => {
    if (cell === undefined) {
      absent.push(row);
      return null;
    }
    return encodeValue(cell);
  });
  return absent.length > 0 ? { t: 'any', v, absent } : { t: 'any', v };
}

function decodeColumn(key: string, column: EncodedColumn, into: Record<string, CellValue>[]): void {
  if (column.t === 'f32') {
    const bytes = Buffer.from(column.b64, 'base64');
    if (bytes.length !== into.length * column.dim * 4) {
      throw new RangeError(
        `column ${key} holds ${bytes.length} bytes, not ${into.length} vectors of ${column.dim}`,
      );
    }
    const all = new Float32Array(into.length * column.dim);
    for (let i = 0; i < all.length; i++) {
      all[i] = bytes.readFloatLE(i * 4);
    }
    into.forEach((values, row) => {
      values[key] = all.subarray(row * column.dim, (row + 1) * column.dim);
    });
    return;
  }
  if (column.v.length !== into.length) {
    throw new RangeError(`column ${key} has ${column.v.length} values for ${into.length} rows`);
  }
  const absent = new Set(column.absent ?? []);
  column.v.forEach((value, row) => {
    const values = into[row];
    if (values !== undefined && !absent.has(row)) {
      values[key] = decodeValue(value) as CellValue;
    }
  });
}

// Cells are JSON values except bytes, float vectors, non-finite numbers and the nested objects
// of array fields; those are tagged with a key no Milvus message uses.
const BYTES = '$b64';
const FLOATS = '$f32';
const NUMBER = '$num';

function encodeValue(value: unknown): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : { [NUMBER]: String(value) };
  }
  if (value instanceof Float32Array) {
    const bytes = Buffer.alloc(value.length * 4);
    value.forEach((x, i) => {
      bytes.writeFloatLE(x, i * 4);
    });
    return { [FLOATS]: bytes.toString('base64') };
  }
  if (value instanceof Uint8Array) {
    return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) {
    return value.map(encodeValue);
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  }
  throw new RangeError(`cannot save a value of type ${typeof value}`);
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(decodeValue);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined && typeof only[1] === 'string') {
    const [tag, text] = only;
    if (tag === BYTES) {
      return Uint8Array.from(Buffer.from(text, 'base64'));
    }
    if (tag === FLOATS) {
      const bytes = Buffer.from(text, 'base64');
      return Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    }
    if (tag === NUMBER) {
      return Number(text);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, decodeValue(v)]));
}
