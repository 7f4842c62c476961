import { describe, expect, it } from 'vitest';
import {
  drillCollectionName,
  drillCollectionTime,
  MAX_MILVUS_NAME_LENGTH,
  milvusNameProblem,
  parseSlotStamp,
  snapshotName,
} from '../../../functions/shared/snapshot-naming';

describe('snapshotName', () => {
  it('builds <prefix>_<YYYYMMDD>_<HHMMSS> in UTC from the slot', () => {
    // Act
    const name = snapshotName('daily', new Date('2026-11-21T04:00:00+01:00'));

    // Assess
    expect(name).toBe('daily_20261121_030000');
    expect(milvusNameProblem(name)).toBeUndefined();
  });

  it('gives the same name for the same slot, whatever the milliseconds', () => {
    expect(snapshotName('h', new Date('2026-01-02T03:04:05.999Z'))).toBe(
      snapshotName('h', new Date('2026-01-02T03:04:05Z')),
    );
  });
});

describe('milvusNameProblem', () => {
  it.each(['products', '_x', 'a$b_9', 'A'.repeat(255)])('accepts %s', (name) => {
    expect(milvusNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['daily-backup', /contains '-' at position 5/],
    ['v2.1', /contains '\.'/],
    ['9lives', /first character/],
    ['a b', /contains ' '/],
    ['x'.repeat(256), /at most 255/],
  ])('refuses %j and says why', (name, why) => {
    expect(milvusNameProblem(name)).toMatch(why);
  });
});

describe('drillCollectionName', () => {
  it('builds <prefix>_<collection>_<stamp> within Milvus rules', () => {
    const name = drillCollectionName('drill', 'products', new Date('2026-11-21T03:00:07Z'));
    expect(name).toBe('drill_products_20261121_030007');
    expect(milvusNameProblem(name)).toBeUndefined();
  });

  it('shortens a long collection name to fit 255 characters, keeping two long names apart', () => {
    // Prepare
    const at = new Date('2026-11-21T03:00:00Z');
    const a = `${'c'.repeat(250)}a`;
    const b = `${'c'.repeat(250)}b`;

    // Act
    const [na, nb] = [drillCollectionName('drill', a, at), drillCollectionName('drill', b, at)];

    // Assess
    expect(na.length).toBeLessThanOrEqual(MAX_MILVUS_NAME_LENGTH);
    expect(milvusNameProblem(na)).toBeUndefined();
    expect(na).not.toBe(nb);
    expect(drillCollectionTime('drill', na)).toEqual(at);
  });
});

describe('drillCollectionTime', () => {
  it('reads the stamp of a drill collection', () => {
    expect(drillCollectionTime('drill', 'drill_products_20261120_010203')).toEqual(
      new Date('2026-11-20T01:02:03Z'),
    );
  });

  it.each([
    ['products_20261120_010203', 'no drill prefix'],
    ['drill_products', 'no stamp'],
    ['drilling_products_20261120_010203', 'a longer word starting with the prefix'],
    ['drill_products_20261399_010203', 'an impossible date'],
    ['drill__20261120_010203', 'nothing between prefix and stamp'],
  ])('ignores %s (%s)', (name) => {
    expect(drillCollectionTime('drill', name)).toBeUndefined();
  });
});

describe('parseSlotStamp', () => {
  it('round-trips a stamp', () => {
    expect(parseSlotStamp('20261121_030000')?.toISOString()).toBe('2026-11-21T03:00:00.000Z');
    expect(parseSlotStamp('2026-11-21')).toBeUndefined();
  });
});
