import { describe, expect, it } from 'vitest';
import { type PrepareRunInput, prepareRun } from '../../../functions/prepare-run/prepare-run';
import { runtimeConfigSchema } from '../../../functions/shared/contracts/runtime-config';
import { ConfigurationError, InvalidInputError } from '../../../functions/shared/errors';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../../support/deployment';

/** The run part of the example configuration, as the construct embeds it. */
const config = runtimeConfigSchema.parse({
  collections: [
    { database: 'default', name: 'products' },
    {
      database: 'default',
      name: 'support_tickets',
      retention: 'busy',
      protect: ['baseline_20260101_000000'],
    },
    { database: 'analytics', name: 'user_events' },
  ],
  schedules: {
    hourly: { cron: 'cron(15 * * * ? *)', collections: ['default.products', 'support_tickets'] },
    nightly: { cron: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', mode: 'full', snapshotPrefix: 'night' },
    weekly: { cron: 'cron(0 6 ? * SUN *)', mode: 'drill' },
  },
  retention: { default: { keepDaily: 7 }, busy: { keepLast: 6 }, unused: { keepYearly: 1 } },
});

const execution = { name: 'run-8f14e45f', startTime: '2026-11-21T10:42:17.532Z' };
const prepare = (input: unknown, overrides: Partial<PrepareRunInput> = {}) =>
  prepareRun({ input, execution, config, deployment: TEST_DEPLOYMENT, ...overrides }, TEST_CLUSTER);

function refusal(input: unknown): InvalidInputError {
  try {
    prepare(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('prepareRun', () => {
  it('plans a default run from an empty input: a manual backup of every collection, named after the start', () => {
    // Act
    const { run, items } = prepare({});

    // Assess
    expect(run).toMatchObject({
      runId: 'run-8f14e45f',
      trigger: 'manual',
      mode: 'backup',
      dryRun: false,
      startedAt: '2026-11-21T10:42:17.000Z',
      slot: '2026-11-21T10:42:17.000Z',
      snapshotName: 'manual_20261121_104217',
      markerSchedule: 'manual',
    });
    expect(run.schedule).toBeUndefined();
    expect(items).toEqual([
      { database: 'default', collection: 'products', policy: 'default', selection: { by: 'name' } },
      { database: 'default', collection: 'support_tickets', policy: 'busy', selection: { by: 'name' } },
      { database: 'analytics', collection: 'user_events', policy: 'default', selection: { by: 'name' } },
    ]);
  });

  it('takes the console placeholder {"Comment": ...} for a default run', () => {
    expect(prepare({ Comment: 'Insert your JSON here' }).run.mode).toBe('backup');
    expect(prepare(null).items).toHaveLength(3);
  });

  it('runs a scheduled slot with the schedule settings, named after the slot in UTC', () => {
    // Act
    const { run, items } = prepare({ schedule: 'nightly', scheduledTime: '2026-11-21T03:00:00+01:00' });

    // Assess
    expect(run).toMatchObject({
      trigger: 'schedule',
      schedule: 'nightly',
      mode: 'full',
      slot: '2026-11-21T02:00:00.000Z',
      snapshotName: 'night_20261121_020000',
      markerSchedule: 'nightly',
    });
    expect(items).toHaveLength(3);
  });

  it('gives a retried slot the same snapshot name, whenever the execution starts', () => {
    const slot = { schedule: 'hourly', scheduledTime: '2026-11-21T10:15:00Z' };
    const first = prepare(slot);
    const retried = prepare(slot, { execution: { name: 'run-2', startTime: '2026-11-21T10:19:59Z' } });
    expect(retried.run.snapshotName).toBe(first.run.snapshotName);
    expect(first.run.snapshotName).toBe('hourly_20261121_101500');
  });

  it("limits a schedule to its collections, and names a schedule's snapshots after the schedule by default", () => {
    const { run, items } = prepare({ schedule: 'hourly', scheduledTime: '2026-11-21T10:15:00.999Z' });
    expect(items.map((i) => i.collection)).toEqual(['products', 'support_tickets']);
    expect(run.snapshotName).toBe('hourly_20261121_101500');
  });

  it('treats a schedule started by hand as manual, slot at the start, but keeps its settings', () => {
    const { run } = prepare({ schedule: 'weekly' });
    expect(run).toMatchObject({
      trigger: 'manual',
      schedule: 'weekly',
      mode: 'drill',
      markerSchedule: 'weekly',
    });
    expect(run.snapshotName).toBe('weekly_20261121_104217');
  });

  it('lets the input override the mode and the collections, in configuration order, each once', () => {
    const { run, items } = prepare({
      schedule: 'nightly',
      mode: 'backup',
      collections: ['analytics.user_events', 'products', 'default.products'],
    });
    expect(run.mode).toBe('backup');
    expect(items.map((i) => `${i.database}.${i.collection}`)).toEqual([
      'default.products',
      'analytics.user_events',
    ]);
  });

  it('carries only the policies and protected snapshots of the collections in the run', () => {
    expect(prepare({ collections: ['default.support_tickets'] }).run).toMatchObject({
      policies: { busy: { keepLast: 6 } },
      protect: { 'default.support_tickets': ['baseline_20260101_000000'] },
    });
    const all = prepare({}).run;
    expect(Object.keys(all.policies).sort()).toEqual(['busy', 'default']);
    expect(all.protect).toEqual({ 'default.support_tickets': ['baseline_20260101_000000'] });
  });

  it('marks a dry run and carries the drill and flush settings', () => {
    const { run } = prepare({ collections: ['default.products'], dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(run.drill).toEqual(config.drill);
    expect(run.flush).toEqual(config.flush);
  });

  it('drills a named snapshot', () => {
    expect(prepare({ mode: 'drill', snapshot: 'nightly_20261120_020000' }).run.drillSnapshot).toBe(
      'nightly_20261120_020000',
    );
  });

  describe('refuses an input a person must fix, before anything else happens', () => {
    it.each([
      [
        { colections: ['products'] },
        'invalid execution input: (root): unknown key "colections". Accepted keys:',
      ],
      [
        { mode: 'weekly' },
        'mode: Invalid option: expected one of "backup"|"drill"|"full"|"restore", got "weekly"',
      ],
      [{ dryRun: 'yes' }, 'dryRun: Invalid input: expected boolean, received string, got "yes"'],
      [{ collections: [] }, 'collections: Too small'],
      [{ scheduledTime: 'tomorrow' }, 'scheduledTime: Invalid ISO datetime, got "tomorrow"'],
      [['products'], 'invalid execution input: (root): Invalid input: expected object, received array'],
    ])('%j', (input, message) => {
      const error = refusal(input);
      expect(error.name).toBe('InvalidInputError');
      expect(error.message).toContain(message);
      expect(error.message).toContain('Accepted keys: schedule, mode');
    });

    it('an unknown collection, listing the configured ones', () => {
      expect(refusal({ collections: ['products', 'orders', 'analytics.clicks'] }).message).toBe(
        'unknown collections "default.orders", "analytics.clicks"; configured: default.products, default.support_tickets, analytics.user_events',
      );
    });

    it('an unknown schedule, listing the configured ones', () => {
      expect(refusal({ schedule: 'daily' }).message).toBe(
        'unknown schedule "daily"; configured schedules: hourly, nightly, weekly',
      );
    });

    it('a snapshot to drill in a run that does not drill', () => {
      expect(refusal({ snapshot: 'nightly_20261120_020000' }).message).toBe(
        '"snapshot" names the snapshot to drill or restore, so it needs "mode": "drill" or "restore" (the run\'s mode is "backup")',
      );
      expect(refusal({ schedule: 'nightly', snapshot: 'x' }).message).toContain('the run\'s mode is "full"');
    });

    it('a dry run of a drill, instead of quietly running retention only', () => {
      expect(refusal({ mode: 'drill', dryRun: true }).message).toBe(
        'a drill restores a snapshot, and a dry run changes nothing (the run\'s mode is "drill"): drop "dryRun", or use it with "mode": "backup" or "full" to see what retention would keep and drop',
      );
      expect(refusal({ schedule: 'weekly', dryRun: true }).message).toContain(
        'the run\'s mode is "drill", from schedule weekly',
      );
      expect(prepare({ mode: 'full', dryRun: true }).run).toMatchObject({ mode: 'full', dryRun: true });
    });
  });

  it('runs with retention policies and schedules named like members of every JavaScript object', () => {
    // Prepare
    const odd = runtimeConfigSchema.parse({
      collections: [{ name: 'products', retention: 'constructor' }],
      schedules: { toString: { cron: 'cron(0 3 * * ? *)', snapshotPrefix: 'nightly' } },
      retention: { constructor: { keepLast: 3 } },
    });

    // Act
    const { run } = prepareRun(
      { input: { schedule: 'toString' }, execution, config: odd, deployment: TEST_DEPLOYMENT },
      TEST_CLUSTER,
    );

    // Assess
    expect(run.policies).toEqual({ constructor: expect.objectContaining({ keepLast: 3 }) });
    expect(run.schedule).toBe('toString');
    expect(() => prepare({ schedule: 'valueOf' })).toThrow('unknown schedule "valueOf"');
  });

  it('keeps its message short whatever the input holds: 100,000 unknown collections', () => {
    // Prepare
    const names = Array.from({ length: 100_000 }, (_, i) => `default.unknown_${i}`);

    // Act
    const message = refusal({ collections: names.slice(0, 10_000) }).message;
    const tooMany = refusal({ collections: names }).message;

    // Assess
    expect(message.length).toBeLessThan(1_000);
    expect(message).toContain('and 9,990 more');
    expect(tooMany.length).toBeLessThan(1_000);
    expect(tooMany).toContain('collections: Too big: expected array to have <=10000 items');
  });

  describe('a restore', () => {
    it('carries what to restore and what to do with it, for one named collection', () => {
      const { run, items } = prepare({
        mode: 'restore',
        collections: ['products'],
        snapshot: 'nightly_20261120_030000',
        target: 'products_restored',
        alias: 'catalog',
      });
      expect(run).toMatchObject({
        mode: 'restore',
        restore: {
          snapshot: 'nightly_20261120_030000',
          target: 'products_restored',
          alias: 'catalog',
          swap: false,
          cleanupOnFailure: false,
        },
      });
      expect(run.drillSnapshot).toBeUndefined();
      expect(items).toEqual([
        { database: 'default', collection: 'products', policy: 'default', selection: { by: 'name' } },
      ]);
    });

    it.each([
      [{ mode: 'restore' }, 'a restore names the collections it restores: add "collections"'],
      [
        { mode: 'restore', collections: ['products', 'support_tickets'], target: 'x' },
        'a restore into a "target" restores one collection only',
      ],
      [
        { mode: 'restore', collections: ['products'], alias: 'catalog', swap: true },
        'a restore either points an "alias" at the restored collection or swaps names ("swap"), not both',
      ],
      [{ mode: 'restore', collections: ['products'], dryRun: true }, 'a restore cannot be a dry run'],
      [
        { mode: 'restore', collections: ['products'], target: 'bad-name' },
        'a restore target "bad-name" is not a valid Milvus name',
      ],
      [
        { mode: 'restore', collections: ['products'], target: 'drill_products_20200101_000000' },
        'is named like a drill collection',
      ],
      [{ mode: 'restore', schedule: 'nightly', collections: ['products'] }, 'a restore is started by hand'],
      [{ mode: 'backup', alias: 'catalog' }, '"alias" only apply to a restore: add "mode": "restore"'],
      [{ mode: 'drill', dryRun: true }, 'a drill restores a snapshot, and a dry run changes nothing'],
    ])('refuses %j before anything happens', (input, message) => {
      const error = refusal(input);
      expect(error.name).toBe('InvalidInputError');
      expect(error.message).toContain(message);
    });
  });

  it('refuses an embedded configuration that does not validate as a configuration error', () => {
    expect(() => prepare({}, { config: { collections: [] } })).toThrow(ConfigurationError);
    expect(() => prepare({}, { config: { collections: [] } })).toThrow(
      'the configuration embedded in the state machine definition is invalid (redeploy from a valid configuration file)',
    );
  });
});

describe('prepareRun with selectors, against what Milvus holds', () => {
  const selecting = runtimeConfigSchema.parse({
    collections: [{ name: 'products', retention: 'busy' }],
    selectors: [{ match: '*', exclude: ['tmp_*'] }],
    schedules: { nightly: { cron: 'cron(0 3 * * ? *)', collections: ['default.*'] } },
    retention: { default: { keepDaily: 7 }, busy: { keepLast: 6 } },
  });
  const inventory = {
    databases: ['default', 'analytics'],
    collections: new Map([['default', ['users', 'products', 'tmp_a', 'orders']]]),
    ownTargets: new Map<string, 'drill' | 'restore'>(),
  };
  const plan = (input: unknown) =>
    prepareRun({ input, execution, config: selecting, deployment: TEST_DEPLOYMENT }, TEST_CLUSTER, inventory);

  it('plans the named collections, then the matched ones, with the coverage', () => {
    const { items, coverage, run } = plan({});
    expect(items.map((i) => [i.collection, i.policy, i.selection?.by])).toEqual([
      ['products', 'busy', 'name'],
      ['orders', 'default', 'selector'],
      ['users', 'default', 'selector'],
    ]);
    expect(Object.keys(run.policies).sort()).toEqual(['busy', 'default']);
    expect(coverage?.skipped.map((s) => s.collection)).toEqual(['tmp_a']);
  });

  it('takes names and patterns in the input, and a schedule naming prod.*-style patterns', () => {
    expect(plan({ collections: ['orders'] }).items.map((i) => i.collection)).toEqual(['orders']);
    expect(plan({ collections: ['default.u*', 'products'] }).items.map((i) => i.collection)).toEqual([
      'products',
      'users',
    ]);
    expect(plan({ schedule: 'nightly' }).items).toHaveLength(3);
  });

  it('refuses a name a selector covers that Milvus does not have, and one it excludes, saying why', () => {
    expect(() => plan({ collections: ['invoices', 'tmp_a'] })).toThrow(
      'unknown collections "default.invoices", "default.tmp_a"; configured: default.products, selector default.* except tmp_*; ' +
        'selector 1 covers "invoices", but Milvus has no such collection; "tmp_a" is excluded by selector 1 ("tmp_*")',
    );
  });
});
