import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  FUTURE_TOLERANCE_MS,
  planRetention,
  type RetentionPlan,
  type RetentionPlanInput,
} from '../../../functions/enforce-retention/retention-planner';
import type { RetentionPolicyInput } from '../../../functions/shared/retention-policy';

type SnapshotInput = RetentionPlanInput['snapshots'][number];

interface Case {
  readonly input: RetentionPlanInput & { readonly policy: RetentionPolicyInput };
  /** Epoch ms of each snapshot, by name: the model below never parses dates the planner's way. */
  readonly times: ReadonlyMap<string, number>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW_MS = Date.parse('2026-11-21T03:00:00Z');
const NOW = new Date(NOW_MS).toISOString();

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];

/** Instants where periods turn over in one of the zones: DST changes, midnights, ISO week-year changes. */
const BOUNDARIES = [
  '2026-03-29T01:00:00Z', // Europe/Berlin spring
  '2026-10-25T01:00:00Z', // Europe/Berlin autumn
  '2026-03-08T07:00:00Z', // America/New_York spring
  '2026-11-01T06:00:00Z', // America/New_York autumn
  '2026-04-04T15:00:00Z', // Australia/Lord_Howe half-hour change
  '2025-12-31T23:00:00Z', // New Year in Berlin
  '2026-01-04T23:00:00Z', // Monday of ISO week 2 in Berlin
  '2026-11-16T00:00:00Z', // a Monday in UTC
  '2026-11-20T18:30:00Z', // midnight in Kolkata
].map((iso) => Date.parse(iso));

const timeArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: NOW_MS - 2 * 366 * DAY, max: NOW_MS }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...BOUNDARIES), fc.integer({ min: -36 * HOUR, max: 36 * HOUR }))
      .map(([at, shift]) => at + shift),
  },
  {
    // exactly on or one millisecond either side of a boundary
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...BOUNDARIES), fc.constantFrom(-HOUR, -1, 0, 1, HOUR, DAY))
      .map(([at, shift]) => at + shift),
  },
  { weight: 2, arbitrary: fc.integer({ min: NOW_MS - 3 * DAY, max: NOW_MS }) },
  // around the clock-skew tolerance, and well into the future
  { weight: 1, arbitrary: fc.integer({ min: NOW_MS, max: NOW_MS + 2 * DAY }) },
  { weight: 1, arbitrary: fc.constantFrom(NOW_MS + FUTURE_TOLERANCE_MS, NOW_MS + FUTURE_TOLERANCE_MS + 1) },
);

/** The same instant written with different offsets: the plan must only depend on the instant. */
const offsetArb = fc.constantFrom('UTC', 'UTC+2', 'UTC-5', 'UTC+5:30');

const snapshotArb = fc.record({
  name: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e', '_', '1'), minLength: 1, maxLength: 4 }),
  epochMs: timeArb,
  offset: offsetArb,
  owned: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  verified: fc.oneof(
    { weight: 5, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
});

const countArb = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });

const policyArb: fc.Arbitrary<RetentionPolicyInput> = fc
  .record({
    keepLast: countArb,
    keepHourly: countArb,
    keepDaily: countArb,
    keepWeekly: countArb,
    keepMonthly: countArb,
    keepYearly: countArb,
    keepWithin: fc.option(fc.constantFrom('12h', '1d', '3d', '2w', '1m', '1y', 'P2D', 'PT36H'), {
      nil: undefined,
    }),
    timezone: fc.constantFrom(...ZONES),
    minKeep: fc.integer({ min: 1, max: 6 }),
  })
  .filter(
    (policy) =>
      [
        policy.keepLast,
        policy.keepHourly,
        policy.keepDaily,
        policy.keepWeekly,
        policy.keepMonthly,
        policy.keepYearly,
      ].some((count) => (count ?? 0) > 0) || policy.keepWithin !== undefined,
  );

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(fc.uniqueArray(snapshotArb, { selector: (snapshot) => snapshot.name, maxLength: 40 }), policyArb)
  .chain(([generated, policy]) => {
    const names = generated.map((snapshot) => snapshot.name);
    return fc
      .record({
        protect: fc.subarray([...names, 'not_a_snapshot'], { maxLength: Math.min(3, names.length + 1) }),
        justCreated:
          names.length > 0
            ? fc.option(fc.constantFrom(...names), { nil: undefined })
            : fc.constant(undefined),
      })
      .map(({ protect, justCreated }) => {
        const snapshots: SnapshotInput[] = generated.map((snapshot) => ({
          name: snapshot.name,
          createdAt: DateTime.fromMillis(snapshot.epochMs, { zone: snapshot.offset }).toISO() ?? '',
          owned: snapshot.owned,
          verified: snapshot.verified,
        }));
        const times = new Map(generated.map((snapshot) => [snapshot.name, snapshot.epochMs]));
        return {
          input: {
            now: NOW,
            policy,
            snapshots,
            protect,
            ...(justCreated === undefined ? {} : { justCreated }),
          },
          times,
        };
      });
  });

// ---- an independent model of the specification, used as the oracle ----

function timeOf(testCase: Case, name: string): number {
  const time = testCase.times.get(name);
  if (time === undefined) throw new Error(`no time for ${name}`);
  return time;
}

/** Newest first, ties by name: the order the specification fixes. */
function byNewest(testCase: Case) {
  return (a: string, b: string) => timeOf(testCase, b) - timeOf(testCase, a) || (a < b ? -1 : a > b ? 1 : 0);
}

function isFuture(testCase: Case, name: string): boolean {
  return timeOf(testCase, name) > NOW_MS + FUTURE_TOLERANCE_MS;
}

/** Owned snapshots that are not future-dated, newest first: what the rules walk over. */
function walked(testCase: Case): string[] {
  return testCase.input.snapshots
    .filter((snapshot) => snapshot.owned && !isFuture(testCase, snapshot.name))
    .map((snapshot) => snapshot.name)
    .sort(byNewest(testCase));
}

function keptSet(plan: RetentionPlan): Set<string> {
  return new Set(plan.keep.map((entry) => entry.name));
}

function withReason(plan: RetentionPlan, reason: string): Set<string> {
  return new Set(
    plan.keep.filter((entry) => entry.reasons.some((r) => r === reason)).map((entry) => entry.name),
  );
}

/**
 * The calendar period of an instant, computed with Intl (not luxon, which the planner uses):
 * hour (with its UTC offset), date, ISO week, month or year in the zone.
 */
function intlPeriod(epochMs: number, zone: string, period: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(epochMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const [year, month, day] = [Number(part('year')), Number(part('month')), Number(part('day'))];
  switch (period) {
    case 'hourly':
      return `${year}-${month}-${day}T${part('hour')}${part('timeZoneName')}`;
    case 'daily':
      return `${year}-${month}-${day}`;
    case 'weekly': {
      const date = Date.UTC(year, month - 1, day);
      const mondayBased = (new Date(date).getUTCDay() + 6) % 7;
      const thursday = date + (3 - mondayBased) * DAY;
      const weekYear = new Date(thursday).getUTCFullYear();
      return `${weekYear}-W${1 + Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * DAY))}`;
    }
    case 'monthly':
      return `${year}-${month}`;
    default:
      return `${year}`;
  }
}

/** The newest snapshot of each of the n newest periods that have one. */
function expectedPerPeriod(testCase: Case, period: string, count: number): Set<string> {
  const zone = testCase.input.policy.timezone ?? 'UTC';
  const newestOfPeriod = new Map<string, string>();
  for (const name of walked(testCase)) {
    const key = intlPeriod(timeOf(testCase, name), zone, period);
    if (!newestOfPeriod.has(key)) newestOfPeriod.set(key, name);
  }
  return new Set([...newestOfPeriod.values()].slice(0, count));
}

const PERIOD_RULES = [
  ['keepHourly', 'hourly'],
  ['keepDaily', 'daily'],
  ['keepWeekly', 'weekly'],
  ['keepMonthly', 'monthly'],
  ['keepYearly', 'yearly'],
] as const;

describe('planRetention properties', () => {
  it('never drops a snapshot that is not managed, protected, just created, the newest verified or future-dated', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Act
        const kept = keptSet(planRetention(testCase.input));

        // Assess
        const { snapshots, protect = [], justCreated } = testCase.input;
        const newestVerified = snapshots
          .filter((snapshot) => snapshot.owned && snapshot.verified)
          .map((snapshot) => snapshot.name)
          .sort(byNewest(testCase))[0];
        for (const snapshot of snapshots) {
          const mustKeep =
            !snapshot.owned ||
            protect.includes(snapshot.name) ||
            snapshot.name === justCreated ||
            snapshot.name === newestVerified ||
            isFuture(testCase, snapshot.name);
          if (mustKeep) expect(kept, snapshot.name).toContain(snapshot.name);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never leaves fewer than min(minKeep, managed snapshots) managed snapshots that are not future-dated', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Act
        const kept = keptSet(planRetention(testCase.input));

        // Assess
        const real = walked(testCase);
        const keptReal = real.filter((name) => kept.has(name)).length;
        expect(keptReal).toBeGreaterThanOrEqual(Math.min(testCase.input.policy.minKeep ?? 1, real.length));
      }),
      { numRuns: 300 },
    );
  });

  it('puts every snapshot in exactly one of keep and drop, each list newest first with ties by name', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Act
        const plan = planRetention(testCase.input);

        // Assess
        const keep = plan.keep.map((entry) => entry.name);
        const drop = plan.drop.map((entry) => entry.name);
        const all = testCase.input.snapshots.map((snapshot) => snapshot.name);
        expect([...keep, ...drop].sort()).toEqual([...all].sort());
        expect(keep).toEqual([...keep].sort(byNewest(testCase)));
        expect(drop).toEqual([...drop].sort(byNewest(testCase)));
        expect(plan.keep.every((entry) => entry.reasons.length > 0)).toBe(true);
      }),
    );
  });

  it('gives the same plan whatever the order of the snapshots', () => {
    const withPermutation = caseArb.chain((testCase) =>
      fc
        .shuffledSubarray(testCase.input.snapshots, {
          minLength: testCase.input.snapshots.length,
          maxLength: testCase.input.snapshots.length,
        })
        .map((shuffled) => ({ testCase, shuffled })),
    );
    fc.assert(
      fc.property(withPermutation, ({ testCase, shuffled }) => {
        // Act
        const original = planRetention(testCase.input);
        const permuted = planRetention({ ...testCase.input, snapshots: shuffled });

        // Assess
        expect(permuted).toEqual(original);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the min(n, count) newest managed snapshots that are not future-dated for keepLast n', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Act
        const last = withReason(planRetention(testCase.input), 'last');

        // Assess
        const n = testCase.input.policy.keepLast ?? 0;
        expect(last).toEqual(new Set(walked(testCase).slice(0, n)));
      }),
    );
  });

  it("keeps, for each period rule, exactly the newest snapshot of each of the n newest periods in the policy's zone", () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Act
        const plan = planRetention(testCase.input);

        // Assess
        for (const [rule, period] of PERIOD_RULES) {
          const count = testCase.input.policy[rule] ?? 0;
          expect(withReason(plan, period), `${rule} ${count}`).toEqual(
            expectedPerPeriod(testCase, period, count),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps, for keepWithin, an unbroken run of the newest snapshots', () => {
    fc.assert(
      fc.property(
        caseArb.filter((testCase) => testCase.input.policy.keepWithin !== undefined),
        (testCase) => {
          // Act
          const plan = planRetention(testCase.input);

          // Assess
          const within = plan.keep.find((entry) =>
            entry.reasons.some((reason) => reason.startsWith('within ')),
          );
          const reason = within?.reasons.find((r) => r.startsWith('within ')) ?? 'none';
          const real = walked(testCase);
          const inWithin = real.map((name) => withReason(plan, reason).has(name));
          expect(inWithin.slice(0, 1)).toEqual(real.length > 0 ? [true] : []);
          expect(inWithin).toEqual([...inWithin].sort((a, b) => Number(b) - Number(a)));
        },
      ),
    );
  });

  it('decides the same for real managed snapshots whether future-dated or unmanaged ones are present or not', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Prepare
        const realOnly = testCase.input.snapshots.filter(
          (snapshot) => snapshot.owned && !isFuture(testCase, snapshot.name),
        );

        // Act
        const withAll = planRetention(testCase.input);
        const withRealOnly = planRetention({ ...testCase.input, snapshots: realOnly });

        // Assess
        const realNames = new Set(realOnly.map((snapshot) => snapshot.name));
        expect(withAll.keep.filter((entry) => realNames.has(entry.name))).toEqual(withRealOnly.keep);
        expect(withAll.drop).toEqual(withRealOnly.drop);
      }),
      { numRuns: 200 },
    );
  });

  it('is idempotent: planning again over the kept snapshots keeps all of them, for the same reasons', () => {
    fc.assert(
      fc.property(caseArb, (testCase) => {
        // Prepare
        const first = planRetention(testCase.input);
        const kept = keptSet(first);

        // Act
        const second = planRetention({
          ...testCase.input,
          snapshots: testCase.input.snapshots.filter((snapshot) => kept.has(snapshot.name)),
        });

        // Assess
        expect(second.drop).toEqual([]);
        expect(second.keep).toEqual(first.keep);
      }),
      { numRuns: 200 },
    );
  });
});
