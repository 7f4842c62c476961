import * as z from 'zod';
import { collectionRefProblem } from '../collection-selection';
import { namePatternProblem } from '../name-pattern';
import { retentionPolicySchema } from '../retention-policy';
import { drillCollectionTime, MAX_MILVUS_NAME_LENGTH, milvusNameProblem } from '../snapshot-naming';
import { isValidTimeZone } from '../time-zone';
import { drillSettingsSchema, flushSettingsSchema } from './drill-settings';

/** What a scheduled run does to each collection. */
export const SCHEDULE_MODES = ['backup', 'drill', 'full'] as const;

/**
 * What a run does to each collection: a schedule's modes, and `restore`, which only an operator
 * starts (from the console or the CLI), never a schedule.
 */
export const RUN_MODES = [...SCHEDULE_MODES, 'restore'] as const;

/**
 * `backup`: flush, snapshot, retention. `drill`: restore drill of an existing snapshot. `full`:
 * both. `restore`: restore a snapshot into a new collection and, if asked, point an alias at it or
 * swap names.
 */
export type RunMode = (typeof RUN_MODES)[number];

/** Length of the `_YYYYMMDD_HHMMSS` suffix of a dated snapshot name. */
const STAMP_LENGTH = 16;

/** A Milvus name (database, collection, prefix): letters, digits, `_`, `$`; first a letter or `_`. */
export function milvusName(what: string, maxLength = MAX_MILVUS_NAME_LENGTH) {
  return z.string().superRefine((name, ctx) => {
    const problem =
      milvusNameProblem(name) ??
      (name.length > maxLength ? `it is longer than ${maxLength} characters` : undefined);
    if (problem)
      ctx.addIssue({ code: 'custom', message: `${what} '${name}' is not a valid Milvus name: ${problem}` });
  });
}

/** A snapshot name prefix: a Milvus name with room left for `_YYYYMMDD_HHMMSS`. */
export const snapshotPrefixSchema = milvusName('snapshot prefix', MAX_MILVUS_NAME_LENGTH - STAMP_LENGTH);

/** One collection under management. */
export const collectionConfigSchema = z
  .object({
    /** The Milvus database. @default 'default' */
    database: milvusName('database').default('default'),
    /** The collection's name. */
    name: milvusName('collection'),
    /** Name of the retention policy (a key of `retention`). @default 'default' */
    retention: z.string().min(1).default('default'),
    /** Snapshots retention must never drop, whatever the policy says (e.g. a release baseline). @default [] */
    protect: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** A managed collection, defaults applied. */
export type CollectionConfig = z.infer<typeof collectionConfigSchema>;

/** A pattern of Milvus names (see name-pattern.ts): `*` any run of characters, `?` one character. */
export function namePattern(what: string) {
  return z.string().superRefine((pattern, ctx) => {
    const problem = namePatternProblem(pattern);
    if (problem)
      ctx.addIssue({ code: 'custom', message: `${what} pattern "${pattern}" is refused: ${problem}` });
  });
}

/**
 * Every collection of a database (or of the databases a pattern matches) whose name matches
 * `match` and no pattern of `exclude`: protected without being listed by name, so a collection
 * created after the deploy is backed up by the next run. An entry in `collections` for the same
 * collection wins (its retention and protect apply).
 */
export const collectionSelectorSchema = z
  .object({
    /** The database, or a pattern of databases (`*`: every database). @default 'default' */
    database: namePattern('database').default('default'),
    /** Collections whose name matches this pattern, e.g. `*` or `orders_*`. */
    match: namePattern('match'),
    /** Names left out, as patterns, e.g. `["tmp_*", "scratch_*"]`. @default [] */
    exclude: z.array(namePattern('exclude')).default([]),
    /** Name of the retention policy of the collections it selects (a key of `retention`). @default 'default' */
    retention: z.string().min(1).default('default'),
  })
  .strict();

/** A selector, defaults applied. */
export type CollectionSelector = z.infer<typeof collectionSelectorSchema>;

/** Which databases coverage looks at, for collections that nothing covers. */
export const COVERAGE_DATABASES = ['configured', 'all'] as const;

/** What every run reports about the collections that are not backed up. */
export const coverageSettingsSchema = z
  .object({
    /**
     * `configured`: the databases an entry of `collections` names or a selector matches; `all`:
     * every database Milvus lists for the token. A shared Milvus holds other teams' databases,
     * which `all` would report (and alarm on) as unprotected. @default 'configured'
     */
    databases: z.enum(COVERAGE_DATABASES).default('configured'),
    /**
     * An alarm when a run finds collections nothing covers (the `UnprotectedCollections` metric is
     * published either way). @default false
     */
    alarm: z.boolean().default(false),
  })
  .strict();

/** The key that identifies a collection everywhere: `database.collection`. */
export function collectionKey(c: {
  readonly database: string;
  readonly name?: string;
  readonly collection?: string;
}): string {
  return `${c.database}.${c.name ?? c.collection}`;
}

const CRON = /^cron\(\s*(\S+\s+){5}\S+\s*\)$/;
const RATE = /^rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)$/;

/** One schedule: when EventBridge Scheduler starts a run, and what the run does. */
export const scheduleConfigSchema = z
  .object({
    /**
     * EventBridge Scheduler expression: `cron(minutes hours day-of-month month day-of-week year)`
     * (e.g. `cron(0 3 * * ? *)`) or `rate(6 hours)`.
     */
    cron: z.string().refine((e) => CRON.test(e.trim()) || RATE.test(e.trim()), {
      message: 'expected an EventBridge Scheduler expression such as "cron(0 3 * * ? *)" or "rate(6 hours)"',
    }),
    /** IANA time zone the cron expression is read in. @default 'UTC' */
    timezone: z
      .string()
      .default('UTC')
      .refine((zone) => isValidTimeZone(zone), {
        message: 'expected an IANA time zone such as "Europe/Paris"',
      }),
    /** What the run does. @default 'backup' */
    mode: z.enum(SCHEDULE_MODES).default('backup'),
    /** Prefix of the dated snapshot names. @default the schedule's name */
    snapshotPrefix: snapshotPrefixSchema.optional(),
    /**
     * Only these collections: `database.collection`, `collection` in `default`, or patterns such as
     * `prod.*` (every collection of `prod` an entry or a selector covers). @default all
     */
    collections: z.array(z.string().min(1)).min(1).optional(),
    /** A disabled schedule is deployed but does not fire. @default true */
    enabled: z.boolean().default(true),
    /** Shown in the console and in reports. */
    description: z.string().max(512).optional(),
    /** Extra time, past the schedule's interval, before the freshness alarm fires. @default 60 */
    freshnessMarginMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
  })
  .strict();

/** A schedule, defaults applied. */
export type ScheduleConfig = z.infer<typeof scheduleConfigSchema>;

/** Longest schedule name. */
export const MAX_SCHEDULE_NAME = 48;
const SCHEDULE_NAME = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SCHEDULE_NAME}}$`);

/** Why a schedule name is refused, naming it. */
function scheduleNameProblem(name: unknown): string {
  const shown = JSON.stringify(name);
  const length = typeof name === 'string' ? ` (${name.length} characters)` : '';
  return `schedule names use letters, digits, "_" and "-", at most ${MAX_SCHEDULE_NAME} characters, got ${shown}${length}`;
}

/** The one key a JSON object cannot hold as data everywhere: refused as a schedule or policy name. */
const RESERVED_KEY = '__proto__';

/**
 * The part of the configuration a run needs. The construct embeds it in the state machine
 * definition, so the first step of every run (and the local runner) sees exactly what was deployed.
 */
export const runtimeConfigSchema = z
  .object({
    /** The collections under management, by name. @default [] */
    collections: z.array(collectionConfigSchema).default([]),
    /** Collections selected by pattern, resolved against Milvus at the start of every run. @default [] */
    selectors: z.array(collectionSelectorSchema).default([]),
    /** What each run reports about collections nothing covers. */
    coverage: coverageSettingsSchema.default(coverageSettingsSchema.parse({})),
    /** Named schedules. The name is recorded in each snapshot's marker. */
    schedules: z.record(
      z
        .string()
        .regex(SCHEDULE_NAME, 'schedule names use letters, digits, "_" and "-" (at most 48)')
        .refine((name) => name !== RESERVED_KEY, { message: `"${RESERVED_KEY}" cannot name a schedule` }),
      scheduleConfigSchema,
      // A refused key would otherwise only get zod's "Invalid key in record".
      { error: (issue) => (issue.code === 'invalid_key' ? scheduleNameProblem(issue.input) : undefined) },
    ),
    /** Named retention policies; `default` applies to collections that name none. */
    retention: z.record(
      z
        .string()
        .min(1)
        .refine((name) => name !== RESERVED_KEY, {
          message: `"${RESERVED_KEY}" cannot name a retention policy`,
        }),
      retentionPolicySchema,
    ),
    /** Restore drill settings. */
    drill: drillSettingsSchema.default(drillSettingsSchema.parse({})),
    /** Flush wait settings. */
    flush: flushSettingsSchema.default(flushSettingsSchema.parse({})),
    /** Snapshot prefix of runs started by hand without naming a schedule. @default 'manual' */
    manualSnapshotPrefix: snapshotPrefixSchema.default('manual'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.collections.length === 0 && config.selectors.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['collections'],
        message: 'list at least one collection in collections, or a selector in selectors',
      });
    }
    const keys = new Set<string>();
    config.collections.forEach((c, i) => {
      const key = collectionKey(c);
      if (keys.has(key))
        ctx.addIssue({ code: 'custom', path: ['collections', i], message: `${key} is listed twice` });
      keys.add(key);
      if (drillCollectionTime(config.drill.prefix, c.name) !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['collections', i, 'name'],
          message:
            `${key} is named like a drill collection (${config.drill.prefix}_<collection>_<YYYYMMDD>_<HHMMSS>); ` +
            'back it up under another name, or change drill.prefix',
        });
      }
      if (!Object.hasOwn(config.retention, c.retention)) {
        ctx.addIssue({
          code: 'custom',
          path: ['collections', i, 'retention'],
          message: `${key} uses retention policy '${c.retention}', which is not defined; defined: ${Object.keys(config.retention).join(', ') || 'none'}`,
        });
      }
    });
    const selectors = new Set<string>();
    config.selectors.forEach((selector, i) => {
      const shown = JSON.stringify(selector);
      if (selectors.has(shown)) {
        ctx.addIssue({ code: 'custom', path: ['selectors', i], message: `${shown} is listed twice` });
      }
      selectors.add(shown);
      if (selector.exclude.some((pattern) => pattern === selector.match || /^\*+$/.test(pattern))) {
        ctx.addIssue({
          code: 'custom',
          path: ['selectors', i, 'exclude'],
          message: `selects nothing: exclude leaves out every name match "${selector.match}" takes; remove that pattern from exclude`,
        });
      }
      if (!Object.hasOwn(config.retention, selector.retention)) {
        ctx.addIssue({
          code: 'custom',
          path: ['selectors', i, 'retention'],
          message: `the selector uses retention policy '${selector.retention}', which is not defined; defined: ${Object.keys(config.retention).join(', ') || 'none'}`,
        });
      }
    });
    for (const [name, schedule] of Object.entries(config.schedules)) {
      if (!schedule.snapshotPrefix && milvusNameProblem(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', name, 'snapshotPrefix'],
          message: `schedule '${name}' cannot be used as a snapshot prefix (${milvusNameProblem(name)}); set snapshotPrefix`,
        });
      }
      for (const [j, ref] of (schedule.collections ?? []).entries()) {
        const problem = collectionRefProblem(config, ref);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            path: ['schedules', name, 'collections', j],
            message: `schedule '${name}' names ${ref}, which ${problem}`,
          });
        }
      }
    }
  });

/** The runtime configuration, defaults applied. */
export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/** `products` → `default.products`; `analytics.events` stays as it is. */
export function normaliseCollectionRef(ref: string): string {
  return ref.includes('.') ? ref : `default.${ref}`;
}
