import { formatTable } from '../cli/format/text-table';
import type {
  CollectionResult,
  RetentionResult,
  RunReport,
  SwitchoverResult,
} from '../functions/shared/contracts/run-report';
import { retentionSummary } from '../functions/shared/reports/retention-summary';
import type { MapRunEvent } from './distributed-map';
import { MAX_HISTORY_EVENTS } from './history-events';
import { type LocalRunEvent, lambdaCauseMessage, RUN_INTERRUPTED_ERROR, type RunEvent } from './run-local';
import { MAX_PAYLOAD_BYTES } from './strict-execution';

/** The part of a per-collection step's output the progress lines read. */
interface CollectionState {
  readonly target?: { readonly database?: string; readonly collection?: string };
  readonly flush?: { readonly segmentIds?: readonly string[] };
  readonly flushState?: { readonly flushed?: boolean; readonly waitedSeconds?: number };
  readonly backup?: {
    readonly snapshotName?: string;
    readonly rowCount?: number;
    readonly alreadyExisted?: boolean;
  };
  readonly retention?: RetentionResult;
  readonly drillSource?: { readonly snapshotName?: string; readonly contents?: { readonly rows?: number } };
  readonly orphans?: { readonly dropped?: readonly string[] };
  readonly restore?: { readonly targetCollection?: string; readonly resumed?: boolean };
  readonly poll?: {
    readonly state?: string;
    readonly progress?: number;
    readonly decision?: string;
    readonly waitSeconds?: number;
    readonly reason?: string;
  };
  readonly verification?: {
    readonly checks?: ReadonlyArray<{ readonly ok?: boolean; readonly name?: string }>;
    readonly deepPending?: boolean;
    readonly verified?: boolean;
  };
  readonly cleanup?: {
    readonly cleanedUp?: boolean;
    readonly problems?: readonly string[];
    readonly keptReason?: string;
  };
  readonly switchover?: SwitchoverResult;
  readonly run?: { readonly mode?: string };
  readonly status?: string;
  readonly database?: string;
  readonly collection?: string;
}

/** What each step's line says, from the collection's state after the step. */
const STEP_LINES: Record<string, (s: CollectionState) => string | undefined> = {
  Flush: (s) => `flush requested (${s.flush?.segmentIds?.length ?? 0} segment(s) sealed)`,
  CheckFlush: (s) =>
    s.flushState?.flushed ? 'flushed' : `flush not complete yet (${s.flushState?.waitedSeconds ?? 0} s)`,
  CreateSnapshot: (s) =>
    `snapshot ${s.backup?.snapshotName} (${s.backup?.rowCount} rows${s.backup?.alreadyExisted ? ', already there' : ''})`,
  EnforceRetention: (s) => (s.retention?.counts ? `retention: ${retentionSummary(s.retention)}` : undefined),
  ChooseSnapshot: (s) =>
    `${restoring(s) ? 'restore' : 'drill'} of ${s.drillSource?.snapshotName} (${s.drillSource?.contents?.rows} rows expected)`,
  SweepOrphans: (s) =>
    s.orphans?.dropped?.length
      ? `dropped orphan drill collection(s): ${s.orphans.dropped.join(', ')}`
      : undefined,
  StartRestore: (s) =>
    `${s.restore?.resumed ? 'resumed' : 'started'} restore into ${s.restore?.targetCollection}`,
  PollRestore: (s) => {
    const p = s.poll;
    const next = p?.decision === 'wait' ? `, next poll in ${p.waitSeconds} s` : '';
    const why = p?.reason && p.decision !== 'wait' && p.decision !== 'completed' ? `: ${p.reason}` : '';
    return `restore ${String(p?.state).replace('RestoreSnapshot', '')} ${p?.progress ?? 0}% → ${p?.decision}${next}${why}`;
  },
  VerifyRestore: verificationLine,
  ContinueDeepCheck: verificationLine,
  CleanupDrill: (s) =>
    s.cleanup?.cleanedUp
      ? s.cleanup.keptReason
        ? `kept the ${restoring(s) ? 'restored' : 'drill'} collection (${s.cleanup.keptReason})`
        : 'cleaned up'
      : `cleanup incomplete: ${(s.cleanup?.problems ?? []).join('; ')}`,
  SwitchOver: (s) => {
    const o = s.switchover;
    if (!o || o.pending) return undefined;
    const moved = o.alias ? `, alias ${o.alias.name} → ${o.alias.to}` : '';
    const swapped = o.swap ? `, swapped: ${o.swap.original} kept as ${o.swap.replacedAs}` : '';
    return `${o.loaded ? 'loaded' : 'not loaded'}${moved}${swapped}${o.done ? '' : ' (not done)'}`;
  },
  RecordCollectionResult: (s) => `→ ${s.status}`,
};

/** Whether the collection's state is an operator's restore (the drill's steps do the work). */
function restoring(s: CollectionState): boolean {
  return s.run?.mode === 'restore';
}

function verificationLine(s: CollectionState): string {
  const v = s.verification;
  if (v?.deepPending) return 'loading the restored collection for the deep check';
  const checks = v?.checks ?? [];
  const failed = checks.filter((c) => !c.ok).map((c) => c.name);
  return `verification: ${checks.length - failed.length}/${checks.length} checks passed${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`;
}

/**
 * One progress line for an event of the execution, or `undefined` for events a person does not
 * need to see (waits, choices, bookkeeping).
 */
export function progressLine(event: LocalRunEvent, elapsedMs: number): string | undefined {
  const time = `${(elapsedMs / 1000).toFixed(1).padStart(6)}s`;
  if (isMapRunEvent(event)) return `${time}  ${mapRunLine(event)}`;
  if (!('state' in event)) return undefined;
  return stepLine(event as RunEvent, time);
}

function stepLine(event: RunEvent, time: string): string | undefined {
  if (!('state' in event)) return undefined;
  const output = ('output' in event.state ? event.state.output : undefined) as CollectionState | undefined;
  const input = event.state.input as CollectionState | undefined;
  const target = input?.target ?? output?.target;
  const who = target?.database
    ? `${target.database}.${target.collection}`
    : output?.database
      ? `${output.database}.${output.collection}`
      : '';
  const name = event.state.name;

  // A caught failure exits the state with the Catch's output: the ✗ line has said it already.
  if (event.type === 'StateExited' && caughtHere(input, output)) return undefined;
  // The run's own Fail state repeats the report's subject (its Cause) as its error: the `report:`
  // line has said it, and the summary and the exit code follow.
  if (event.type === 'StateFailed' && name === RUN_FAILED_STATE && !who) return undefined;
  if (event.type === 'StateFailed') {
    const cause = lambdaCauseMessage(String(event.Cause ?? ''));
    return `${time}  ${who.padEnd(32)} ${name} ✗ ${event.Error}: ${cause}`;
  }
  if (event.type === 'StateRetried') return `${time}  ${who.padEnd(32)} ${name} ↻ retrying`;
  if (event.type !== 'StateExited') return undefined;
  if (name === 'PrepareRun') {
    const prepared = output as
      | { collections?: { count?: number }; run?: { mode?: string; dryRun?: boolean; snapshotName?: string } }
      | undefined;
    const run = prepared?.run;
    const planned = `${time}  planned a ${run?.mode}${run?.dryRun ? ' dry' : ''} run of ${prepared?.collections?.count ?? 0} collection(s)`;
    // Only a run that takes snapshots names them; a drill or a restore uses existing ones, and a
    // dry run takes none.
    return (run?.mode === 'backup' || run?.mode === 'full') && !run.dryRun
      ? `${planned}, snapshot name ${run.snapshotName}`
      : planned;
  }
  if (name === 'BuildReport') {
    const subject = (output as { published?: { subject?: string } } | undefined)?.published?.subject;
    return `${time}  report: ${subject}`;
  }
  const line = STEP_LINES[name]?.(output ?? {});
  return line === undefined ? undefined : `${time}  ${who.padEnd(32)} ${line}`;
}

/**
 * The run's Fail state, `RunState.RunFailed` of run-definition.ts (not imported: it loads the AWS
 * CDK, which a local run keeps out of its process).
 */
export const RUN_FAILED_STATE = 'RunFailed';

/** Where the definition's Catches put a caught error (ResultPath). */
const CATCH_PATHS = ['error', 'drillError', 'cleanupError', 'recordDrillError', 'recordError'] as const;

/** Whether the state's output carries an error its input did not: the state failed and was caught. */
function caughtHere(input: unknown, output: unknown): boolean {
  const before = (input ?? {}) as Record<string, unknown>;
  const after = (output ?? {}) as Record<string, unknown>;
  return CATCH_PATHS.some((key) => after[key] !== undefined && before[key] === undefined);
}

/**
 * The run's outcome in one line: `SUCCEEDED: 3 succeeded, 0 failed, 0 skipped; 3 snapshot(s)
 * created, 0 dropped, 3 drill(s) verified, 0 failed` (a dry run says what it would drop).
 */
export function runSummaryLine(report: RunReport): string {
  const { summary } = report;
  const wouldDrop = report.collections.reduce((n, c) => n + (c.retention?.counts.dropped ?? 0), 0);
  const dropped = report.dryRun ? `${wouldDrop} would be dropped` : `${summary.snapshotsDropped} dropped`;
  return (
    `${report.status}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped; ` +
    `${summary.snapshotsCreated} snapshot(s) created, ${dropped}, ` +
    (report.mode === 'restore'
      ? `${summary.restoresSucceeded} restore(s) verified, ${summary.restoresFailed} failed`
      : `${summary.drillsVerified} drill(s) verified, ${summary.drillsFailed} failed`)
  );
}

/** The run's summary: one row per collection. */
export function summaryTable(report: RunReport): string {
  const rows = report.collections.map((c) => {
    const retention = c.retention ? retentionSummary(c.retention) : '-';
    const drill = c.drill ? drillSummary(c.drill, interrupted(c)) : '-';
    const used = c.drill ?? c.restore;
    return [
      `${c.database}.${c.collection}`,
      c.status,
      // A drill or a restore takes no snapshot: show the one it used; retention alone, what it kept.
      c.backup
        ? `${c.backup.snapshotName}${c.backup.alreadyExisted ? ' (existed)' : ''}`
        : used?.snapshotName || keptNames(c) || '-',
      c.backup ? String(c.backup.rowCount) : used?.snapshotName ? String(used.expectedRows) : '-',
      retention,
      c.restore ? restoreSummary(c.restore, interrupted(c)) : drill,
      c.error ? `${c.error.name}: ${c.error.message}` : '',
    ];
  });
  const columns = [
    { header: 'collection' },
    { header: 'status' },
    { header: 'snapshot' },
    { header: 'rows', alignRight: true },
    { header: 'retention' },
    { header: report.mode === 'restore' ? 'restore' : 'drill' },
    { header: 'error' },
  ];
  // The error column only when something failed: it is the widest and usually empty.
  const anyError = report.collections.some((c) => c.error);
  return anyError
    ? formatTable(columns, rows)
    : formatTable(
        columns.slice(0, -1),
        rows.map((r) => r.slice(0, -1)),
      );
}

/** The snapshots a retention-only run kept, for its table: `kept: a, b +3`. */
function keptNames(c: CollectionResult): string | undefined {
  const kept = c.retention?.kept ?? [];
  if (kept.length === 0) return undefined;
  const more = (c.retention?.counts.kept ?? kept.length) - 2;
  return `kept: ${kept
    .slice(0, 2)
    .map((k) => k.name)
    .join(', ')}${more > 0 ? ` +${more}` : ''}`;
}

/** Whether Ctrl-C stopped the collection's work (its error is the interruption). */
function interrupted(c: CollectionResult): boolean {
  return c.error?.name === RUN_INTERRUPTED_ERROR;
}

/** `k/n checks`: how many of the checks that ran passed. */
function checkCount(d: { readonly checks: ReadonlyArray<{ readonly ok: boolean }> }): string {
  return `${d.checks.filter((k) => k.ok).length}/${d.checks.length} checks`;
}

/**
 * A drill's cell, in the report's terms: `verified in 30.0 s, 5/5 checks`, `Completed in 30.0 s,
 * 4/5 checks`, `restore Failed, not verified, cleaned up`, `interrupted before verification,
 * cleaned up`, `not started` (the error column says why); checks are counted only when some ran.
 */
function drillSummary(d: NonNullable<CollectionResult['drill']>, stopped: boolean): string {
  // A drill that did not verify says what became of its collection: the question after a failure.
  const cleanup = d.kept
    ? ', kept'
    : !d.cleanedUp
      ? ', NOT cleaned up'
      : d.verified || !d.jobId
        ? ''
        : ', cleaned up';
  return `${drillOutcome(d, stopped)}${cleanup}`;
}

function drillOutcome(d: NonNullable<CollectionResult['drill']>, stopped: boolean): string {
  const ran = d.checks.length > 0;
  if (!d.jobId) return stopped ? 'interrupted before the restore started' : 'not started';
  const timed = d.state === 'Completed' ? ` in ${(d.restoreMs / 1000).toFixed(1)} s` : '';
  if (d.verified) return `verified${timed}, ${checkCount(d)}`;
  if (stopped)
    return ran ? `interrupted during verification, ${checkCount(d)}` : 'interrupted before verification';
  return ran ? `${d.state}${timed}, ${checkCount(d)}` : `restore ${d.state}, not verified`;
}

function restoreSummary(r: NonNullable<CollectionResult['restore']>, stopped: boolean): string {
  // One that did not verify says whether its collection is still there, as for a drill.
  const left =
    r.verified || !r.jobId ? '' : r.kept ? ', kept' : r.cleanedUp ? ', cleaned up' : ', NOT cleaned up';
  return `${restoreOutcome(r, stopped)}${left}${switchedOver(r)}`;
}

function restoreOutcome(r: NonNullable<CollectionResult['restore']>, stopped: boolean): string {
  const ran = r.checks.length > 0;
  if (!r.jobId) return stopped ? 'interrupted before the restore started' : 'not started';
  const into = `into ${r.targetCollection}`;
  if (r.verified) return `restored ${into}, ${checkCount(r)}`;
  if (stopped) {
    return ran
      ? `interrupted during verification, ${into}, ${checkCount(r)}`
      : `interrupted before verification, ${into}`;
  }
  return `${r.state} ${into}, ${ran ? checkCount(r) : 'not verified'}`;
}

function switchedOver(r: NonNullable<CollectionResult['restore']>): string {
  const o = r.switchover;
  if (o?.alias) return `, alias ${o.alias.name} moved`;
  return o?.swap ? `, swapped (original kept as ${o.swap.replacedAs})` : '';
}

function isMapRunEvent(event: LocalRunEvent): event is MapRunEvent {
  return typeof event.type === 'string' && event.type.startsWith('MapRun');
}

/**
 * A Map Run's child executions as the console's Map Run page counts them:
 * `Map Run Collections: 10 running, 420 succeeded, 1 failed, 9,569 pending (of 10,000)`.
 */
export function mapRunLine(event: MapRunEvent): string {
  const c = event.counts;
  const n = (v: number) => v.toLocaleString('en-US');
  const parts = [
    ...(c.running > 0 || event.type === 'MapRunChanged' ? [`${n(c.running)} running`] : []),
    `${n(c.succeeded)} succeeded`,
    `${n(c.failed)} failed`,
    ...(c.aborted > 0 ? [`${n(c.aborted)} aborted`] : []),
    ...(c.pending > 0 ? [`${n(c.pending)} pending`] : []),
  ];
  const verb =
    event.type === 'MapRunStarted'
      ? 'started'
      : event.type === 'MapRunSucceeded'
        ? 'succeeded'
        : event.type === 'MapRunFailed'
          ? 'FAILED'
          : '';
  return `Map Run ${event.state.name}${verb ? ` ${verb}` : ''}: ${parts.join(', ')} (of ${n(c.total)} child executions)`;
}

/**
 * Which events a person sees: every Map Run start and end, its counts at most every
 * `intervalMs`, and the collections' step lines only for runs of up to `detailUpTo` collections
 * (or always, with `verbose`): ten thousand collections make a hundred thousand lines.
 */
export class ProgressFilter {
  private lastCounts = 0;
  private detailed = true;

  public constructor(
    private readonly options: {
      readonly verbose: boolean;
      readonly detailUpTo?: number;
      readonly intervalMs?: number;
    },
  ) {}

  public shows(event: LocalRunEvent, nowMs: number): boolean {
    if (isMapRunEvent(event)) {
      if (event.type === 'MapRunStarted') {
        this.detailed = this.options.verbose || event.counts.total <= (this.options.detailUpTo ?? 50);
        this.lastCounts = nowMs;
        return true;
      }
      if (event.type !== 'MapRunChanged') return true;
      if (this.detailed || nowMs - this.lastCounts < (this.options.intervalMs ?? 2000)) return false;
      this.lastCounts = nowMs;
      return true;
    }
    return this.detailed || !('index' in event);
  }
}

/** `--verbose`: the largest payload and the longest history of the run, against their quotas. */
export function quotaLines(result: {
  readonly largestPayload?: { bytes: number; state: string; kind: string; execution: string };
  readonly longestHistory?: { execution: string; events: number };
}): string[] {
  const lines: string[] = [];
  const p = result.largestPayload;
  if (p) {
    lines.push(
      `Largest payload: ${p.bytes.toLocaleString('en-US')} bytes (${p.state} ${p.kind}, execution ${p.execution}), ${((p.bytes / MAX_PAYLOAD_BYTES) * 100).toFixed(0)} % of the ${MAX_PAYLOAD_BYTES.toLocaleString('en-US')}-byte quota`,
    );
  }
  const h = result.longestHistory;
  if (h) {
    lines.push(
      `Longest history: ${h.events.toLocaleString('en-US')} events (execution ${h.execution}), of ${MAX_HISTORY_EVENTS.toLocaleString('en-US')}`,
    );
  }
  return lines;
}
