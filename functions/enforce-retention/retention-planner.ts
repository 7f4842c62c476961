import { DateTime, IANAZone } from 'luxon';
import * as z from 'zod';
import {
  describeKeepRules,
  expected,
  parseRetentionDuration,
  type RetentionCountRule,
  retentionPolicySchema,
  showValue,
  toValidationIssues,
  type ValidationIssue,
} from '../shared/retention-policy';
import { periodKey, type RetentionPeriod } from './retention-periods';

/**
 * How far in the future a snapshot may be dated before it is treated as clock skew: kept, but left
 * out of every rule so it cannot take the place of a real snapshot.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Reasons given by the keep rules (`keepWithin` adds `within <d>`, see {@link RETENTION_KEEP_REASONS}). */
const RULE_REASONS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

/** Reasons for keeping a snapshot whatever the rules say. */
const SAFETY_REASONS = [
  'just created',
  'protected',
  'newest verified',
  'future-dated (clock skew)',
  'min-keep',
  'not managed',
] as const;

/**
 * Every reason a snapshot can be kept for, in the order they are listed on a kept snapshot.
 * `within <d>` stands for `within ` followed by the policy's normalised duration, e.g. `within 30d`.
 */
export const RETENTION_KEEP_REASONS = [...RULE_REASONS, 'within <d>', ...SAFETY_REASONS] as const;

/** Why a snapshot is kept: one of {@link RETENTION_KEEP_REASONS}. */
export const retentionKeepReasonSchema = z.union([
  z.enum([...RULE_REASONS, ...SAFETY_REASONS]),
  z.templateLiteral(['within ', z.string()]),
]);

/** Why a snapshot is kept. */
export type RetentionKeepReason = z.infer<typeof retentionKeepReasonSchema>;

const ISO_INSTANT_HINT = 'an ISO 8601 date-time with a UTC offset, e.g. "2026-11-21T03:00:00Z"';
const EXPLICIT_OFFSET = /T.*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

function isoInstant(field: string) {
  return z.string({ error: expected(field, ISO_INSTANT_HINT) }).refine(
    // An instant without an offset would be read in the machine's zone: refuse it rather than guess.
    (text) => EXPLICIT_OFFSET.test(text) && DateTime.fromISO(text, { setZone: true }).isValid,
    { error: (issue) => `${field} must be ${ISO_INSTANT_HINT}, got ${showValue(issue.input)}` },
  );
}

const snapshotNameSchema = (field: string) =>
  z.string({ error: expected(field, 'a non-empty snapshot name') }).min(1, {
    error: expected(field, 'a non-empty snapshot name'),
  });

/** One snapshot of the collection, as the planner needs it. */
export const retentionSnapshotSchema = z.strictObject(
  {
    /** Snapshot name, unique within the collection. */
    name: snapshotNameSchema('name'),
    /** Creation time (from Milvus `create_ts`). */
    createdAt: isoInstant('createdAt'),
    /** Whether the snapshot carries this tool's marker; only owned snapshots are ever dropped. */
    owned: z.boolean({ error: expected('owned', 'true or false') }),
    /**
     * Whether a restore drill proved this snapshot restores.
     * @default false
     */
    verified: z.boolean({ error: expected('verified', 'true or false') }).default(false),
  },
  { error: expected('a snapshot', 'an object with the keys name, createdAt, owned, verified') },
);

/** One snapshot as given to the planner. */
export type RetentionSnapshot = z.infer<typeof retentionSnapshotSchema>;

/** Everything {@link planRetention} needs: one collection's snapshots, the policy and the time. */
export const retentionPlanInputSchema = z.strictObject(
  {
    /** The time of the run; only used to recognise future-dated (clock-skewed) snapshots. */
    now: isoInstant('now'),
    policy: retentionPolicySchema,
    snapshots: z
      .array(retentionSnapshotSchema, { error: expected('snapshots', 'a list of snapshots') })
      .superRefine((snapshots, ctx) => {
        const firstIndex = new Map<string, number>();
        snapshots.forEach((snapshot, index) => {
          const first = firstIndex.get(snapshot.name);
          if (first === undefined) {
            firstIndex.set(snapshot.name, index);
            return;
          }
          ctx.addIssue({
            code: 'custom',
            path: [index, 'name'],
            input: snapshot.name,
            message: `duplicate snapshot name ${showValue(snapshot.name)} (also at snapshots[${first}]): snapshot names are unique per collection`,
          });
        });
      }),
    /**
     * Names of snapshots that must never be dropped by retention.
     * @default []
     */
    protect: z
      .array(snapshotNameSchema('protect entry'), { error: expected('protect', 'a list of snapshot names') })
      .default([]),
    /** Name of the snapshot this run just created; it is always kept. */
    justCreated: snapshotNameSchema('justCreated').optional(),
  },
  {
    error: expected('the plan input', 'an object with the keys now, policy, snapshots, protect, justCreated'),
  },
);

/** Planner input as written by a caller or in a plan file, before defaults. */
export type RetentionPlanInput = z.input<typeof retentionPlanInputSchema>;

/** Planner input after validation and defaults. */
export type ParsedRetentionPlanInput = z.infer<typeof retentionPlanInputSchema>;

/** The planner's answer: what to keep (with every reason) and what to drop (with why). */
export const retentionPlanSchema = z.object({
  /** Kept snapshots, newest first, ties by name. */
  keep: z.array(z.object({ name: z.string(), reasons: z.array(retentionKeepReasonSchema) })),
  /** Snapshots to drop, newest first, ties by name. */
  drop: z.array(z.object({ name: z.string(), reason: z.string() })),
});

/** The planner's answer. */
export type RetentionPlan = z.infer<typeof retentionPlanSchema>;

/** Thrown when the planner's input is invalid (including duplicate snapshot names). */
export class InvalidRetentionPlanInputError extends Error {
  /** Every problem found, each with its JSON path. */
  public readonly issues: readonly ValidationIssue[];

  public constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(
      `invalid retention plan input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      options,
    );
    this.name = 'InvalidRetentionPlanInputError';
    this.issues = issues;
  }
}

interface Candidate {
  readonly name: string;
  readonly epochMs: number;
  readonly owned: boolean;
  readonly verified: boolean;
  readonly reasons: Set<RetentionKeepReason>;
}

const PERIOD_RULES: readonly [RetentionCountRule, RetentionPeriod][] = [
  ['keepHourly', 'hourly'],
  ['keepDaily', 'daily'],
  ['keepWeekly', 'weekly'],
  ['keepMonthly', 'monthly'],
  ['keepYearly', 'yearly'],
];

function newestFirst(a: Candidate, b: Candidate): number {
  if (a.epochMs !== b.epochMs) return b.epochMs - a.epochMs;
  // Code-unit order, not localeCompare: the result must not depend on the machine's locale.
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const REASON_RANK = new Map<string, number>(RETENTION_KEEP_REASONS.map((reason, rank) => [reason, rank]));

function reasonRank(reason: RetentionKeepReason): number {
  return (
    REASON_RANK.get(reason.startsWith('within ') ? 'within <d>' : reason) ?? RETENTION_KEEP_REASONS.length
  );
}

/**
 * Takes the first snapshot met in each period, walking newest to oldest, until `count` periods are
 * taken. Periods with no snapshot are never met, so they do not count.
 */
function keepPerPeriod(
  walk: readonly Candidate[],
  count: number,
  period: RetentionPeriod,
  zone: IANAZone,
): void {
  let taken = 0;
  let lastKey: string | undefined;
  for (const snapshot of walk) {
    if (taken >= count) return;
    const key = periodKey(snapshot.epochMs, period, zone);
    // Keys of one period are contiguous in a time-ordered walk, so comparing with the last one is enough.
    if (key !== lastKey) {
      snapshot.reasons.add(period);
      lastKey = key;
      taken += 1;
    }
  }
}

/**
 * Decides which snapshots of one collection to keep and which to drop, restic `forget` style.
 *
 * Pure and deterministic: the answer depends only on `input` (never on the clock, the machine's
 * time zone or locale, or the order of `snapshots`).
 *
 * - Only `owned` snapshots are candidates; the others are kept as `not managed`.
 * - Rules are OR'ed over the owned snapshots that are not future-dated, newest first:
 *   `keepLast n` keeps the n newest (`last`); `keep<Period> n` keeps the first snapshot met in each
 *   hour / day / ISO week / month / year of `policy.timezone` until n periods are taken
 *   (`hourly` … `yearly`); `keepWithin d` keeps every snapshot created within d of the newest
 *   (`within d`).
 * - Kept on top of the rules, without using up any rule: `justCreated` (`just created`), names in
 *   `protect` (`protected`), the newest `verified` snapshot that is not future-dated
 *   (`newest verified`), and snapshots dated more than 5 minutes after `now`
 *   (`future-dated (clock skew)`, left out of the rule walks so they cannot displace real ones).
 * - If fewer than `minKeep` owned, not future-dated snapshots are kept, the newest others are kept
 *   (`min-keep`).
 *
 * @returns kept snapshots with every reason that kept them, and dropped ones with a reason; both
 *   newest first, ties broken by name.
 * @throws InvalidRetentionPlanInputError when the input is invalid or names a snapshot twice
 */
export function planRetention(input: RetentionPlanInput): RetentionPlan {
  const parsed = retentionPlanInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRetentionPlanInputError(toValidationIssues(parsed.error.issues), {
      cause: parsed.error,
    });
  }
  const { now, policy, snapshots, protect, justCreated } = parsed.data;
  const zone = IANAZone.create(policy.timezone);
  const futureLimit = DateTime.fromISO(now).toMillis() + FUTURE_TOLERANCE_MS;

  const all: Candidate[] = snapshots
    .map((snapshot) => ({
      name: snapshot.name,
      epochMs: DateTime.fromISO(snapshot.createdAt).toMillis(),
      owned: snapshot.owned,
      verified: snapshot.verified,
      reasons: new Set<RetentionKeepReason>(),
    }))
    .sort(newestFirst);

  const owned = all.filter((snapshot) => snapshot.owned);
  const walk = owned.filter((snapshot) => snapshot.epochMs <= futureLimit);

  for (const snapshot of walk.slice(0, policy.keepLast ?? 0)) snapshot.reasons.add('last');
  for (const [rule, period] of PERIOD_RULES) {
    const count = policy[rule] ?? 0;
    if (count > 0) keepPerPeriod(walk, count, period, zone);
  }
  const within = policy.keepWithin === undefined ? undefined : parseRetentionDuration(policy.keepWithin);
  const newest = walk[0];
  if (within !== undefined && newest !== undefined) {
    // Calendar units are subtracted in the policy's zone (a day back across DST is 23 or 25 hours).
    const cutoff = DateTime.fromMillis(newest.epochMs, { zone }).minus(within).toMillis();
    const reason: RetentionKeepReason = `within ${policy.keepWithin}`;
    for (const snapshot of walk) {
      if (snapshot.epochMs > cutoff) snapshot.reasons.add(reason);
    }
  }

  const protectedNames = new Set(protect);
  for (const snapshot of owned) {
    if (snapshot.name === justCreated) snapshot.reasons.add('just created');
    if (protectedNames.has(snapshot.name)) snapshot.reasons.add('protected');
    if (snapshot.epochMs > futureLimit) snapshot.reasons.add('future-dated (clock skew)');
  }
  walk.find((snapshot) => snapshot.verified)?.reasons.add('newest verified');

  // Future-dated snapshots do not count here either: they may be bogus, and must not stand in for real ones.
  let keptReal = walk.filter((snapshot) => snapshot.reasons.size > 0).length;
  for (const snapshot of walk) {
    if (keptReal >= policy.minKeep) break;
    if (snapshot.reasons.size === 0) {
      snapshot.reasons.add('min-keep');
      keptReal += 1;
    }
  }

  for (const snapshot of all) {
    if (!snapshot.owned) snapshot.reasons.add('not managed');
  }

  const dropReason = `not kept by any rule (${describeKeepRules(policy)})`;
  const plan: RetentionPlan = { keep: [], drop: [] };
  for (const snapshot of all) {
    if (snapshot.reasons.size === 0) {
      plan.drop.push({ name: snapshot.name, reason: dropReason });
    } else {
      const reasons = [...snapshot.reasons].sort((a, b) => reasonRank(a) - reasonRank(b));
      plan.keep.push({ name: snapshot.name, reasons });
    }
  }
  return plan;
}
