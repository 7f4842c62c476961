import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  drillCollectionName,
  drillCollectionTime,
  slotStamp,
} from '../../../functions/shared/snapshot-naming';
import { lookAlikeCollections } from '../../../functions/sweep-orphans/orphan-filter';

const STAMP = new Date('2026-11-21T03:00:00Z');

describe('lookAlikeCollections', () => {
  it('lists names shaped like drill collections that the ledger does not record, and nothing else', () => {
    // Prepare
    const recorded = drillCollectionName('drill', 'products', STAMP, 'abc123');
    const userLookAlike = drillCollectionName('drill', 'orders', STAMP);
    const names = [recorded, userLookAlike, 'drill_notes', 'products', 'drills_x_20200101_000000'];

    // Act
    const found = lookAlikeCollections(names, 'drill', new Set([recorded]));

    // Assess
    expect(found).toEqual([
      {
        name: userLookAlike,
        reason: "named like a drill collection, but this deployment's ledger has no drill of that name",
      },
    ]);
  });

  it('never lists a recorded name, or a name that is not shaped like a drill collection', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_$]{0,40}$/),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9_]{0,12}$/), fc.integer({ min: 0, max: 2000 }))
        .map(
          ([middle, hours]) => `drill_${middle}_${slotStamp(new Date(STAMP.getTime() - hours * 3_600_000))}`,
        ),
    );
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 30 }),
        fc.array(fc.nat(29), { maxLength: 10 }),
        (names, picks) => {
          const recorded = new Set(picks.map((i) => names[i]).filter((n): n is string => n !== undefined));
          for (const { name: listed } of lookAlikeCollections(names, 'drill', recorded)) {
            expect(recorded.has(listed)).toBe(false);
            expect(drillCollectionTime('drill', listed)).toBeDefined();
          }
        },
      ),
    );
  });
});
