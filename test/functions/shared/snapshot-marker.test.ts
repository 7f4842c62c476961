import { describe, expect, it } from 'vitest';
import { formatSnapshotDescription, parseSnapshotMarker } from '../../../functions/shared/snapshot-marker';

const context = { database: 'default', collection: 'products', slot: new Date('2026-11-21T03:00:00Z') };

describe('snapshot marker', () => {
  it('writes a sentence a person can read, then the machine tag', () => {
    // Act
    const description = formatSnapshotDescription(
      { schedule: 'daily', rows: 2000, schema: '4f2a9c1d7e3b5a60' },
      context,
    );

    // Assess
    expect(description).toBe(
      'Scheduled snapshot of default.products (schedule daily, slot 2026-11-21T03:00:00Z): 2000 rows. ' +
        '[milvus-snapshot-scheduler v1 schedule=daily rows=2000 schema=4f2a9c1d7e3b5a60]',
    );
  });

  it('reads back what it wrote', () => {
    const marker = { schedule: 'nightly-full', rows: 0, schema: 'abc123' };
    expect(parseSnapshotMarker(formatSnapshotDescription(marker, context))).toEqual(marker);
  });

  it.each([
    ['', 'empty'],
    ['Daily backup for January 1st, 2024', "someone else's description"],
    ['[milvus-snapshot-scheduler v1 schedule=daily rows=x schema=a]', 'a bad row count'],
    ['[milvus-snapshot-scheduler v2 schedule=daily rows=1 schema=a]', 'an unknown version'],
    [
      '[milvus-snapshot-scheduler v1 schedule=daily rows=1 schema=a] edited afterwards',
      'a tag not at the end',
    ],
  ])('does not claim %j (%s)', (description) => {
    expect(parseSnapshotMarker(description)).toBeUndefined();
  });

  it('refuses to write a schedule with spaces, which it could not read back', () => {
    expect(() =>
      formatSnapshotDescription({ schedule: 'my schedule', rows: 1, schema: 'a' }, context),
    ).toThrow(/schedule must be a single word, got 'my schedule'/);
  });
});
