import { describe, expect, it } from 'vitest';
import { type FingerprintSchema, schemaFingerprint } from '../../../functions/shared/schema-fingerprint';

const schema: FingerprintSchema = {
  enable_dynamic_field: false,
  fields: [
    { name: 'id', data_type: 'Int64', is_primary_key: true, autoID: false, type_params: [] },
    { name: 'embedding', data_type: 'FloatVector', type_params: [{ key: 'dim', value: '64' }] },
    { name: 'title', data_type: 'VarChar', type_params: [{ key: 'max_length', value: 256 }] },
  ],
};

describe('schemaFingerprint', () => {
  it('is 16 hex characters and stable', () => {
    expect(schemaFingerprint(schema)).toMatch(/^[0-9a-f]{16}$/);
    expect(schemaFingerprint(structuredClone(schema))).toBe(schemaFingerprint(schema));
  });

  it('does not depend on how a type parameter is spelled (number or string) or ordered', () => {
    const other: FingerprintSchema = {
      ...schema,
      fields: schema.fields.map((f) =>
        f.name === 'title'
          ? {
              ...f,
              type_params: [
                { key: 'mmap.enabled', value: 'true' },
                { key: 'max_length', value: '256' },
              ],
            }
          : f,
      ),
    };
    expect(schemaFingerprint(other)).toBe(schemaFingerprint(schema));
  });

  it.each([
    [
      'a different vector dimension',
      { name: 'embedding', data_type: 'FloatVector', type_params: [{ key: 'dim', value: '128' }] },
    ],
    [
      'a renamed field',
      { name: 'vector', data_type: 'FloatVector', type_params: [{ key: 'dim', value: '64' }] },
    ],
    [
      'a different type',
      { name: 'embedding', data_type: 'Float16Vector', type_params: [{ key: 'dim', value: '64' }] },
    ],
  ])('changes with %s', (_what, field) => {
    const changed = { ...schema, fields: [schema.fields[0], field, schema.fields[2]] } as FingerprintSchema;
    expect(schemaFingerprint(changed)).not.toBe(schemaFingerprint(schema));
  });
});
