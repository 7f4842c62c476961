import type { SegmentData } from './collection';

/**
 * What a lossy restore copies of a snapshot: the first `keepFraction` of its sealed segments
 * when it has several (datacoord skips segments it no longer finds, and the job still
 * completes), else the first `keepFraction` of the rows of its one segment. Always fewer rows
 * than the snapshot holds, unless it holds none.
 */
export function keptSegments(segments: readonly SegmentData[], keepFraction: number): SegmentData[] {
  if (segments.length >= 2) {
    return segments.slice(0, Math.floor(segments.length * keepFraction));
  }
  const [only] = segments;
  if (only === undefined) {
    return [];
  }
  const rows = only.rows.slice(0, Math.floor(only.rows.length * keepFraction));
  return rows.length === 0 ? [] : [{ ...only, rows: Object.freeze(rows) }];
}
