import { type CollectionSchemaModel, DYNAMIC_FIELD_NAME } from './collection-schema';
import { encodeColumn, encodeDynamicColumn } from './field-data';
import { fieldNotFound } from './milvus-errors';
import type { Row } from './row';
import type { WireFieldData, WireFieldSchema } from './wire-types';

/** The columns a Query or Search returns. */
export interface OutputSelection {
  readonly fields: readonly WireFieldSchema[];
  /** Whether the dynamic `$meta` column is returned. */
  readonly dynamic: boolean;
  /** Names to report in `output_fields` (dynamic keys included, so the SDK picks them out). */
  readonly names: readonly string[];
}

/**
 * Resolves requested output fields: `*` means every field; the primary key is always returned;
 * names outside the schema read the dynamic field when the collection has one.
 *
 * @throws MilvusStatusError 1700 for an unknown field of a collection without dynamic field.
 */
export function selectOutputFields(
  schema: CollectionSchemaModel,
  requested: readonly string[],
): OutputSelection {
  const wanted = new Set<string>([schema.primaryField.name]);
  const dynamicKeys: string[] = [];
  let dynamic = false;
  for (const raw of requested) {
    const name = raw.trim();
    if (name === '') {
      continue;
    }
    if (name === '*') {
      for (const field of schema.wire.fields) {
        wanted.add(field.name);
      }
      dynamic ||= schema.dynamic;
    } else if (schema.fieldsByName.has(name)) {
      wanted.add(name);
    } else if (schema.dynamic) {
      dynamic = true;
      if (name !== DYNAMIC_FIELD_NAME) {
        dynamicKeys.push(name);
      }
    } else {
      throw fieldNotFound(name);
    }
  }
  const fields = schema.wire.fields.filter((f) => wanted.has(f.name));
  const names = [
    ...fields.map((f) => f.name),
    ...(dynamicKeys.length > 0 ? dynamicKeys : dynamic ? [DYNAMIC_FIELD_NAME] : []),
  ];
  return { fields, dynamic, names };
}

/** Encodes the selected columns of `rows`. */
export function encodeOutput(selection: OutputSelection, rows: readonly Row[]): WireFieldData[] {
  const columns = selection.fields.map((field) => encodeColumn(field, rows));
  if (selection.dynamic) {
    columns.push(encodeDynamicColumn(rows));
  }
  return columns;
}
