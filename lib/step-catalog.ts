/**
 * Every Lambda function of the workflow, in one place: the construct creates one function per
 * entry, the state machine invokes them by these names, and the local runner maps task states to
 * handlers with the same table.
 */

/** Access a function needs to the reports bucket, by key prefix (`ReportKeys` in report-store.ts). */
export interface ReportsAccess {
  /** Prefixes it reads (`s3:GetObject`; with `s3:ListBucket`, so a missing key is a 404, not a 403). */
  readonly read: readonly string[];
  /** Prefixes it writes (`s3:PutObject`). */
  readonly write: readonly string[];
  /** Prefixes it deletes from (`s3:DeleteObject`; the bucket is versioned, so history stays). */
  readonly delete?: readonly string[];
}

/** One workflow function. */
export interface StepDefinition<N extends string = StepName> {
  /** The state that invokes it (a second state may invoke it too, see {@link StepDefinition.alsoInvokedBy}). */
  readonly state: N;
  /** Directory under `functions/`; the handler is `functions/<directory>/handler.ts`, export `handler`. */
  readonly directory: string;
  /** Talks to Milvus: gets the Milvus environment, the token secret, the VPC, and the Milvus SDK in its bundle. */
  readonly milvus: boolean;
  /** Its reports bucket access, if any (gets `REPORTS_BUCKET`). */
  readonly reports?: ReportsAccess;
  /** Timeout in seconds when Milvus answers in time; Milvus steps get at least 2 × the Milvus call timeout + 30 s. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Other states that invoke the same function. */
  readonly alsoInvokedBy?: readonly string[];
  /** What it does, for the function's description. */
  readonly description: string;
}

/** Names of the Lambda task states, which are also the functions' construct ids (a contract). */
export const STEP_NAMES = [
  'PrepareRun',
  'Flush',
  'CheckFlush',
  'CreateSnapshot',
  'EnforceRetention',
  'ChooseSnapshot',
  'SweepOrphans',
  'StartRestore',
  'PollRestore',
  'VerifyRestore',
  'SwitchOver',
  'CleanupDrill',
  'RecordDrill',
  'RecordCollectionResult',
  'BuildReport',
] as const;

/** A workflow function's name. */
export type StepName = (typeof STEP_NAMES)[number];

const RUN_RESULTS = 'runs/';
const RUN_REPORTS = 'reports/';
const DRILL_RECORDS = 'drills/';
/** What each deployment created in Milvus (ledger/snapshot-ledger.ts, drill-ledger.ts). */
const LEDGER = 'ledger/';
/** Schedule status records and freshness baselines (`status/<deployment>/…`). */
const SCHEDULE_STATUS = 'status/';

/** The workflow's functions, in the order a run meets them. */
export const STEP_CATALOG: Readonly<Record<StepName, StepDefinition>> = {
  PrepareRun: {
    state: 'PrepareRun',
    directory: 'prepare-run',
    milvus: true,
    // It lists Milvus' databases and collections for the selectors and the coverage, reads the
    // ledger's drill and restore records to leave the tool's own collections out, and stores the
    // run's collection list, which the Map reads (`runs/<runId>/items.json`), and its coverage.
    reports: { read: [LEDGER], write: [RUN_RESULTS] },
    timeoutSeconds: 60,
    memoryMb: 512,
    description: 'Validates the execution input, resolves the selectors against Milvus and plans the run',
  },
  Flush: {
    state: 'Flush',
    directory: 'flush',
    milvus: true,
    timeoutSeconds: 60,
    memoryMb: 512,
    description: "Seals a collection's growing segments before its snapshot",
  },
  CheckFlush: {
    state: 'CheckFlush',
    directory: 'check-flush',
    milvus: true,
    timeoutSeconds: 60,
    memoryMb: 512,
    description: 'Checks once whether the flush is complete',
  },
  CreateSnapshot: {
    state: 'CreateSnapshot',
    directory: 'create-snapshot',
    milvus: true,
    reports: { read: [LEDGER], write: [LEDGER], delete: [LEDGER] },
    timeoutSeconds: 120,
    memoryMb: 512,
    description: "Creates the run's dated snapshot of a collection, with the ownership marker",
  },
  EnforceRetention: {
    state: 'EnforceRetention',
    directory: 'enforce-retention',
    milvus: true,
    // Besides the snapshot records, it files a swap's records (and their drills) where Milvus
    // keeps their snapshots, when a swap's own move did not finish or was undone.
    reports: {
      read: [DRILL_RECORDS, LEDGER],
      write: [DRILL_RECORDS, LEDGER, RUN_RESULTS],
      delete: [DRILL_RECORDS, LEDGER],
    },
    timeoutSeconds: 300,
    memoryMb: 512,
    description: "Applies the collection's retention policy to the snapshots this tool made",
  },
  ChooseSnapshot: {
    state: 'ChooseSnapshot',
    directory: 'choose-snapshot',
    milvus: true,
    // It holds the snapshot it picks (the drill's or restore's ledger record, written before its
    // answer names it) and sets aside an ended restore's record of a target name that is free again.
    reports: { read: [LEDGER], write: [LEDGER], delete: [LEDGER] },
    timeoutSeconds: 120,
    memoryMb: 512,
    description: 'Picks the snapshot a restore drill restores, and holds it against retention',
  },
  SweepOrphans: {
    state: 'SweepOrphans',
    directory: 'sweep-orphans',
    milvus: true,
    reports: { read: [LEDGER], write: [], delete: [LEDGER] },
    timeoutSeconds: 300,
    memoryMb: 512,
    description: 'Drops drill collections left behind by earlier drills',
  },
  StartRestore: {
    state: 'StartRestore',
    directory: 'start-restore',
    milvus: true,
    reports: { read: [LEDGER], write: [LEDGER] },
    timeoutSeconds: 120,
    memoryMb: 512,
    description: 'Records the drill collection in the ledger and starts the restore into it',
  },
  PollRestore: {
    state: 'PollRestore',
    directory: 'poll-restore',
    milvus: true,
    timeoutSeconds: 60,
    memoryMb: 512,
    description: 'Reads the restore job state once and decides the next wait',
  },
  VerifyRestore: {
    state: 'VerifyRestore',
    directory: 'verify-restore',
    milvus: true,
    timeoutSeconds: 300,
    memoryMb: 1024,
    alsoInvokedBy: ['ContinueDeepCheck'],
    description: 'Checks the restored collection against what the snapshot recorded',
  },
  SwitchOver: {
    state: 'SwitchOver',
    directory: 'switch-over',
    milvus: true,
    // A swap records itself and files the original's snapshot records (and their drills) under the
    // name the original was set aside under: copied, then removed where they were.
    reports: {
      read: [DRILL_RECORDS, LEDGER],
      write: [DRILL_RECORDS, LEDGER],
      delete: [DRILL_RECORDS, LEDGER],
    },
    timeoutSeconds: 120,
    memoryMb: 512,
    description: "Loads an operator restore's collection, then moves the alias or swaps names",
  },
  CleanupDrill: {
    state: 'CleanupDrill',
    directory: 'cleanup-drill',
    milvus: true,
    reports: { read: [LEDGER], write: [LEDGER], delete: [LEDGER] },
    timeoutSeconds: 120,
    memoryMb: 512,
    description: 'Drops the drill collection and releases the pin, whatever happened',
  },
  RecordDrill: {
    state: 'RecordDrill',
    directory: 'record-drill',
    milvus: false,
    reports: { read: [DRILL_RECORDS], write: [DRILL_RECORDS] },
    timeoutSeconds: 30,
    memoryMb: 256,
    description: "Records the drill's result and the newest verified snapshot",
  },
  RecordCollectionResult: {
    state: 'RecordCollectionResult',
    directory: 'record-collection-result',
    milvus: false,
    reports: { read: [], write: [RUN_RESULTS] },
    timeoutSeconds: 30,
    memoryMb: 256,
    description: "Stores one collection's result for the run report",
  },
  BuildReport: {
    state: 'BuildReport',
    directory: 'build-report',
    milvus: false,
    reports: {
      read: [RUN_RESULTS, SCHEDULE_STATUS],
      write: [RUN_REPORTS, SCHEDULE_STATUS, LEDGER],
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
    description: "Assembles, stores and formats the run report; records a schedule's newest success",
  },
};

/**
 * The function beside the workflow: started every {@link FRESHNESS_CHECK_MINUTES} minutes by a
 * rule (not by the state machine), it publishes how long ago each schedule last succeeded.
 */
export const FRESHNESS_CHECK: StepDefinition<'CheckFreshness'> = {
  state: 'CheckFreshness',
  directory: 'check-freshness',
  milvus: false,
  reports: { read: [SCHEDULE_STATUS], write: [SCHEDULE_STATUS] },
  timeoutSeconds: 60,
  memoryMb: 256,
  description: "Publishes the hours since each schedule's newest successful run",
};

/** How often the freshness check runs, and the period of the freshness alarms. */
export const FRESHNESS_CHECK_MINUTES = 15;

/** Lambda's longest timeout. */
const MAX_TIMEOUT_SECONDS = 900;

/**
 * A function's timeout: its catalog value, and for a Milvus step at least two Milvus calls' worth
 * of the configured call timeout plus 30 s, so a slow Milvus fails as a typed, retried error
 * rather than as a Lambda timeout.
 */
export function stepTimeoutSeconds(step: StepDefinition<string>, milvusTimeoutMs: number): number {
  const floor = step.milvus ? Math.ceil((2 * milvusTimeoutMs) / 1000) + 30 : 0;
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(step.timeoutSeconds, floor));
}

/** A value for every step, e.g. `forEachStep((name) => STEP_CATALOG[name].milvus)`. */
export function forEachStep<T>(value: (name: StepName) => T): Record<StepName, T> {
  const out: Partial<Record<StepName, T>> = {};
  for (const name of STEP_NAMES) out[name] = value(name);
  return out as Record<StepName, T>;
}
