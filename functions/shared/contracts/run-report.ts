import * as z from 'zod';
import { SKIP_WHYS } from '../collection-selection';
import { clusterIdentitySchema } from './deployment';
import { selectionSchema } from './run-context';
import { RUN_MODES } from './runtime-config';

/** What the backup of one collection produced. */
export const backupResultSchema = z
  .object({
    snapshotName: z.string(),
    /** The snapshot was already there, made by another run of this deployment (a slot run twice). */
    alreadyExisted: z.boolean(),
    /** The run that made it, when it was already there. */
    madeByRun: z.string().optional(),
    /** Rows in the collection's flushed segments when the snapshot was taken. */
    rowCount: z.number().int().nonnegative(),
    /** Creation time from the snapshot's `create_ts` (ISO 8601). */
    createdAt: z.iso.datetime(),
  })
  .strict();

/** Entries each list of a retention result holds in the state; the complete lists are stored. */
export const RETENTION_LIST_LIMIT = 25;

const namedReasonSchema = z.object({ name: z.string(), reason: z.string() }).strict();

/** What retention decided for one collection, and what Milvus held afterwards. */
export const retentionResultSchema = z
  .object({
    dryRun: z.boolean(),
    /** How many snapshots each list has in full (the lists here stop at {@link RETENTION_LIST_LIMIT}). */
    counts: z
      .object({
        kept: z.number().int().nonnegative(),
        dropped: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        notOurs: z.number().int().nonnegative(),
        vanished: z.number().int().nonnegative(),
        followed: z.number().int().nonnegative().optional(),
      })
      .strict(),
    /** This deployment's snapshots the policy keeps, with every reason. */
    kept: z.array(z.object({ name: z.string(), reasons: z.array(z.string()) }).strict()),
    /** Dropped, and no longer in Milvus (in a dry run: what would be dropped). */
    dropped: z.array(namedReasonSchema),
    /** To drop, but still in Milvus (pinned, or in a drill): the next run tries again. */
    skipped: z.array(namedReasonSchema),
    /** Snapshots of the collection this deployment's ledger does not prove its own: never touched. */
    notOurs: z.array(namedReasonSchema),
    /** This deployment's snapshots that are gone without this run dropping them. */
    vanished: z.array(namedReasonSchema),
    /**
     * This deployment's snapshots whose records this run filed under another collection of a swap,
     * where Milvus keeps them now (in a dry run: would file); absent when there were none.
     */
    followed: z.array(namedReasonSchema).optional(),
    /** Where the complete lists are stored, when one was too long for the state. */
    fullResult: z.string().optional(),
  })
  .strict();

/** What retention decided for one collection. */
export type RetentionResult = z.infer<typeof retentionResultSchema>;

/** Entries each list of a sweep result holds; the counts say how many there were. */
export const SWEEP_LIST_LIMIT = 25;

/** What a drill's orphan sweep did in the drilled collection's database. */
export const sweepResultSchema = z
  .object({
    /** Drill collections of earlier, ended drills of this deployment, dropped. */
    dropped: z.array(z.string()),
    /** Collections left alone: look-alike names this deployment did not create, and unprovable ones. */
    notOurs: z.array(namedReasonSchema),
    /** How many there were of each (the lists stop at {@link SWEEP_LIST_LIMIT}). */
    counts: z
      .object({
        dropped: z.number().int().nonnegative(),
        notOurs: z.number().int().nonnegative(),
        inProgress: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
      })
      .strict(),
    /** Orphans that could not be dropped; the next run tries again. */
    failed: z.array(namedReasonSchema).optional(),
  })
  .strict();

/** Final states of a drill. */
export const DRILL_STATES = ['Completed', 'Failed', 'TimedOut'] as const;

/** One verification check with what was expected and what was found. */
export const drillCheckSchema = z
  .object({
    name: z.string(),
    ok: z.boolean(),
    expected: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    actual: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  })
  .strict();

/** What a restore drill of one collection found. */
export const drillResultSchema = z
  .object({
    snapshotName: z.string(),
    targetCollection: z.string(),
    jobId: z.string(),
    state: z.enum(DRILL_STATES),
    reason: z.string().optional(),
    polls: z.number().int().nonnegative(),
    /** Milvus' own restore time (`time_cost`), when the restore completed. */
    restoreMs: z.number().int().nonnegative(),
    /** From starting the restore to the end of verification, as the workflow saw it. */
    wallMs: z.number().int().nonnegative(),
    expectedRows: z.number().int().nonnegative(),
    restoredRows: z.number().int().nonnegative().nullable(),
    checks: z.array(drillCheckSchema),
    verified: z.boolean(),
    cleanedUp: z.boolean(),
    /**
     * Why the drill collection was kept on purpose (`drill.keepDrillCollection`, or
     * `drill.keepOnFailure` after a drill that did not verify): it is still in Milvus, for a person
     * to look at, until the orphan sweep of a later drill removes it.
     */
    kept: z.string().optional(),
    /** What cleanup says may be left behind, when `cleanedUp` is false. */
    leftBehind: z.array(z.string()).optional(),
    /** What the drill's orphan sweep did before the restore. */
    sweep: sweepResultSchema.optional(),
  })
  .strict();

/** What an operator restore's switch-over did (`$.switchover`): the load, and the alias move or name swap. */
export const switchoverResultSchema = z
  .object({
    /** Still waiting for the restored collection to load; call again after `waitSeconds`. */
    pending: z.boolean(),
    waitSeconds: z.number().int().positive().optional(),
    loadPolls: z.number().int().nonnegative(),
    /** The restored collection is loaded. */
    loaded: z.boolean(),
    /** Everything asked for is in place, checked in Milvus. */
    done: z.boolean(),
    /** The alias now serving the restored collection, and what it served before (null: it is new). */
    alias: z.object({ name: z.string(), from: z.string().nullable(), to: z.string() }).strict().optional(),
    /** The swap: the restored collection took `original`'s name, the original is kept as `replacedAs`. */
    swap: z
      .object({
        original: z.string(),
        replacedAs: z.string(),
        /** Aliases that served the original: Milvus keeps them on it, so they serve `replacedAs` now. */
        aliasesKept: z.array(z.string()).optional(),
        /**
         * The original's snapshots stay this deployment's: their ledger records are filed under
         * `replacedAs`, where Milvus keeps the snapshots after the rename.
         */
        snapshots: z
          .object({
            /** Records now filed under `replacedAs`. */
            followed: z.number().int().nonnegative(),
            /** Records left where they were, and why (at most 25). */
            left: z
              .array(z.object({ snapshotName: z.string(), reason: z.string() }).strict())
              .max(RETENTION_LIST_LIMIT),
            /** Why the records were not moved now: the next retention of either name moves them. */
            deferred: z.string().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** How to go back, in words. */
    undo: z.string().optional(),
  })
  .strict();

/** What a switch-over did. */
export type SwitchoverResult = z.infer<typeof switchoverResultSchema>;

/** What an operator's restore of one collection did: the restore (as a drill reports it) and the switch-over. */
export const restoreResultSchema = drillResultSchema.extend({
  /** Why the restored collection was kept after a failure, or that it is the result. */
  kept: z.string().optional(),
  switchover: switchoverResultSchema.optional(),
});

/** What an operator's restore of one collection did. */
export type RestoreResult = z.infer<typeof restoreResultSchema>;

/** Per-collection outcome. */
export const COLLECTION_STATUSES = ['SUCCEEDED', 'FAILED', 'SKIPPED'] as const;

/** The result of one collection in a run. */
export const collectionResultSchema = z
  .object({
    database: z.string(),
    collection: z.string(),
    status: z.enum(COLLECTION_STATUSES),
    error: z.object({ name: z.string(), message: z.string() }).strict().optional(),
    backup: backupResultSchema.optional(),
    retention: retentionResultSchema.optional(),
    drill: drillResultSchema.optional(),
    /** An operator's restore (mode `restore`). */
    restore: restoreResultSchema.optional(),
    /** Named in `collections`, or matched by a selector (and which). */
    selection: selectionSchema.optional(),
  })
  .strict();

/** The result of one collection in a run. */
export type CollectionResult = z.infer<typeof collectionResultSchema>;

const collectionNameSchema = z.object({ database: z.string(), collection: z.string() }).strict();

/**
 * What a run leaves out, complete, as PrepareRun stores it beside the run's collection list: the
 * collections of the databases looked at that nothing covers, those configured by name that Milvus
 * does not have, and those left out on purpose.
 */
export const storedCoverageSchema = z
  .object({
    /** The databases looked at: those the configuration names or matches, or every one (`coverage.databases`). */
    databases: z.array(z.string()),
    /** Collections of those databases that no entry and no selector covers. */
    unprotected: z.array(collectionNameSchema),
    /** Collections configured by name (or a selector's database) that Milvus does not have. */
    missing: z.array(collectionNameSchema.extend({ reason: z.string() }).strict()),
    /** Left out on purpose: excluded by a selector, a drill collection, an operator restore's new collection. */
    skipped: z.array(collectionNameSchema.extend({ why: z.enum(SKIP_WHYS), reason: z.string() }).strict()),
    /** Why Milvus could not be listed: the run covered only the entries by name, and it FAILED. */
    unresolved: z.string().optional(),
  })
  .strict();

/** Entries each list of the report's coverage holds; the counts say how many there are. */
export const COVERAGE_LIST_LIMIT = 25;

/** The report's coverage: the stored lists cut at {@link COVERAGE_LIST_LIMIT}, with their full counts. */
export const coverageReportSchema = storedCoverageSchema
  .extend({
    counts: z
      .object({
        databases: z.number().int().nonnegative(),
        unprotected: z.number().int().nonnegative(),
        missing: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
      })
      .strict(),
    /** The reports bucket's key of the complete lists, when one was cut. */
    fullCoverage: z.string().optional(),
  })
  .strict();

/** A run report's coverage. */
export type CoverageReport = z.infer<typeof coverageReportSchema>;

/** Current version of the run report schema. Bumped on any incompatible change. */
export const RUN_REPORT_SCHEMA_VERSION = 2;

/**
 * The run report: the SNS message's JSON, the EventBridge event's detail, the S3 object and the
 * local report file all follow this one schema.
 */
export const runReportSchema = z
  .object({
    schemaVersion: z.literal(RUN_REPORT_SCHEMA_VERSION),
    runId: z.string(),
    /** The deployment that ran, and the Milvus cluster it ran on. */
    deployment: z.object({ id: z.string(), cluster: clusterIdentitySchema }).strict(),
    trigger: z.enum(['schedule', 'manual']),
    schedule: z.string().optional(),
    mode: z.enum(RUN_MODES),
    dryRun: z.boolean(),
    status: z.enum(['SUCCEEDED', 'FAILED']),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    /** Counts a person or a dashboard reads first. */
    summary: z
      .object({
        collections: z.number().int().nonnegative(),
        succeeded: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        snapshotsCreated: z.number().int().nonnegative(),
        snapshotsDropped: z.number().int().nonnegative(),
        drillsVerified: z.number().int().nonnegative(),
        drillsFailed: z.number().int().nonnegative(),
        /** Operator restores (mode `restore`) verified and switched over as asked. */
        restoresSucceeded: z.number().int().nonnegative(),
        restoresFailed: z.number().int().nonnegative(),
      })
      .strict(),
    /** Where the complete report is stored (`s3://bucket/key`, or a local path). */
    reportLocation: z.string().optional(),
    /**
     * Collections left out of this copy to fit a message size limit (SNS and EventBridge take
     * 256 KB); failed collections are always kept. The stored report is never shortened.
     */
    omittedCollections: z.number().int().nonnegative().optional(),
    /** What Milvus holds that the run does not back up (every run prepared since selectors exist has it). */
    coverage: coverageReportSchema.optional(),
    collections: z.array(collectionResultSchema),
  })
  .strict();

/** A run report. */
export type RunReport = z.infer<typeof runReportSchema>;
