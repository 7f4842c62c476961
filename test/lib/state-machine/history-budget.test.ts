import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { drillSettingsSchema, flushSettingsSchema } from '../../../functions/shared/contracts/drill-settings';
import { parseDeploymentConfig } from '../../../lib/config/load-config';
import { countTransitions } from '../../../lib/docs/run-cost';
import {
  EVENTS_PER_LOOP_ROUND,
  EVENTS_PER_STATE,
  EXECUTION_EVENTS,
  FULL_RUN_BASE_EVENTS,
  HISTORY_BUDGET,
  historyProblem,
  historyWorstCase,
  MAX_HISTORY_EVENTS,
} from '../../../lib/state-machine/history-budget';
import {
  allStates,
  type StateMachineDefinition,
  synthesizeRun,
} from '../../../lib/state-machine/synthesized-definition';
import { exampleConfig } from '../fixtures';

let definition: StateMachineDefinition;
let typeOf: Map<string, string>;

beforeAll(() => {
  definition = synthesizeRun(exampleConfig()).definition;
  typeOf = new Map(allStates(definition).map(([name, state]) => [name, state.Type]));
});

/** History events of the states one collection passes, by their types in the definition. */
function eventsOf(path: readonly string[]): number {
  return (
    EXECUTION_EVENTS +
    path.reduce((n, state) => {
      const type = typeOf.get(state) as keyof typeof EVENTS_PER_STATE;
      if (!(type in EVENTS_PER_STATE))
        throw new Error(`${state} is a ${type}: how many events does it write?`);
      return n + EVENTS_PER_STATE[type];
    }, 0)
  );
}

const drill = (change: Record<string, unknown> = {}) => drillSettingsSchema.parse(change);
const flush = (change: Record<string, unknown> = {}) => flushSettingsSchema.parse(change);

describe('the history model', () => {
  it("counts a full run's path through the synthesized definition, loops included", async () => {
    // Prepare: 3 flush checks, 4 restore polls, 2 load waits.
    const base = await countTransitions(definition, { mode: 'full' });
    const looped = await countTransitions(definition, {
      mode: 'full',
      flushChecks: 3,
      polls: 4,
      loadWaits: 2,
    });

    // Assess
    expect(eventsOf(base.path)).toBe(FULL_RUN_BASE_EVENTS);
    expect(eventsOf(looped.path)).toBe(FULL_RUN_BASE_EVENTS + EVENTS_PER_LOOP_ROUND * (2 + 3 + 2));
  });

  it('leaves 5,000 of the 25,000 events Step Functions keeps for retries', () => {
    expect(MAX_HISTORY_EVENTS - HISTORY_BUDGET).toBe(5_000);
  });

  it('puts the defaults far under the limit', () => {
    const worst = historyWorstCase({ drill: drill(), flush: flush() });
    expect(worst).toMatchObject({ flushChecks: 121, loadWaits: 0 });
    expect(worst.events).toBeLessThan(2_000);
  });

  it('counts the deep check waiting for the load after the restore finished at the worst moment', () => {
    const standard = historyWorstCase({ drill: drill(), flush: flush() });
    const deep = historyWorstCase({ drill: drill({ verification: 'deep' }), flush: flush() });
    expect(deep.loadWaits).toBeGreaterThan(0);
    expect(deep.events).toBeGreaterThan(standard.events);
  });
});

describe('configurations that could exceed the history limit', () => {
  it('refuses a backoff factor of 1 at 5 s for 240 minutes at synth, with the numbers', () => {
    const config = exampleConfig();
    expect(() =>
      parseDeploymentConfig({
        ...config,
        runTimeoutMinutes: 720,
        drill: {
          ...config.drill,
          timeoutMinutes: 240,
          backoff: { initialSeconds: 5, factor: 1, maxSeconds: 5 },
        },
      }),
    ).toThrow(
      /\$\.drill\.timeoutMinutes: one collection's run may write 27,065 history events \(121 flush checks every 5 s for 600 s, 2880 restore polls from 5 s × 1 up to 5 s for 240 min\), more than the 20,000/,
    );
  });

  it('accepts only settings whose worst case stays within the budget (every field, any value the schema takes)', () => {
    fc.assert(
      fc.property(
        fc.record({
          timeoutMinutes: fc.integer({ min: 1, max: 24 * 60 }),
          initialSeconds: fc.integer({ min: 1, max: 3600 }),
          factor: fc.double({ min: 1, max: 10, noNaN: true }),
          cap: fc.integer({ min: 0, max: 3600 }),
          deep: fc.boolean(),
          flushTimeout: fc.integer({ min: 10, max: 3600 }),
          flushPoll: fc.integer({ min: 1, max: 300 }),
        }),
        (s) => {
          const settings = {
            drill: drill({
              timeoutMinutes: s.timeoutMinutes,
              verification: s.deep ? 'deep' : 'standard',
              backoff: {
                initialSeconds: s.initialSeconds,
                factor: s.factor,
                maxSeconds: Math.max(s.initialSeconds, s.cap),
              },
            }),
            flush: flush({ timeoutSeconds: s.flushTimeout, pollSeconds: s.flushPoll }),
          };
          const worst = historyWorstCase(settings);
          expect(historyProblem(settings) === undefined).toBe(worst.events <= HISTORY_BUDGET);
          if (historyProblem(settings) === undefined) expect(worst.events).toBeLessThan(MAX_HISTORY_EVENTS);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});
