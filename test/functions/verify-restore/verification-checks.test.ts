import { describe, expect, it } from 'vitest';
import {
  countStarCheck,
  foundItself,
  indexCheck,
  rowCountCheck,
  rowsWithinTolerance,
  sampledKeysCheck,
  schemaCheck,
  segmentsCheck,
  selfSearchCheck,
} from '../../../functions/verify-restore/verification-checks';

describe('rowsWithinTolerance', () => {
  it.each([
    // expected, actual, tolerance %, ok
    [2000, 2000, 0, true],
    [2000, 1999, 0, false],
    [2000, 2001, 0, false],
    [1000, 999, 0.1, true], // exactly 0.1 %: inside, despite 1000 × 0.1 / 100 in floating point
    [1000, 1001, 0.1, true],
    [1000, 998, 0.1, false],
    [100, 95, 5, true],
    [100, 94, 5, false],
    [0, 0, 0, true],
    [0, 1, 50, false], // nothing recorded: only an empty restore is right
    [3, 4, 33.333333, false],
    [3, 4, 33.3333334, true],
  ])('expected %d, restored %d, tolerance %d %% → %s', (expected, actual, tolerance, ok) => {
    expect(rowsWithinTolerance(expected, actual, tolerance)).toBe(ok);
  });
});

describe('rowCountCheck', () => {
  it('reports both numbers when they differ', () => {
    expect(rowCountCheck('rowCount', 2000, 1500, 0)).toEqual({
      name: 'rowCount',
      ok: false,
      expected: 2000,
      actual: 1500,
    });
  });

  it('shows the tolerance in the expected value when there is one', () => {
    expect(rowCountCheck('rowCount', 2000, 1990, 1)).toEqual({
      name: 'rowCount',
      ok: true,
      expected: '2000 ± 1 %',
      actual: 1990,
    });
  });
});

describe('schemaCheck', () => {
  it('fails a different fingerprint and shows both', () => {
    expect(schemaCheck('4f2a9c1d7e3b5a60', '0000000000000000')).toMatchObject({
      ok: false,
      expected: '4f2a9c1d7e3b5a60',
      actual: '0000000000000000',
    });
  });
});

describe('indexCheck', () => {
  const index = (fieldName: string, indexType: string, indexName = `${fieldName}_idx`) => ({
    indexName,
    fieldName,
    indexType,
    metricType: 'L2',
  });

  it('accepts the same indexes in another order and under other names', () => {
    // Act
    const check = indexCheck(
      [index('vector', 'HNSW'), index('title', 'INVERTED')],
      [index('title', 'INVERTED', 'x'), index('vector', 'HNSW', 'y')],
    );

    // Assess
    expect(check).toEqual({
      name: 'indexes',
      ok: true,
      expected: 'title:INVERTED, vector:HNSW',
      actual: 'title:INVERTED, vector:HNSW',
    });
  });

  it('fails a restore that lost an index or changed its type', () => {
    expect(indexCheck([index('vector', 'HNSW')], [])).toMatchObject({ ok: false, actual: 'none' });
    expect(indexCheck([index('vector', 'HNSW')], [index('vector', 'FLAT')])).toMatchObject({
      ok: false,
      expected: 'vector:HNSW',
      actual: 'vector:FLAT',
    });
  });
});

describe('self search', () => {
  it('accepts a tie with the top score: a duplicate vector is an equally right answer', () => {
    expect(
      foundItself({
        id: '7',
        hits: [
          { id: '3', score: 0 },
          { id: '7', score: 0 },
        ],
      }),
    ).toBe(true);
    expect(
      foundItself({
        id: '7',
        hits: [
          { id: '3', score: 0 },
          { id: '7', score: 0.5 },
        ],
      }),
    ).toBe(false);
    expect(foundItself({ id: '7', hits: [] })).toBe(false);
  });

  it('fails when fewer samples came back than the collection should give', () => {
    // Act
    const check = selfSearchCheck([{ id: '1', hits: [{ id: '1', score: 1 }] }], 3);

    // Assess
    expect(check).toEqual({ name: 'selfSearch', ok: false, expected: 3, actual: 1 });
  });
});

describe('countStarCheck', () => {
  it.each([
    // recorded count(*), counted, tolerance %, ok, expected
    [50, 50, 0, true, 50],
    [50, 49, 0, false, 50], // a row the snapshot held is missing
    [50, 1, 0, false, 50], // 1 of 50: never verified
    [100, 95, 5, true, '100 ± 5 %'],
    [100, 94, 5, false, '100 ± 5 %'],
  ])(
    'recorded count(*) %d, restored count(*) %d, tolerance %d %% → %s',
    (visible, counted, tolerance, ok, expected) => {
      expect(countStarCheck({ rows: 60, visibleRows: visible }, counted, tolerance)).toEqual({
        name: 'countStar',
        ok,
        expected,
        actual: counted,
      });
    },
  );

  it.each([
    // recorded rows (statistics), counted, tolerance %, ok
    [50, 50, 0, true],
    [50, 45, 0, true], // rows deleted before the snapshot: statistics still count them
    [50, 51, 0, false],
    [50, 0, 0, false], // restored data nobody can read
    [100, 105, 5, true],
    [0, 1, 0, false],
  ])(
    'without a recorded count(*): statistics %d, count(*) %d, tolerance %d %% → %s',
    (rows, counted, tolerance, ok) => {
      const check = countStarCheck({ rows, visibleRows: null }, counted, tolerance);
      expect(check.ok).toBe(ok);
      expect(check.expected).toMatch(/no count\(\*\) was recorded: the collection was not loaded at backup/);
    },
  );
});

describe('segmentsCheck', () => {
  it('passes when the restored segments hold the recorded rows, even merged into fewer segments', () => {
    expect(segmentsCheck({ count: 4, rows: 2000 }, { count: 1, rows: 2000 }, 0)).toEqual({
      name: 'segments',
      ok: true,
      expected: '4 segments, 2000 rows',
      actual: '1 segment, 2000 rows',
    });
  });

  it('fails a restore that lost a segment', () => {
    expect(segmentsCheck({ count: 4, rows: 2000 }, { count: 3, rows: 1500 }, 0).ok).toBe(false);
  });

  it('cannot pass when Milvus does not list the restored segments', () => {
    expect(segmentsCheck({ count: 4, rows: 2000 }, null, 0)).toMatchObject({
      ok: false,
      actual: 'not checked: Milvus did not list the restored segments',
    });
  });
});

describe('sampledKeysCheck', () => {
  it('passes when every sampled key is found', () => {
    expect(sampledKeysCheck(['1', '2'], ['2', '1'])).toEqual({
      name: 'sampledKeys',
      ok: true,
      expected: '2 sampled keys',
      actual: '2 found',
    });
  });

  it('names the keys that are missing', () => {
    expect(sampledKeysCheck(['1', '2', '3'], ['2'])).toMatchObject({
      ok: false,
      actual: '1 found; missing 1, 3',
    });
  });
});
