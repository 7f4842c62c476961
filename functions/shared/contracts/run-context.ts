import * as z from 'zod';
import { retentionPolicySchema } from '../retention-policy';
import { runDeploymentSchema } from './deployment';
import { drillSettingsSchema, flushSettingsSchema } from './drill-settings';
import { RUN_MODES } from './runtime-config';

/**
 * How a collection came to be in a run: named in `collections`, matched by a selector, or set
 * aside by a swap (the original a restore renamed to `<name>_replaced_<stamp>`: retention only,
 * under the policy of the collection it was, which is `original`).
 */
export const selectionSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('name') }).strict(),
  z
    .object({
      by: z.literal('selector'),
      /** The selector's position in `selectors` (from 0). */
      selector: z.number().int().nonnegative(),
      /** The selector as a person reads it, e.g. `default.* except tmp_*`. */
      pattern: z.string(),
    })
    .strict(),
  z
    .object({
      by: z.literal('set-aside'),
      /** The collection it was before the swap: its retention policy applies, and it is backed up no more. */
      original: z.string().min(1),
      /** The restore run whose swap set it aside. */
      swapRun: z.string().min(1),
    })
    .strict(),
]);

/** A collection a run works on, as handed to each per-collection step. */
export const collectionTargetSchema = z
  .object({
    database: z.string().min(1),
    collection: z.string().min(1),
    /** Name of its retention policy in `run.policies`. */
    policy: z.string().min(1),
    /** Named or matched (absent in lists stored before selectors). */
    selection: selectionSchema.optional(),
  })
  .strict();

/** A collection a run works on. */
export type CollectionTarget = z.infer<typeof collectionTargetSchema>;

/**
 * Everything a per-collection step needs to know about its run. Built once by the prepare step and
 * handed to every collection (it is small: the collection list travels separately).
 */
export const runContextSchema = z
  .object({
    /** The execution name (unique per state machine). */
    runId: z.string().min(1),
    /** The deployment and the Milvus cluster the run works for and on. */
    deployment: runDeploymentSchema,
    trigger: z.enum(['schedule', 'manual']),
    /** The schedule, when the run belongs to one. */
    schedule: z.string().optional(),
    mode: z.enum(RUN_MODES),
    dryRun: z.boolean(),
    /** When the execution started (ISO 8601). */
    startedAt: z.iso.datetime(),
    /** The schedule slot snapshot names are built from (ISO 8601, whole seconds). */
    slot: z.iso.datetime(),
    /** The name every collection's snapshot of this run gets, e.g. `daily_20261121_030000`. */
    snapshotName: z.string().min(1),
    /** Recorded in each snapshot's marker: the schedule name, or `manual`. */
    markerSchedule: z.string().min(1),
    /** Drill this snapshot instead of the newest managed one. */
    drillSnapshot: z.string().optional(),
    /** What a `restore` run restores, and what it does with the restored collection. */
    restore: z
      .object({
        /** The snapshot to restore. @default the collection's newest verified snapshot */
        snapshot: z.string().min(1).optional(),
        /** The new collection. @default `<collection>_restored_<YYYYMMDD_HHMMSS>` (the run's start, UTC) */
        target: z.string().min(1).optional(),
        /** An alias to point at the restored collection. */
        alias: z.string().min(1).optional(),
        /** Rename the original to `<name>_replaced_<stamp>` and the restored collection to the original's name. */
        swap: z.boolean(),
        /** Drop the restored collection when the restore fails. */
        cleanupOnFailure: z.boolean(),
      })
      .strict()
      .optional(),
    /** Retention policies by name. */
    policies: z.record(z.string(), retentionPolicySchema),
    /** Snapshot names retention never drops, by `database.collection` (only collections that have any). */
    protect: z.record(z.string(), z.array(z.string())).default({}),
    drill: drillSettingsSchema,
    flush: flushSettingsSchema,
  })
  .strict();

/** A run's context. */
export type RunContext = z.infer<typeof runContextSchema>;

/** The input every per-collection step receives: the run, the collection, and what earlier steps added. */
export const collectionStepBaseSchema = z.object({
  run: runContextSchema,
  target: collectionTargetSchema,
});
