import { describe, expect, it } from 'vitest';
import type { SegmentData } from '../../emulator/collection';
import { keptSegments } from '../../emulator/lossy-restore';

function segment(id: string, rows: number): SegmentData {
  return {
    id,
    partition: '_default',
    shard: 0,
    rows: Object.freeze(Array.from({ length: rows }, (_, i) => ({ seq: 1, pk: `${id}-${i}`, values: {} }))),
  };
}

describe('keptSegments', () => {
  it('keeps the first whole segments, rounding the share down, when there are several', () => {
    // Act
    const kept = keptSegments([segment('a', 5), segment('b', 5), segment('c', 5)], 0.5);

    // Assess
    expect(kept.map((s) => s.id)).toEqual(['a']);
  });

  it('loses at least one segment for any share below 1', () => {
    // Act
    const kept = keptSegments([segment('a', 5), segment('b', 5)], 0.99);

    // Assess
    expect(kept.map((s) => s.id)).toEqual(['a']);
  });

  it('keeps part of the rows of a single segment, and nothing when no row is left', () => {
    // Act
    const part = keptSegments([segment('only', 10)], 0.5);
    const none = keptSegments([segment('only', 1)], 0.5);

    // Assess
    expect(part).toHaveLength(1);
    expect(part[0]?.rows.map((r) => r.pk)).toEqual(['only-0', 'only-1', 'only-2', 'only-3', 'only-4']);
    expect(Object.isFrozen(part[0]?.rows)).toBe(true);
    expect(none).toEqual([]);
  });

  it('has nothing to lose in an empty snapshot', () => {
    // Assess
    expect(keptSegments([], 0.5)).toEqual([]);
  });
});
