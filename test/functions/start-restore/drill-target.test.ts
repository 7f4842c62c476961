import { describe, expect, it } from 'vitest';
import {
  drillCollectionTime,
  drillRunTag,
  MAX_MILVUS_NAME_LENGTH,
  milvusNameProblem,
} from '../../../functions/shared/snapshot-naming';
import { drillTargetName, isOwnDrillTarget } from '../../../functions/start-restore/drill-target';

const run = (runId: string, startedAt = '2026-11-21T03:00:07.250Z', prefix = 'drill') => ({
  runId,
  startedAt,
  drill: { prefix },
});

describe('drillTargetName', () => {
  it('is <prefix>_<collection>_<UTC stamp of the execution start>_<run tag>', () => {
    // Act
    const name = drillTargetName(run('nightly-2026-11-21'), 'products');

    // Assess
    expect(name).toBe(`drill_products_20261121_030007_${drillRunTag('nightly-2026-11-21')}`);
    expect(name).toMatch(/^drill_products_20261121_030007_[0-9a-f]{6}$/);
    expect(milvusNameProblem(name)).toBeUndefined();
  });

  it('gives two executions started in the same second different names', () => {
    expect(drillTargetName(run('exec-a'), 'products')).not.toBe(drillTargetName(run('exec-b'), 'products'));
  });

  it('gives a retried step of the same execution the same name', () => {
    expect(drillTargetName(run('exec-a'), 'products')).toBe(drillTargetName(run('exec-a'), 'products'));
  });

  it('stays within the Milvus limit for the longest names, and keeps two long names apart', () => {
    // Prepare: the longest allowed prefix (40) and collection names of Milvus' maximum length
    const prefix = 'p'.repeat(40);
    const a = `${'c'.repeat(254)}a`;
    const b = `${'c'.repeat(254)}b`;

    // Act
    const nameA = drillTargetName(run('exec', undefined, prefix), a);
    const nameB = drillTargetName(run('exec', undefined, prefix), b);

    // Assess
    expect(nameA).toHaveLength(MAX_MILVUS_NAME_LENGTH);
    expect(milvusNameProblem(nameA)).toBeUndefined();
    expect(nameA).not.toBe(nameB);
    expect(drillCollectionTime(prefix, nameA)?.toISOString()).toBe('2026-11-21T03:00:07.000Z');
  });

  it('carries a stamp the orphan sweep can read back', () => {
    expect(drillCollectionTime('drill', drillTargetName(run('exec'), 'products'))?.toISOString()).toBe(
      '2026-11-21T03:00:07.000Z',
    );
  });
});

describe('drillCollectionTime', () => {
  it('reads both the tagged and the untagged form', () => {
    expect(drillCollectionTime('drill', 'drill_products_20261121_030000')?.toISOString()).toBe(
      '2026-11-21T03:00:00.000Z',
    );
    expect(drillCollectionTime('drill', 'drill_products_20261121_030000_0a1b2c')?.toISOString()).toBe(
      '2026-11-21T03:00:00.000Z',
    );
  });

  it('reads nothing from a name that only looks like one', () => {
    expect(drillCollectionTime('drill', 'drill_20261121_030000')).toBeUndefined(); // no collection part
    expect(drillCollectionTime('drill', 'drill_products_20261121_030000_XYZ123')).toBeUndefined();
    expect(drillCollectionTime('drill', 'drill_products_20261341_030000')).toBeUndefined(); // month 13
    expect(drillCollectionTime('drill', 'drilled_products_20261121_030000')).toBeUndefined();
  });
});

describe('isOwnDrillTarget', () => {
  it('accepts only the exact name this drill computes', () => {
    // Prepare
    const own = drillTargetName(run('exec'), 'products');

    // Assess
    expect(isOwnDrillTarget(run('exec'), 'products', own)).toBe(true);
    expect(isOwnDrillTarget(run('other-exec'), 'products', own)).toBe(false);
    expect(isOwnDrillTarget(run('exec'), 'orders', own)).toBe(false);
    expect(isOwnDrillTarget(run('exec'), 'products', 'products')).toBe(false);
  });
});
