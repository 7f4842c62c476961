import type * as z from 'zod';
import type { drillCheckSchema } from '../shared/contracts/run-report';
import type { IndexSummary, SearchHit } from '../shared/milvus/milvus-gateway';

/** One verification check: what was expected, what was found, and whether that is good enough. */
export type DrillCheck = z.infer<typeof drillCheckSchema>;

/** The names of the checks, in the order they are reported. */
export const CHECK = {
  /** The restored collection exists. */
  exists: 'exists',
  /** Its schema fingerprint equals the one recorded in the snapshot's marker. */
  schema: 'schemaFingerprint',
  /** It has the same indexes (field and index type) as the source collection. */
  indexes: 'indexes',
  /** Its flushed row count equals the recorded one, within the tolerance. */
  rowCount: 'rowCount',
  /** Deep: it loaded before the drill deadline. */
  loaded: 'loaded',
  /** Deep: `count(*)` sees the restored rows: some, and no more than recorded (deletes lower it). */
  countStar: 'countStar',
  /** Deep: each sampled vector finds its own row as the top hit. */
  selfSearch: 'selfSearch',
} as const;

/**
 * Whether `actual` rows are within `tolerancePercent` of `expected`. Exact when the tolerance is
 * 0; an expected 0 accepts only 0 whatever the tolerance.
 */
export function rowsWithinTolerance(expected: number, actual: number, tolerancePercent: number): boolean {
  // Compared in whole numbers (× 100) so 0.1 % of 1,000 rows is exactly 1 row, not 0.99999.
  return Math.abs(actual - expected) * 100 <= Math.round(expected * tolerancePercent * 1e6) / 1e6;
}

/** A row-count comparison as a check; the expected value shows the tolerance when there is one. */
export function rowCountCheck(
  name: string,
  expected: number,
  actual: number,
  tolerancePercent: number,
): DrillCheck {
  return {
    name,
    ok: rowsWithinTolerance(expected, actual, tolerancePercent),
    expected: tolerancePercent > 0 ? `${expected} ± ${tolerancePercent} %` : expected,
    actual,
  };
}

/**
 * The `count(*)` check of the deep verification. The recorded count is the flushed-segment count
 * (Milvus' statistics), which still includes rows deleted before the snapshot; `count(*)` does not.
 * So `count(*)` may be lower, but never higher than recorded (plus the tolerance), and never 0
 * when rows were recorded: that is a restore whose data cannot be read.
 */
export function countStarCheck(recorded: number, counted: number, tolerancePercent: number): DrillCheck {
  const ceiling = Math.floor(recorded + (recorded * tolerancePercent) / 100 + 1e-9);
  const floor = recorded > 0 ? 1 : 0;
  return {
    name: CHECK.countStar,
    ok: counted >= floor && counted <= ceiling,
    expected: floor === ceiling ? ceiling : `${floor}..${ceiling}`,
    actual: counted,
  };
}

/** The schema fingerprint comparison. */
export function schemaCheck(recorded: string, restored: string | null): DrillCheck {
  return { name: CHECK.schema, ok: restored === recorded, expected: recorded, actual: restored };
}

/** `field:INDEX_TYPE` of every index, sorted: what a restore must reproduce. */
export function indexSignature(indexes: readonly IndexSummary[]): string {
  return indexes
    .map((i) => `${i.fieldName}:${i.indexType || 'unknown'}`)
    .sort()
    .join(', ');
}

/**
 * The index comparison: the restored collection must have an index on the same fields with the
 * same types as the source collection (names and build parameters may differ).
 */
export function indexCheck(
  source: readonly IndexSummary[],
  restored: readonly IndexSummary[] | null,
): DrillCheck {
  const expected = indexSignature(source);
  const actual = restored === null ? null : indexSignature(restored);
  return {
    name: CHECK.indexes,
    ok: actual !== null && actual === expected,
    expected: expected || 'none',
    actual: actual === null ? null : actual || 'none',
  };
}

/** One sampled row and what searching with its vector found. */
export interface SelfSearchResult {
  readonly id: string;
  readonly hits: readonly SearchHit[];
}

/**
 * Whether a sampled vector found itself: its own id is the top hit, or ties with the top hit's
 * score (a collection may hold the same vector twice; either copy is a correct answer).
 */
export function foundItself({ id, hits }: SelfSearchResult): boolean {
  const top = hits[0];
  if (!top) return false;
  return top.id === id || hits.some((h) => h.id === id && h.score === top.score);
}

/**
 * The self-search check: every sampled vector must find itself. `expected` is the number of
 * samples the collection should give (`min(sampleSize, rows)`), `actual` how many found themselves.
 */
export function selfSearchCheck(results: readonly SelfSearchResult[], expectedSamples: number): DrillCheck {
  const found = results.filter(foundItself).length;
  return {
    name: CHECK.selfSearch,
    ok: results.length === expectedSamples && found === expectedSamples,
    expected: expectedSamples,
    actual: found,
  };
}

/** A check that could not run because an earlier one failed or the collection is gone. */
export function notRun(name: string, expected: DrillCheck['expected'], why: string): DrillCheck {
  return { name, ok: false, expected, actual: `not checked: ${why}` };
}
