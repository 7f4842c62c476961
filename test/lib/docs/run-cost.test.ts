import { beforeAll, describe, expect, it } from 'vitest';
import {
  costTable,
  countTransitions,
  maxCollectionsPerRun,
  PRICE_PER_TRANSITION,
} from '../../../lib/docs/run-cost';
import {
  type StateMachineDefinition,
  synthesizeRun,
} from '../../../lib/state-machine/synthesized-definition';
import { exampleConfig } from '../fixtures';

let definition: StateMachineDefinition;
beforeAll(() => {
  definition = synthesizeRun(exampleConfig()).definition;
});

describe('countTransitions', () => {
  it('counts a backup at 9 transitions per collection: its child execution started, and 8 states', async () => {
    const { perCollection, perRun, path } = await countTransitions(definition, { mode: 'backup' });
    expect(path).toEqual([
      'RouteCollection',
      'Flush',
      'CheckFlush',
      'Flushed?',
      'CreateSnapshot',
      'EnforceRetention',
      'DrillAfterBackup?',
      'RecordCollectionResult',
    ]);
    expect(perCollection).toBe(1 + 8);
    expect(perRun).toBe(7);
  });

  it('adds three transitions per extra flush check and per extra poll', async () => {
    const backup = await countTransitions(definition, { mode: 'backup', flushChecks: 3 });
    expect(backup.perCollection).toBe(9 + 2 * 3);
    const drill = await countTransitions(definition, { mode: 'drill', polls: 4 });
    expect(drill.path.filter((s) => s === 'WaitBeforeNextPoll')).toHaveLength(3);
    expect(drill.perCollection).toBe(1 + 12 + 3 * 3);
  });

  it('follows a dry run through retention only', async () => {
    expect((await countTransitions(definition, { mode: 'full', dryRun: true })).path).toEqual([
      'RouteCollection',
      'EnforceRetention',
      'DrillAfterBackup?',
      'RecordCollectionResult',
    ]);
  });
});

describe('costTable', () => {
  it('prices transitions at $0.025 per 1,000, with polls from the drill backoff', async () => {
    const table = await costTable(definition, exampleConfig().drill);
    const hour = table.rows.find((r) => r.what.startsWith('drill, 1 h restore'));
    expect(hour?.what).toBe('drill, 1 h restore (34 polls)');
    expect(hour?.per1000).toBeCloseTo((hour?.transitions ?? 0) * 1000 * PRICE_PER_TRANSITION);
    expect(table.rows[0]).toEqual({
      what: 'backup (flushed at the first check)',
      transitions: 9,
      per1000: 0.225,
    });
  });
});

describe('maxCollectionsPerRun', () => {
  it('carries at least 1,000 collections in one run, fewer with longer names', () => {
    const twenty = maxCollectionsPerRun(3000, 20);
    expect(twenty).toBeGreaterThanOrEqual(1000);
    expect(maxCollectionsPerRun(3000, 200)).toBeLessThan(twenty);
    // What the estimate assumes per collection, checked against the real 256 KB limit.
    const item = JSON.stringify({ database: 'default', collection: 'c'.repeat(20), policy: 'default' });
    const record = JSON.stringify({ database: 'default', collection: 'c'.repeat(20), status: 'SUCCEEDED' });
    expect(3000 + twenty * (item.length + record.length + 2)).toBeLessThanOrEqual(256 * 1024);
  });
});
