import { createHash } from 'node:crypto';

/** The parts of a described field that decide whether restored data means the same thing. */
export interface FingerprintField {
  readonly name: string;
  readonly data_type: string | number;
  readonly is_primary_key?: boolean;
  readonly autoID?: boolean;
  readonly is_partition_key?: boolean;
  readonly nullable?: boolean;
  readonly element_type?: string | number;
  readonly type_params?: ReadonlyArray<{ readonly key: string; readonly value: unknown }>;
}

/** The parts of a described schema that the fingerprint covers. */
export interface FingerprintSchema {
  readonly fields: readonly FingerprintField[];
  readonly enable_dynamic_field?: boolean;
}

const TYPE_PARAMS = new Set(['dim', 'max_length', 'max_capacity']);

/**
 * A short, stable fingerprint (16 hex characters of SHA-256) of a collection schema: field names,
 * types, keys, vector dimensions and lengths, in field order. It deliberately leaves out the
 * collection's name, description and ids, which legitimately differ in a restored copy.
 */
export function schemaFingerprint(schema: FingerprintSchema): string {
  const canonical = {
    dynamic: schema.enable_dynamic_field === true,
    fields: schema.fields.map((f) => ({
      name: f.name,
      type: String(f.data_type),
      pk: f.is_primary_key === true,
      auto: f.autoID === true,
      partitionKey: f.is_partition_key === true,
      nullable: f.nullable === true,
      element: f.element_type === undefined || f.element_type === 'None' ? '' : String(f.element_type),
      params: Object.fromEntries(
        (f.type_params ?? [])
          .filter((p) => TYPE_PARAMS.has(p.key))
          .map((p) => [p.key, String(p.value)] as const)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    })),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}
