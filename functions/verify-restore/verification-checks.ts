import type * as z from 'zod';
import type { drillCheckSchema } from '../shared/contracts/run-report';
import type { SnapshotContents } from '../shared/ledger/snapshot-ledger';
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
  /** Its flushed segments hold the recorded rows (compaction may merge segments, never lose rows). */
  segments: 'segments',
  /** Deep: it loaded before the drill deadline. */
  loaded: 'loaded',
  /** Deep: `count(*)` equals the one recorded at backup (or, when none was, stays within the flushed rows). */
  countStar: 'countStar',
  /** Deep: every primary key sampled at backup is found in the restored copy. */
  sampledKeys: 'sampledKeys',
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
 * The `count(*)` check of the deep verification. `count(*)` honours deletes, so it is compared with
 * the `count(*)` recorded when the snapshot was taken (within the tolerance): a restored copy that
 * shows fewer rows than the snapshot held never passes. When the collection was not loaded at
 * backup (nothing recorded), the only bound is the flushed-row statistic, which still counts
 * deleted rows: `count(*)` may then be lower, never higher, and never 0 when rows were recorded —
 * the check says so in its expected value.
 */
export function countStarCheck(
  recorded: Pick<SnapshotContents, 'rows' | 'visibleRows'>,
  counted: number,
  tolerancePercent: number,
): DrillCheck {
  if (recorded.visibleRows !== null)
    return rowCountCheck(CHECK.countStar, recorded.visibleRows, counted, tolerancePercent);
  const ceiling = Math.floor(recorded.rows + (recorded.rows * tolerancePercent) / 100 + 1e-9);
  const floor = recorded.rows > 0 ? 1 : 0;
  return {
    name: CHECK.countStar,
    ok: counted >= floor && counted <= ceiling,
    expected: `${floor}..${ceiling} (no count(*) was recorded: the collection was not loaded at backup)`,
    actual: counted,
  };
}

/** `4 segments, 2000 rows`. */
export function segmentText(segments: { readonly count: number; readonly rows: number }): string {
  return `${segments.count} segment${segments.count === 1 ? '' : 's'}, ${segments.rows} rows`;
}

/**
 * The segments check: the restored copy's flushed segments must hold the rows the snapshot's
 * segments held (within the tolerance). Their number may be lower (compaction merges segments),
 * never their rows: a restore that lost segments fails here without loading anything.
 */
export function segmentsCheck(
  recorded: { readonly count: number; readonly rows: number },
  restored: { readonly count: number; readonly rows: number } | null,
  tolerancePercent: number,
): DrillCheck {
  if (restored === null) {
    return notRun(CHECK.segments, segmentText(recorded), 'Milvus did not list the restored segments');
  }
  return {
    name: CHECK.segments,
    ok: rowsWithinTolerance(recorded.rows, restored.rows, tolerancePercent),
    expected: segmentText(recorded),
    actual: segmentText(restored),
  };
}

/** The sampled-keys check: every key sampled at backup must be found. */
export function sampledKeysCheck(sampled: readonly string[], found: readonly string[]): DrillCheck {
  const present = new Set(found);
  const missing = sampled.filter((k) => !present.has(k));
  return {
    name: CHECK.sampledKeys,
    ok: missing.length === 0,
    expected: `${sampled.length} sampled key${sampled.length === 1 ? '' : 's'}`,
    actual:
      missing.length === 0
        ? `${sampled.length} found`
        : `${sampled.length - missing.length} found; missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
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
