import * as z from 'zod';
import { isValidTimeZone } from './time-zone';

/**
 * The count rules of a retention policy, in the order they are described and reported.
 * `keepWithin` is the only rule that is not a count.
 */
export const RETENTION_COUNT_RULES = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;

/** Name of one count rule of a {@link RetentionPolicy}. */
export type RetentionCountRule = (typeof RETENTION_COUNT_RULES)[number];

/** Every keep rule a policy can set; a policy must set at least one of them. */
export const RETENTION_KEEP_RULES = [...RETENTION_COUNT_RULES, 'keepWithin'] as const;

/**
 * A `keepWithin` duration split into the calendar units the planner subtracts from the newest
 * snapshot. Weeks are folded into days (a week is always 7 calendar days).
 */
export interface RetentionDuration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
}

/** Largest number accepted in one unit of a duration; far past any real retention need. */
const MAX_DURATION_PART = 100_000;

const RESTIC_DURATION = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?$/;
const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const DURATION_HINT = 'a duration like "30d", "12h", "2w", "1y6m", "1y2m3d4h" or ISO 8601 "P30D"';

/**
 * Renders a received value for an error message: JSON, shortened, so a person can find it in
 * their file.
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Builds a zod error callback whose message names the field and the value received, so every
 * validation failure can be acted on without opening the schema.
 */
export function expected(field: string, what: string) {
  return (issue: { readonly code?: string; readonly input?: unknown; readonly keys?: readonly string[] }) => {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      return `${field} has unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}; it must be ${what}`;
    }
    if (issue.input === undefined) return `${field} is missing; it must be ${what}`;
    return `${field} must be ${what}, got ${showValue(issue.input)}`;
  };
}

function toPart(text: string | undefined): number {
  return text === undefined ? 0 : Number(text);
}

/**
 * Parses a `keepWithin` duration, restic style (`30d`, `12h`, `2w`, `1y6m`, `1y2m3d4h`; `m` is
 * months) or ISO 8601 (`P30D`, `PT12H`, `P1Y6M`, `P2W`).
 *
 * @returns the duration, or `undefined` when the text is not a duration this tool accepts
 *   (minutes and seconds are refused: snapshots are not taken that often, and restic has no unit
 *   for them).
 */
export function parseRetentionDuration(text: string): RetentionDuration | undefined {
  const restic = RESTIC_DURATION.exec(text);
  const iso = restic ? undefined : ISO_DURATION.exec(text);
  let parts: number[];
  if (restic && text.length > 0) {
    parts = restic.slice(1, 6).map(toPart);
  } else if (iso && text !== 'P' && !text.endsWith('T')) {
    const [minutes, seconds] = [toPart(iso[6]), toPart(iso[7])];
    if (minutes !== 0 || seconds !== 0) return undefined;
    parts = iso.slice(1, 6).map(toPart);
  } else {
    return undefined;
  }
  if (parts.some((part) => !Number.isSafeInteger(part) || part > MAX_DURATION_PART)) return undefined;
  const [years = 0, months = 0, weeks = 0, days = 0, hours = 0] = parts;
  return { years, months, days: days + 7 * weeks, hours };
}

/**
 * Writes a duration in the canonical restic form the planner reports (`within 1y6m`, `within 14d`).
 *
 * @returns the canonical text, or `undefined` for a zero duration (no `keepWithin` rule).
 */
export function formatRetentionDuration(duration: RetentionDuration): string | undefined {
  const text = [
    [duration.years, 'y'],
    [duration.months, 'm'],
    [duration.days, 'd'],
    [duration.hours, 'h'],
  ]
    .filter(([amount]) => amount !== 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join('');
  return text === '' ? undefined : text;
}

function countRule(field: RetentionCountRule) {
  const message = expected(field, 'a whole number of 0 or more');
  return z.int({ error: message }).min(0, { error: message }).optional();
}

const keepWithinSchema = z
  .string({ error: expected('keepWithin', DURATION_HINT) })
  .transform((text, ctx) => {
    const duration = parseRetentionDuration(text.trim());
    if (duration === undefined) {
      ctx.addIssue({
        code: 'custom',
        input: text,
        message: `keepWithin must be ${DURATION_HINT} (years, months, weeks, days, hours), got ${showValue(text)}`,
      });
      return z.NEVER;
    }
    // A zero duration keeps nothing: treat it as "no keepWithin rule", like restic does.
    return formatRetentionDuration(duration);
  })
  .optional();

const timezoneSchema = z
  .string({ error: expected('timezone', 'an IANA time zone name such as "Europe/Paris"') })
  .refine((zone) => isValidTimeZone(zone), {
    error: (issue) =>
      `timezone must be an IANA time zone name such as "Europe/Paris" or "UTC", got ${showValue(issue.input)}`,
  })
  .default('UTC');

const minKeepMessage = expected('minKeep', 'a whole number of 1 or more');

/**
 * A retention policy, restic `forget` style. Every keep rule is optional; at least one must be
 * set (a policy with no rule would drop every snapshot, so it is refused).
 */
export const retentionPolicySchema = z
  .strictObject(
    {
      /** Keep the n newest snapshots. */
      keepLast: countRule('keepLast'),
      /** Keep the newest snapshot of each of the n newest hours that have one. */
      keepHourly: countRule('keepHourly'),
      /** Keep the newest snapshot of each of the n newest calendar days that have one. */
      keepDaily: countRule('keepDaily'),
      /** Keep the newest snapshot of each of the n newest ISO weeks (Monday–Sunday) that have one. */
      keepWeekly: countRule('keepWeekly'),
      /** Keep the newest snapshot of each of the n newest months that have one. */
      keepMonthly: countRule('keepMonthly'),
      /** Keep the newest snapshot of each of the n newest years that have one. */
      keepYearly: countRule('keepYearly'),
      /**
       * Keep every snapshot created within this duration of the newest snapshot. Accepts restic
       * style (`30d`, `1y6m`) or ISO 8601 (`P30D`); normalised to restic style with weeks as days.
       */
      keepWithin: keepWithinSchema,
      /**
       * IANA time zone in which hours, days, weeks, months and years are counted.
       * @default 'UTC'
       */
      timezone: timezoneSchema,
      /**
       * Fewest managed snapshots that stay kept, whatever the rules say.
       * @default 1
       */
      minKeep: z.int({ error: minKeepMessage }).min(1, { error: minKeepMessage }).default(1),
    },
    {
      error: expected(
        'the retention policy',
        `an object with the keys ${RETENTION_KEEP_RULES.join(', ')}, timezone, minKeep`,
      ),
    },
  )
  .refine(hasKeepRule, {
    // Only judge a policy whose fields are valid: a typo'd key already has its own message.
    when: (payload) => payload.issues.length === 0,
    error: (issue) =>
      `the retention policy has no keep rule, so it would drop every snapshot: set at least one of ${RETENTION_KEEP_RULES.join(', ')} (got ${showValue(issue.input)})`,
  });

/** A validated retention policy, with defaults applied and `keepWithin` normalised. */
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/** A retention policy as written in a configuration or plan file, before defaults. */
export type RetentionPolicyInput = z.input<typeof retentionPolicySchema>;

function hasKeepRule(policy: Partial<Record<RetentionCountRule, number>> & { keepWithin?: string }): boolean {
  return RETENTION_COUNT_RULES.some((rule) => (policy[rule] ?? 0) > 0) || policy.keepWithin !== undefined;
}

/** One validation problem, located by a JSON path such as `$.policy.keepDaily`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Writes a zod issue path as a JSON path (`$.snapshots[3].createdAt`) under `root`, so a person
 * can find the bad field in their file.
 */
export function formatJsonPath(path: readonly PropertyKey[], root = '$'): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${text}.${name}` : `${text}[${JSON.stringify(name)}]`;
  }, root);
}

/**
 * Turns zod issues into {@link ValidationIssue}s. An unknown key is located at the key itself
 * (`$.policy.keepDialy`) rather than at the object that holds it.
 */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[], root = '$'): ValidationIssue[] {
  return issues.map((issue) => {
    const onlyKey = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? issue.keys[0] : undefined;
    const path = onlyKey === undefined ? issue.path : [...issue.path, onlyKey];
    return { path: formatJsonPath(path, root), message: issue.message };
  });
}

/** Thrown when a retention policy is invalid; `issues` locates every problem. */
export class InvalidRetentionPolicyError extends Error {
  /** Every problem found, each with its JSON path. */
  public readonly issues: readonly ValidationIssue[];

  public constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(`invalid retention policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, options);
    this.name = 'InvalidRetentionPolicyError';
    this.issues = issues;
  }
}

/**
 * Validates a retention policy, applying defaults.
 *
 * @param input - the policy as read from configuration
 * @param root - JSON path of the policy inside its document, used in error messages
 * @throws InvalidRetentionPolicyError naming each bad field and its value
 */
export function parseRetentionPolicy(input: unknown, root = '$'): RetentionPolicy {
  const result = retentionPolicySchema.safeParse(input);
  if (!result.success) {
    throw new InvalidRetentionPolicyError(toValidationIssues(result.error.issues, root), {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Lists the keep rules a policy sets, e.g. `keep last 3, 7 daily, within 2d`. Used in the reason
 * given for a dropped snapshot.
 */
export function describeKeepRules(policy: RetentionPolicy): string {
  const rules: string[] = [];
  if ((policy.keepLast ?? 0) > 0) rules.push(`last ${policy.keepLast}`);
  const periods: readonly [number | undefined, string][] = [
    [policy.keepHourly, 'hourly'],
    [policy.keepDaily, 'daily'],
    [policy.keepWeekly, 'weekly'],
    [policy.keepMonthly, 'monthly'],
    [policy.keepYearly, 'yearly'],
  ];
  for (const [count, label] of periods) {
    if ((count ?? 0) > 0) rules.push(`${count} ${label}`);
  }
  if (policy.keepWithin !== undefined) rules.push(`within ${policy.keepWithin}`);
  return `keep ${rules.join(', ')}`;
}

/**
 * One-line human summary of a policy, e.g.
 * `keep last 3, 7 daily, 4 weekly, 12 monthly, within 2d (Europe/Paris), at least 1`.
 */
export function describeRetentionPolicy(policy: RetentionPolicy): string {
  return `${describeKeepRules(policy)} (${policy.timezone}), at least ${policy.minKeep}`;
}
