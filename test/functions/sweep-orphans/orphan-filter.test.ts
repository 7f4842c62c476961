import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  drillCollectionName,
  drillCollectionTime,
  slotStamp,
} from '../../../functions/shared/snapshot-naming';
import { planOrphanSweep } from '../../../functions/sweep-orphans/orphan-filter';

const NOW = new Date('2026-11-21T03:00:00Z');
const HOUR = 3_600_000;
const rules = { prefix: 'drill', maxAgeMs: 24 * HOUR, now: NOW };
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('planOrphanSweep', () => {
  it('drops only old drill collections and explains every prefixed one it keeps', () => {
    // Prepare
    const old = drillCollectionName('drill', 'products', ago(25 * HOUR), 'abc123');
    const oldUntagged = drillCollectionName('drill', 'orders', ago(48 * HOUR));
    const young = drillCollectionName('drill', 'products', ago(23 * HOUR), 'abc123');
    const future = drillCollectionName('drill', 'products', new Date(NOW.getTime() + HOUR), 'abc123');
    const names = [old, oldUntagged, young, future, 'drill_notes', 'products', 'drills_x_20200101_000000'];

    // Act
    const plan = planOrphanSweep(names, rules);

    // Assess
    expect(plan.drop.map((d) => d.name)).toEqual([oldUntagged, old].sort());
    expect(plan.keep).toEqual(
      expect.arrayContaining([
        { name: 'drill_notes', reason: 'no drill stamp in its name: not a drill collection' },
        { name: young, reason: 'younger than 24 h (stamped 2026-11-20T04:00:00.000Z)' },
        { name: future, reason: 'stamped in the future (2026-11-21T04:00:00.000Z)' },
      ]),
    );
    expect(plan.keep.map((k) => k.name)).not.toContain('products');
  });

  it('drops a collection exactly at the maximum age', () => {
    expect(planOrphanSweep([`drill_p_${slotStamp(ago(24 * HOUR))}`], rules).drop).toHaveLength(1);
  });

  it('never drops a name without the prefix, without a stamp, or with a young stamp', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_$]{0,40}$/),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9_]{0,12}$/), fc.integer({ min: -2000, max: 2000 }))
        .map(([middle, hours]) => `drill_${middle}_${slotStamp(ago(hours * HOUR))}`),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), fc.integer({ min: -2000, max: 2000 }))
        .map(([middle, hours]) => `x${middle}_${slotStamp(ago(hours * HOUR))}`),
    );
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 30 }),
        fc.integer({ min: 1, max: 720 }),
        (names, maxAgeHours) => {
          const plan = planOrphanSweep(names, { ...rules, maxAgeMs: maxAgeHours * HOUR });
          for (const { name: dropped } of plan.drop) {
            expect(names).toContain(dropped);
            expect(dropped.startsWith('drill_')).toBe(true);
            const stamped = drillCollectionTime('drill', dropped);
            expect(stamped).toBeDefined();
            expect(NOW.getTime() - (stamped?.getTime() ?? NOW.getTime())).toBeGreaterThanOrEqual(
              maxAgeHours * HOUR,
            );
          }
        },
      ),
    );
  });
});
