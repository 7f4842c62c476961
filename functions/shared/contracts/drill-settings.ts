import * as z from 'zod';
import { milvusNameProblem } from '../snapshot-naming';

/** Backoff between restore-state polls: initial wait, growth factor, cap (all in seconds). */
export const pollBackoffSchema = z
  .object({
    /** Wait before the first poll after starting the restore. @default 5 */
    initialSeconds: z.number().int().min(1).max(3600).default(5),
    /** Each wait is the previous one times this factor. @default 2 */
    factor: z.number().min(1).max(10).default(2),
    /** No wait is longer than this. @default 120 */
    maxSeconds: z.number().int().min(1).max(3600).default(120),
  })
  .strict()
  .refine((b) => b.maxSeconds >= b.initialSeconds, {
    message: 'maxSeconds must be at least initialSeconds',
    path: ['maxSeconds'],
  });

/** Poll backoff settings. */
export type PollBackoff = z.infer<typeof pollBackoffSchema>;

/** How a drill checks the restored collection. */
export const VERIFICATION_LEVELS = ['standard', 'deep'] as const;

/** Settings of the restore drills. */
export const drillSettingsSchema = z
  .object({
    /** A restore still running after this long is reported TimedOut and cleaned up. @default 60 */
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60),
    /** Backoff between restore-state polls. */
    backoff: pollBackoffSchema.default({ initialSeconds: 5, factor: 2, maxSeconds: 120 }),
    /**
     * `standard`: the collection exists, its schema fingerprint and indexes match, its flushed
     * row count equals the recorded one. `deep` adds: load it, `count(*)`, and search with
     * vectors sampled from it, each of which must find itself as the top hit.
     * @default 'standard'
     */
    verification: z.enum(VERIFICATION_LEVELS).default('standard'),
    /** Accepted difference between recorded and restored row counts, in percent. @default 0 (exact) */
    rowTolerancePercent: z.number().min(0).max(100).default(0),
    /** Vectors sampled by the deep check. @default 3 */
    sampleSize: z.number().int().min(1).max(100).default(3),
    /** Name prefix of drill collections; only collections with it are ever dropped by a drill. @default 'drill' */
    prefix: z
      .string()
      .default('drill')
      .superRefine((prefix, ctx) => {
        const problem = milvusNameProblem(prefix);
        if (problem)
          ctx.addIssue({ code: 'custom', message: `drill prefix '${prefix}' is not usable: ${problem}` });
        if (prefix.length > 40)
          ctx.addIssue({ code: 'custom', message: `drill prefix '${prefix}' is longer than 40 characters` });
      }),
    /** Keep the drill collection after the drill (for debugging); it is then left for the orphan sweep. @default false */
    keepDrillCollection: z.boolean().default(false),
    /** Keep the drill collection when the drill fails, to investigate. @default false */
    keepOnFailure: z.boolean().default(false),
    /** Drill collections older than this are dropped by the orphan sweep. @default 24 */
    orphanMaxAgeHours: z
      .number()
      .min(1)
      .max(24 * 30)
      .default(24),
  })
  .strict();

/** Drill settings, defaults applied. */
export type DrillSettings = z.infer<typeof drillSettingsSchema>;

/** Flush wait settings. */
export const flushSettingsSchema = z
  .object({
    /** Give up on a flush not complete after this long. @default 600 */
    timeoutSeconds: z.number().int().min(10).max(3600).default(600),
    /** Wait between flush-state checks. @default 5 */
    pollSeconds: z.number().int().min(1).max(300).default(5),
  })
  .strict();

/** Flush settings, defaults applied. */
export type FlushSettings = z.infer<typeof flushSettingsSchema>;
