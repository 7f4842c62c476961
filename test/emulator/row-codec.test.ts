import { describe, expect, it } from 'vitest';
import type { Row } from '../../emulator/row';
import { decodeRows, encodeRows } from '../../emulator/row-codec';

describe('row codec', () => {
  it('round-trips every kind of cell, keeping absent keys absent', () => {
    // Prepare
    const rows: Row[] = [
      {
        seq: 3,
        pk: '1',
        values: {
          id: '1',
          title: 'first',
          price: 1.5,
          ratio: Number.NaN,
          big: Number.POSITIVE_INFINITY,
          active: true,
          note: null,
          vector: Float32Array.from([0.1, -2, 3.25]),
          binary: Uint8Array.from([1, 2, 255]),
          $meta: new TextEncoder().encode('{"colour":"red"}'),
          tags: { data: 'bytes_data', bytes_data: { data: [Uint8Array.from([9])] } },
        },
      },
      {
        seq: 3,
        pk: '2',
        values: {
          id: '2',
          title: 'second',
          price: -0.25,
          ratio: 0,
          big: Number.NEGATIVE_INFINITY,
          active: false,
          note: 'x',
          vector: Float32Array.from([4, 5, 6]),
          binary: Uint8Array.from([]),
          tags: { data: 'long_data', long_data: { data: ['5'] } },
        },
      },
      { seq: 9, pk: '3', values: { id: '3', vector: Float32Array.from([7, 8, 9]) } },
    ];

    // Act
    const decoded = decodeRows(JSON.parse(JSON.stringify(encodeRows(rows))));

    // Assess
    expect(decoded).toEqual(rows);
    expect(Object.keys(decoded[1]?.values ?? {})).not.toContain('$meta');
  });

  it('writes float vectors as one base64 column and sequence numbers as runs', () => {
    // Act
    const encoded = encodeRows([
      { seq: 1, pk: 'a', values: { v: Float32Array.from([1, 2]) } },
      { seq: 1, pk: 'b', values: { v: Float32Array.from([3, 4]) } },
      { seq: 2, pk: 'c', values: { v: Float32Array.from([5, 6]) } },
    ]);

    // Assess
    expect(encoded.seq).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(encoded.columns.v).toMatchObject({ t: 'f32', dim: 2 });
  });

  it('refuses parts that do not fit together', () => {
    // Assess
    expect(() => decodeRows({ seq: [[1, 2]], pk: ['a'], columns: {} })).toThrow(
      'a row set has 1 primary keys but 2 sequence numbers',
    );
    expect(() =>
      decodeRows({ seq: [[1, 1]], pk: ['a'], columns: { v: { t: 'f32', dim: 4, b64: 'AAAA' } } }),
    ).toThrow('column v holds 3 bytes, not 1 vectors of 4');
  });
});
