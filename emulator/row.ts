import type { WireScalarField } from './wire-types';

/**
 * One stored cell. Int64 values are kept as decimal strings (as the wire carries them), JSON as
 * its raw bytes, float vectors as Float32Array, other vectors as their raw bytes, and array
 * fields as the wire's ScalarField.
 */
export type CellValue = null | boolean | number | string | Uint8Array | Float32Array | WireScalarField;

/** One entity. Immutable once stored. */
export interface Row {
  /** Mutation sequence number: a delete hides a row only if the delete came later. */
  readonly seq: number;
  /** Primary key as a string (decimal for Int64). */
  readonly pk: string;
  /** Field values by field name; the dynamic field is stored under `$meta`. */
  readonly values: Readonly<Record<string, CellValue>>;
}
