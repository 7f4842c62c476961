import { describe, expect, it } from 'vitest';
import { buildCollectionSchema } from '../../emulator/collection-schema';
import { MilvusStatusError } from '../../emulator/errors';
import { compileFilter } from '../../emulator/filter-expression';
import type { Row } from '../../emulator/row';
import type { WireCollectionSchema, WireFieldSchema } from '../../emulator/wire-types';

function field(name: string, dataType: string, extra: Partial<WireFieldSchema> = {}): WireFieldSchema {
  return {
    fieldID: '0',
    name,
    is_primary_key: false,
    description: '',
    data_type: dataType,
    type_params: [],
    index_params: [],
    autoID: false,
    state: 'FieldCreated',
    element_type: 'None',
    default_value: null,
    is_dynamic: false,
    is_partition_key: false,
    is_clustering_key: false,
    nullable: false,
    is_function_output: false,
    external_field: '',
    ...extra,
  };
}

function schema(dynamic: boolean) {
  const wire: WireCollectionSchema = {
    name: 'things',
    description: '',
    autoID: false,
    enable_dynamic_field: dynamic,
    properties: [],
    functions: [],
    dbName: '',
    struct_array_fields: [],
    version: 0,
    fields: [
      field('id', 'Int64', { is_primary_key: true }),
      field('title', 'VarChar', { type_params: [{ key: 'max_length', value: '64' }] }),
      field('price', 'Double'),
      field('stock', 'Int32'),
      field('active', 'Bool'),
      field('vector', 'FloatVector', { type_params: [{ key: 'dim', value: '2' }] }),
    ],
  };
  return buildCollectionSchema(wire, 'things');
}

const rows: Row[] = [
  { seq: 1, pk: '1', values: { id: '1', title: 'apple', price: 1.5, stock: 10, active: true } },
  { seq: 1, pk: '2', values: { id: '2', title: 'banana', price: 0.5, stock: 0, active: false } },
  {
    seq: 1,
    pk: '9007199254740993',
    values: { id: '9007199254740993', title: "o'clock", price: 3, stock: 5, active: true },
  },
  {
    seq: 1,
    pk: '4',
    values: {
      id: '4',
      title: 'apricot',
      price: 2,
      stock: 3,
      active: true,
      $meta: Buffer.from('{"color":"orange","size":3}'),
    },
  },
];

const matching = (expression: string, dynamic = false): string[] =>
  rows.filter(compileFilter(expression, schema(dynamic))).map((r) => r.pk);

describe('compileFilter', () => {
  it.each([
    ['', ['1', '2', '9007199254740993', '4']],
    ['id in [1, 4]', ['1', '4']],
    ['id not in [1, 4]', ['2', '9007199254740993']],
    ['id == 9007199254740993', ['9007199254740993']],
    ['id != 2', ['1', '9007199254740993', '4']],
    ['price >= 1.5 and stock > 3', ['1', '9007199254740993']],
    ['price < 1 || title == "apple"', ['1', '2']],
    ['not (active == true)', ['2']],
    ['!(stock > 0) or id in []', ['2']],
    ['title like "ap%"', ['1', '4']],
    ['title like "%an_na"', ['2']],
    ['title == "o\'clock"', ['9007199254740993']],
    ["title in ['apple', 'banana'] AND price > 1", ['1']],
    ['stock > -1 and price <= 2', ['1', '2', '4']],
  ])('%s', (expression, expected) => {
    // Assess
    expect(matching(expression)).toEqual(expected);
  });

  it('reads unknown names from the dynamic field when the collection has one', () => {
    // Assess
    expect(matching('color == "orange" and size > 2', true)).toEqual(['4']);
  });

  it.each([
    ['id in [1, 2', 'expected ]'],
    ['price >', 'expected a value'],
    ['color == "red"', 'field color not exist'],
    ['vector == 1', 'cannot filter on FloatVector field vector'],
    ['title == "unterminated', 'unterminated string'],
    ['id == 1 garbage', 'unexpected garbage'],
  ])('refuses %j with code 1100', (expression, detail) => {
    // Act
    const error = (() => {
      try {
        compileFilter(expression, schema(false));
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    // Assess
    expect(error).toBeInstanceOf(MilvusStatusError);
    expect(error).toMatchObject({ code: 1100 });
    expect((error as MilvusStatusError).reason).toContain(`cannot parse expression: ${expression}`);
    expect((error as MilvusStatusError).reason).toContain(detail);
  });
});
