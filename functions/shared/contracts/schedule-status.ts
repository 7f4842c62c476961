import * as z from 'zod';
import { deploymentIdSchema } from './deployment';

/**
 * The newest successful, non-dry run of one schedule of one deployment, as BuildReport records it
 * (`status/<deployment>/schedules/<schedule>.json`). The freshness check reads this one small
 * document instead of listing a year of reports.
 */
export const scheduleStatusSchema = z
  .object({
    schemaVersion: z.literal(1),
    deploymentId: deploymentIdSchema,
    schedule: z.string().min(1),
    lastSuccess: z
      .object({
        runId: z.string().min(1),
        mode: z.string().min(1),
        startedAt: z.iso.datetime(),
        /** When the run's report was assembled: the snapshots it made exist from then on. */
        finishedAt: z.iso.datetime(),
      })
      .strict(),
  })
  .strict();

/** A schedule's status record. */
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;

/**
 * When the freshness check first looked at a schedule that had no successful run yet
 * (`status/<deployment>/baselines/<schedule>.json`): the time since is measured from here, so a
 * new schedule is not stale on its first day, and one that never succeeds still goes stale.
 */
export const freshnessBaselineSchema = z
  .object({
    schemaVersion: z.literal(1),
    deploymentId: deploymentIdSchema,
    schedule: z.string().min(1),
    since: z.iso.datetime(),
  })
  .strict();

/** A schedule's freshness baseline. */
export type FreshnessBaseline = z.infer<typeof freshnessBaselineSchema>;
