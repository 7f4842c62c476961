import { z } from 'zod';
import { RUN_MODES } from './runtime-config';

/**
 * What starts a run: a schedule's input, or what an operator types in the Step Functions console.
 * Every key is optional; defaults come from the configuration. Unknown keys are refused, so a typo
 * (`"colections"`) fails the run at once instead of silently running on everything.
 */
export const executionInputSchema = z
  .object({
    /** A configured schedule to run (its mode, prefix and collections). Set by EventBridge Scheduler. */
    schedule: z.string().min(1).optional(),
    /** `backup`, `drill` or `full`. @default the schedule's mode, else `backup` */
    mode: z.enum(RUN_MODES).optional(),
    /** Only these collections: `database.collection`, or `collection` in `default`. @default all */
    collections: z.array(z.string().min(1)).min(1).optional(),
    /** Change nothing: no flush, snapshot, drop or drill; report what retention would do. @default false */
    dryRun: z.boolean().optional(),
    /** Drill this snapshot (by name) instead of the newest one. */
    snapshot: z.string().min(1).optional(),
    /**
     * The schedule slot (ISO 8601). Snapshot names are built from it, so a retried or repeated
     * slot gives the same names. @default the execution's start time
     */
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Execution input as given. */
export type ExecutionInput = z.infer<typeof executionInputSchema>;
