import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../../lib/config/json-schemas';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('the committed JSON Schemas', () => {
  it.each(Object.keys(jsonSchemas()))(
    'schemas/%s is up to date with its zod schema (npm run schemas)',
    (file) => {
      expect(readJson(join('schemas', file))).toEqual(jsonSchemas()[file]);
    },
  );
});

describe('the configuration JSON Schema', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(
    jsonSchemas()['scheduler.config.schema.json'] ?? {},
  );

  it('accepts the example configuration, "$comment" keys included', () => {
    const example = readJson('examples/scheduler.config.json');
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it('points an editor at a misspelt key', () => {
    const example = readJson('examples/scheduler.config.json') as { milvus: Record<string, unknown> };
    example.milvus.adress = 'x';
    expect(validate(example)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/milvus', params: { additionalProperty: 'adress' } }),
    );
  });

  it('is referenced by the example', () => {
    expect(readJson('examples/scheduler.config.json')).toMatchObject({
      $schema: '../schemas/scheduler.config.schema.json',
    });
  });
});
