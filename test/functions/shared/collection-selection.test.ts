import { describe, expect, it } from 'vitest';
import {
  collectionRefProblem,
  databasesToList,
  type MilvusInventory,
  resolveCollections,
} from '../../../functions/shared/collection-selection';
import { type RuntimeConfig, runtimeConfigSchema } from '../../../functions/shared/contracts/runtime-config';

function config(overrides: Record<string, unknown>): RuntimeConfig {
  return runtimeConfigSchema.parse({
    collections: [],
    schedules: {},
    retention: { default: { keepDaily: 7 }, scratch: { keepLast: 1 } },
    ...overrides,
  });
}

function inventory(
  collections: Record<string, string[]>,
  ownTargets: Record<string, 'drill' | 'restore'> = {},
  extraDatabases: string[] = [],
): MilvusInventory {
  return {
    databases: [...Object.keys(collections), ...extraDatabases],
    collections: new Map(Object.entries(collections)),
    ownTargets: new Map(Object.entries(ownTargets)),
  };
}

describe('resolving selectors', () => {
  it('selects what a selector matches, leaves out what it excludes, and lets an entry by name win', () => {
    // Prepare
    const cfg = config({
      collections: [{ name: 'orders', retention: 'scratch', protect: ['baseline'] }],
      selectors: [{ match: '*', exclude: ['tmp_*'] }],
    });

    // Act: Milvus lists in no particular order
    const { selected, coverage } = resolveCollections(
      cfg,
      inventory({ default: ['users', 'tmp_x', 'orders', 'events'] }),
    );

    // Assess
    expect(selected).toEqual([
      {
        database: 'default',
        collection: 'orders',
        retention: 'scratch',
        protect: ['baseline'],
        selection: { by: 'name' },
      },
      {
        database: 'default',
        collection: 'events',
        retention: 'default',
        protect: [],
        selection: { by: 'selector', selector: 0, pattern: 'default.* except tmp_*' },
      },
      {
        database: 'default',
        collection: 'users',
        retention: 'default',
        protect: [],
        selection: { by: 'selector', selector: 0, pattern: 'default.* except tmp_*' },
      },
    ]);
    expect(coverage.skipped).toEqual([
      {
        database: 'default',
        collection: 'tmp_x',
        why: 'excluded',
        reason: 'excluded by selector 1 (default.* except tmp_*): it matches "tmp_*"',
      },
    ]);
    expect(coverage.unprotected).toEqual([]);
  });

  it('takes the first selector that covers a collection, even after one that excludes it', () => {
    const cfg = config({
      selectors: [
        { match: '*', exclude: ['tmp_*'] },
        { match: 'tmp_keep*', retention: 'scratch' },
      ],
    });
    const { selected, coverage } = resolveCollections(
      cfg,
      inventory({ default: ['tmp_keep_1', 'tmp_drop'] }),
    );
    expect(selected.map((s) => [s.collection, s.retention])).toEqual([['tmp_keep_1', 'scratch']]);
    expect(coverage.skipped.map((s) => s.collection)).toEqual(['tmp_drop']);
  });

  it("never selects the ledger's drill collections and restore targets, nor anything named like a drill copy", () => {
    const cfg = config({ selectors: [{ database: '*', match: '*' }] });
    const { selected, coverage } = resolveCollections(
      cfg,
      inventory(
        { default: ['products', 'restored_products', 'drill_products_20261120_030000', 'scratch_1'] },
        { 'default.restored_products': 'restore', 'default.scratch_1': 'drill' },
      ),
    );
    expect(selected.map((s) => s.collection)).toEqual(['products']);
    expect(coverage.skipped.map(({ collection, why }) => [collection, why])).toEqual([
      ['drill_products_20261120_030000', 'drill-collection'],
      ['restored_products', 'restore-target'],
      ['scratch_1', 'drill-collection'],
    ]);
    expect(coverage.skipped[0]?.reason).toContain(
      "a drill copy, this deployment's or another's, is not a thing to back up",
    );
  });

  it('never backs up an original a swap set aside, and prunes it under the policy of the collection it was', () => {
    // Prepare: products (by name, its own policy) was swapped; the aside original would match the selector
    const cfg = config({
      collections: [{ name: 'products', retention: 'scratch', protect: ['baseline'] }],
      selectors: [{ match: '*' }],
    });
    const listed = inventory({ default: ['products', 'products_replaced_20261121_030015', 'users'] });
    const setAside = new Map([
      ['default.products_replaced_20261121_030015', { original: 'products', swapRun: 'restore-run' }],
    ]);

    // Act
    const { selected, coverage, setAside: pruned } = resolveCollections(cfg, { ...listed, setAside });

    // Assess
    expect(selected.map((c) => c.collection)).toEqual(['products', 'users']);
    expect(coverage.skipped).toEqual([
      {
        database: 'default',
        collection: 'products_replaced_20261121_030015',
        why: 'set-aside',
        reason:
          "the original default.products that the swap of run restore-run set aside (its ledger records it): it is not backed up again, and its snapshots are pruned under products's policy; list it in collections by name to back it up",
      },
    ]);
    expect(pruned).toEqual([
      {
        database: 'default',
        collection: 'products_replaced_20261121_030015',
        retention: 'scratch',
        protect: ['baseline'],
        selection: { by: 'set-aside', original: 'products', swapRun: 'restore-run' },
      },
    ]);
    expect(coverage.unprotected).toEqual([]);
  });

  it('says nothing prunes a set-aside original whose collection the configuration no longer covers, and backs up one named', () => {
    // Prepare
    const setAside = new Map([
      ['default.products_replaced_20261121_030015', { original: 'products', swapRun: 'restore-run' }],
      ['default.orders_replaced_20261121_030015', { original: 'orders', swapRun: 'restore-run-2' }],
    ]);
    const cfg = config({ collections: [{ name: 'orders_replaced_20261121_030015', retention: 'default' }] });
    const listed = inventory({
      default: ['products_replaced_20261121_030015', 'orders_replaced_20261121_030015'],
    });

    // Act
    const { selected, coverage, setAside: pruned } = resolveCollections(cfg, { ...listed, setAside });

    // Assess: named wins (it is backed up like any collection); the other is pruned by nothing
    expect(selected.map((c) => c.collection)).toEqual(['orders_replaced_20261121_030015']);
    expect(pruned).toEqual([]);
    expect(coverage.skipped).toEqual([
      expect.objectContaining({
        collection: 'products_replaced_20261121_030015',
        why: 'set-aside',
        reason: expect.stringContaining(
          'nothing prunes its snapshots, since the configuration no longer covers products',
        ),
      }),
    ]);
  });

  it('reports as unprotected what nothing covers in the databases looked at, and what is configured but missing', () => {
    const cfg = config({
      collections: [
        { database: 'analytics', name: 'events' },
        { database: 'gone', name: 'x' },
        { name: 'orders' },
      ],
      selectors: [{ database: 'prod', match: 'orders_*' }],
    });
    const { coverage } = resolveCollections(
      cfg,
      inventory({ analytics: ['events', 'clicks'], default: ['users'], prod: ['orders_1', 'ledger'] }, {}, [
        'other',
      ]),
    );
    expect(coverage.unprotected).toEqual([
      { database: 'analytics', collection: 'clicks' },
      { database: 'default', collection: 'users' },
      { database: 'prod', collection: 'ledger' },
    ]);
    expect(coverage.missing).toEqual([
      { database: 'gone', collection: 'x', reason: 'configured by name, but Milvus has no database gone' },
      {
        database: 'default',
        collection: 'orders',
        reason: 'configured by name, but Milvus has no such collection',
      },
    ]);
  });

  it('looks at the configured databases, or at every database with coverage.databases "all"', () => {
    const listed = ['default', 'prod_eu', 'prod_us', 'staging', 'analytics'];
    const selectors = [{ database: 'prod_*', match: '*' }];
    const collections = [{ database: 'analytics', name: 'events' }];
    expect(databasesToList(config({ selectors, collections }), listed)).toEqual([
      'analytics',
      'prod_eu',
      'prod_us',
    ]);
    expect(
      databasesToList(config({ selectors, collections, coverage: { databases: 'all' } }), listed),
    ).toEqual([...listed].sort());
  });

  it('reports a selector whose database Milvus does not have', () => {
    const cfg = config({ selectors: [{ database: 'prod', match: '*' }] });
    expect(resolveCollections(cfg, inventory({}, {}, ['default'])).coverage.missing).toEqual([
      {
        database: 'prod',
        collection: '*',
        reason: 'selector 1 (prod.*) names database prod, which Milvus does not have',
      },
    ]);
  });
});

describe("checking a schedule's collections at load", () => {
  const cfg = config({
    collections: [{ database: 'analytics', name: 'events' }],
    selectors: [{ database: 'prod', match: '*', exclude: ['tmp_*'] }],
  });

  it.each(['analytics.events', 'analytics.*', 'prod.orders', 'prod.*', 'prod.orders_*', '*.events'])(
    'accepts %s',
    (ref) => {
      expect(collectionRefProblem(cfg, ref)).toBeUndefined();
    },
  );

  it.each([
    ['analytics.clicks', 'is not in collections, and no selector covers it'],
    ['prod.tmp_1', 'is not in collections, and selector 1 excludes it ("tmp_*")'],
    ['staging.*', 'matches no entry of collections, and no selector covers its database'],
    ['prod.orders-1', `has a collection part "orders-1" that is refused: it contains '-' at position 6`],
    ['prod.2*', `has a collection part "2*" that is refused: it starts with '2'`],
  ])('refuses %s: %s', (ref, message) => {
    expect(collectionRefProblem(cfg, ref)).toContain(message);
  });
});
