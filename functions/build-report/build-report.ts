import * as z from 'zod';
import { storedItemsSchema } from '../prepare-run/prepare-run';
import { caughtErrorSchema, errorOf } from '../record-collection-result/record-collection-result';
import {
  type CollectionTarget,
  collectionTargetSchema,
  type RunContext,
  runContextSchema,
} from '../shared/contracts/run-context';
import {
  COVERAGE_LIST_LIMIT,
  type CollectionResult,
  type CoverageReport,
  collectionResultSchema,
  type RestoreResult,
  RUN_REPORT_SCHEMA_VERSION,
  type RunReport,
  runReportSchema,
  storedCoverageSchema,
} from '../shared/contracts/run-report';
import { DrillLedger } from '../shared/ledger/drill-ledger';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { retentionSummary } from '../shared/reports/retention-summary';
import { describeIssues } from '../shared/validation';

/**
 * What a Distributed Map with a ResultWriter returns: its Map Run and where the results are (the
 * manifest, which lists the result files by status).
 */
export const mapRunOutputSchema = z
  .object({
    MapRunArn: z.string(),
    ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string().min(1) }).loose(),
  })
  .loose();

/** The manifest a ResultWriter writes next to the result files. */
export const mapRunManifestSchema = z
  .object({
    DestinationBucket: z.string().optional(),
    MapRunArn: z.string().optional(),
    ResultFiles: z
      .object({
        FAILED: z.array(z.object({ Key: z.string().min(1) }).loose()).default([]),
        PENDING: z.array(z.object({ Key: z.string().min(1) }).loose()).default([]),
        SUCCEEDED: z.array(z.object({ Key: z.string().min(1) }).loose()).default([]),
      })
      .loose(),
  })
  .loose();

/**
 * One failed child execution as a result file lists it: the execution's metadata (`Error`,
 * `Cause`, the `Input` as a JSON string…), not a collection result. With
 * `ToleratedFailurePercentage: 100` a child that fails outright (States.DataLimitExceeded,
 * States.Runtime: no Catch catches them) ends up here and the run goes on.
 */
export const failedChildSchema = z
  .object({
    Name: z.string().optional(),
    ExecutionArn: z.string().optional(),
    Status: z.string().optional(),
    Error: z.string().optional(),
    Cause: z.string().optional(),
    Input: z.string().optional(),
  })
  .loose();

/**
 * Input of BuildReport: the state after the Map — the run, where its collection list is stored,
 * and the Map Run's output (or the error that stopped the Map).
 */
export const buildReportInputSchema = z.object({
  run: runContextSchema,
  collections: storedItemsSchema,
  /** The Map's output: where the ResultWriter put the children's results. */
  map: mapRunOutputSchema.optional(),
  /** Set when the Map itself failed; collections without a stored result are then reported with it. */
  mapError: caughtErrorSchema.optional(),
});

/** BuildReport's input. */
export type BuildReportInput = z.infer<typeof buildReportInputSchema>;

/** What BuildReport returns: what the SNS and EventBridge tasks publish, and how the run ends. */
export interface PublishedReport {
  readonly status: RunReport['status'];
  readonly mode: RunReport['mode'];
  /** SNS subject: `[OK]`/`[FAILED]`, schedule, mode, counts; ASCII, at most 99 characters. */
  readonly subject: string;
  /** SNS message: a summary a person reads, then the report's JSON. */
  readonly message: string;
  /** EventBridge detail: the report (shortened to fit, see `omittedCollections`). */
  readonly event: RunReport;
}

/** What BuildReport needs. */
export interface BuildReportDependencies {
  readonly store: ReportStore;
  readonly now: () => Date;
}

/** SNS subjects must be shorter than 100 characters. */
export const MAX_SUBJECT_LENGTH = 99;

/**
 * Budget for the whole result, serialised: it becomes the state the SNS and EventBridge tasks read,
 * and a state may hold 256 KB (262,144 bytes). The message and the event each stay well under the
 * 256 KB SNS and EventBridge limits because together they fit in this.
 */
export const MAX_PUBLISHED_BYTES = 240_000;

/** Stored results read at once. */
const READ_CONCURRENCY = 16;

/** The run's stored collection list, or the Map Run's results, could not be read as written. */
export class RunRecordsUnreadableError extends Error {
  public override readonly name = 'RunRecordsUnreadableError';
}

/**
 * Assembles the run report from the collection results the Map's children stored, stores the
 * complete report, and returns the notification copies. Every collection of the run's list is in
 * the report: one whose child execution failed outright is FAILED with that execution's error (from
 * the Map Run's result files); one with no stored result and no failed child (the Map stopped, or
 * the child never ran) is FAILED too, with the Map's error when there is one.
 *
 * @throws RunRecordsUnreadableError when the collection list or a result file is missing or malformed
 */
export async function buildReport(
  input: BuildReportInput,
  deps: BuildReportDependencies,
): Promise<{
  readonly report: RunReport;
  readonly location: string;
  readonly published: PublishedReport;
}> {
  const { run } = input;
  const items = await readItems(input.collections.key, deps.store);
  const failedChildren = input.map ? await readFailedChildren(input.map, deps.store) : new Map();
  const collections: CollectionResult[] = [];
  for (let i = 0; i < items.length; i += READ_CONCURRENCY) {
    const batch = items.slice(i, i + READ_CONCURRENCY);
    const stored = await Promise.all(
      batch.map((item) =>
        deps.store.getJson(ReportKeys.collectionResult(run.runId, item.database, item.collection)),
      ),
    );
    batch.forEach((item, j) => {
      const child = failedChildren.get(`${item.database}.${item.collection}`);
      const parsed = collectionResultSchema.safeParse(stored[j]);
      const result = child
        ? failedChildResult(item, child)
        : parsed.success
          ? parsed.data
          : missingResult(item, input.mapError);
      collections.push(item.selection ? { ...result, selection: item.selection } : result);
    });
  }

  const coverageKey = ReportKeys.runCoverage(run.runId);
  const coverage = await readCoverage(coverageKey, deps.store);
  const finishedAt = deps.now();
  const report = assembleReport(
    run,
    collections,
    finishedAt,
    coverage && boundedCoverage(coverage, coverageKey),
  );
  const location = await deps.store.putJson(ReportKeys.runReport(run.runId, new Date(run.startedAt)), report);
  // From now on no drill of this run is running: a later run's sweep may remove what it left.
  await new DrillLedger(deps.store, recordScopeOf(run)).recordRunEnded(run.runId, finishedAt);
  return { report, location, published: publishedReport(report, location) };
}

/** The run's coverage as PrepareRun stored it; undefined for a run prepared before selectors. */
async function readCoverage(
  key: string,
  store: Pick<ReportStore, 'getJson'>,
): Promise<z.infer<typeof storedCoverageSchema> | undefined> {
  const raw = await store.getJson(key);
  if (raw === undefined) return undefined;
  const parsed = storedCoverageSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new RunRecordsUnreadableError(
    `the run's coverage (${key}) is not what PrepareRun writes: ${describeIssues(parsed.error.issues)}`,
  );
}

/**
 * The report's coverage: each list cut at {@link COVERAGE_LIST_LIMIT} with its full count, so a
 * Milvus of many thousand collections nothing covers still gives a report that fits in the state.
 */
export function boundedCoverage(coverage: z.infer<typeof storedCoverageSchema>, key: string): CoverageReport {
  const cut = <T>(list: readonly T[]) => list.slice(0, COVERAGE_LIST_LIMIT);
  const lists = [coverage.databases, coverage.unprotected, coverage.missing, coverage.skipped];
  return {
    databases: cut(coverage.databases),
    unprotected: cut(coverage.unprotected),
    missing: cut(coverage.missing),
    skipped: cut(coverage.skipped),
    counts: {
      databases: coverage.databases.length,
      unprotected: coverage.unprotected.length,
      missing: coverage.missing.length,
      skipped: coverage.skipped.length,
    },
    ...(lists.some((l) => l.length > COVERAGE_LIST_LIMIT) && { fullCoverage: key }),
    ...(coverage.unresolved !== undefined && { unresolved: coverage.unresolved }),
  };
}

async function readItems(key: string, store: Pick<ReportStore, 'getJson'>): Promise<CollectionTarget[]> {
  const raw = await store.getJson(key);
  const parsed = z.array(collectionTargetSchema).safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new RunRecordsUnreadableError(
    raw === undefined
      ? `the run's collection list is missing (${key})`
      : `the run's collection list (${key}) is not a list of collections: ${describeIssues(parsed.error.issues)}`,
  );
}

/** The failed child executions the Map Run's result files list, by `database.collection`. */
async function readFailedChildren(
  map: z.infer<typeof mapRunOutputSchema>,
  store: Pick<ReportStore, 'getJson'>,
): Promise<Map<string, z.infer<typeof failedChildSchema>>> {
  const manifestKey = map.ResultWriterDetails.Key;
  const manifest = mapRunManifestSchema.safeParse(await store.getJson(manifestKey));
  if (!manifest.success) {
    throw new RunRecordsUnreadableError(
      `the Map Run's manifest (${manifestKey}) is missing or malformed: ${describeIssues(manifest.error.issues)}`,
    );
  }
  const failed = new Map<string, z.infer<typeof failedChildSchema>>();
  for (const file of manifest.data.ResultFiles.FAILED) {
    const entries = z.array(failedChildSchema).safeParse(await store.getJson(file.Key));
    if (!entries.success) {
      throw new RunRecordsUnreadableError(`the Map Run's result file ${file.Key} is missing or malformed`);
    }
    for (const entry of entries.data) {
      const target = targetOf(entry);
      // A child whose input names no collection cannot be placed; its collection then shows as
      // missing a result, which is FAILED all the same.
      if (target) failed.set(`${target.database}.${target.collection}`, entry);
    }
  }
  return failed;
}

/** The collection a child execution worked on, from its input (`{ run, target }`, as a JSON string). */
function targetOf(
  child: z.infer<typeof failedChildSchema>,
): { database: string; collection: string } | undefined {
  if (child.Input === undefined) return undefined;
  try {
    const parsed = z
      .object({ target: z.object({ database: z.string(), collection: z.string() }).loose() })
      .loose()
      .safeParse(JSON.parse(child.Input));
    return parsed.success ? parsed.data.target : undefined;
  } catch {
    return undefined;
  }
}

function failedChildResult(
  item: CollectionTarget,
  child: z.infer<typeof failedChildSchema>,
): CollectionResult {
  const why = errorOf({ Error: child.Error ?? 'ChildExecutionFailed', Cause: child.Cause });
  return {
    database: item.database,
    collection: item.collection,
    status: 'FAILED',
    error: {
      name: why.name,
      message: `its child execution failed, so no result was recorded: ${why.message}`,
    },
  };
}

function missingResult(
  item: CollectionTarget,
  caught: z.infer<typeof caughtErrorSchema> | undefined,
): CollectionResult {
  const why = caught ? errorOf(caught) : undefined;
  return {
    database: item.database,
    collection: item.collection,
    status: 'FAILED',
    error: {
      name: why?.name ?? 'ResultMissing',
      message: `no result was recorded for this collection${why ? `: ${why.message}` : ' (its child execution failed or was stopped)'}`,
    },
  };
}

/** The run report from the collection results. Pure. */
export function assembleReport(
  run: RunContext,
  collections: readonly CollectionResult[],
  finishedAt: Date,
  coverage?: CoverageReport,
): RunReport {
  const count = (status: CollectionResult['status']) => collections.filter((c) => c.status === status).length;
  const drillDue = !run.dryRun && (run.mode === 'drill' || run.mode === 'full');
  // A run that could not list Milvus backed up only the entries by name: it did not do its job.
  const failed = count('FAILED') + (coverage?.unresolved !== undefined ? 1 : 0);
  return runReportSchema.parse({
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    runId: run.runId,
    deployment: { id: run.deployment.id, cluster: run.deployment.cluster },
    trigger: run.trigger,
    ...(run.schedule !== undefined && { schedule: run.schedule }),
    mode: run.mode,
    dryRun: run.dryRun,
    status: failed > 0 ? 'FAILED' : 'SUCCEEDED',
    startedAt: run.startedAt,
    finishedAt: finishedAt.toISOString(),
    summary: {
      collections: collections.length,
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      skipped: count('SKIPPED'),
      snapshotsCreated: collections.filter((c) => c.backup && !c.backup.alreadyExisted).length,
      snapshotsDropped: collections.reduce(
        (n, c) => n + (c.retention && !c.retention.dryRun ? c.retention.counts.dropped : 0),
        0,
      ),
      drillsVerified: collections.filter((c) => c.drill?.verified).length,
      // A set-aside original is pruned, never drilled.
      drillsFailed: drillDue
        ? collections.filter((c) => c.selection?.by !== 'set-aside' && !c.drill?.verified).length
        : 0,
      restoresSucceeded: collections.filter((c) => c.restore && c.status === 'SUCCEEDED').length,
      restoresFailed: run.mode === 'restore' ? collections.filter((c) => c.status === 'FAILED').length : 0,
    },
    ...(coverage && { coverage }),
    collections,
  });
}

/**
 * The copies of the report that go to SNS and EventBridge. When the run is too large for their
 * 256 KB limits, successful and skipped collections are left out first (from the end), then
 * failed ones; `omittedCollections` says how many, and the message points to the stored report,
 * which is never shortened.
 */
export function publishedReport(report: RunReport, location: string): PublishedReport {
  const removalOrder = [
    ...report.collections.filter((c) => c.status !== 'FAILED').reverse(),
    ...report.collections.filter((c) => c.status === 'FAILED').reverse(),
  ];
  const build = (omitted: number): PublishedReport => {
    const left = new Set(removalOrder.slice(0, omitted));
    const event: RunReport = {
      ...report,
      reportLocation: location,
      ...(omitted > 0 && { omittedCollections: omitted }),
      collections: report.collections.filter((c) => !left.has(c)),
    };
    return {
      status: report.status,
      mode: report.mode,
      subject: subjectOf(report),
      message: messageOf(event),
      event,
    };
  };
  const fits = (p: PublishedReport) => Buffer.byteLength(JSON.stringify(p), 'utf8') <= MAX_PUBLISHED_BYTES;

  const whole = build(0);
  if (fits(whole)) return whole;
  // Size only shrinks as more collections are left out: find the fewest to leave out.
  let [low, high] = [1, removalOrder.length];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (fits(build(mid))) high = mid;
    else low = mid + 1;
  }
  return build(high);
}

/** `[FAILED] nightly full: 1 of 3 collections failed`, ASCII, shorter than 100 characters. */
export function subjectOf(report: RunReport): string {
  const { summary } = report;
  const tag = report.status === 'FAILED' ? '[FAILED]' : '[OK]';
  const what = `${report.schedule ?? 'manual'} ${report.mode}${report.dryRun ? ' dry run' : ''}`;
  const plural = summary.collections === 1 ? 'collection' : 'collections';
  const counts =
    summary.failed > 0
      ? `${summary.failed} of ${summary.collections} ${plural} failed`
      : `${summary.succeeded} ${summary.succeeded === 1 ? 'collection' : 'collections'} succeeded`;
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : '';
  const subject = `${tag} ${what}: ${counts}${skipped}`.replace(/[^\x20-\x7e]/g, '?');
  return subject.length > MAX_SUBJECT_LENGTH ? `${subject.slice(0, MAX_SUBJECT_LENGTH - 3)}...` : subject;
}

/** The SNS message: what a person reads first, then the report as JSON. */
export function messageOf(report: RunReport): string {
  const { summary } = report;
  const lines = [
    `Milvus snapshot run ${report.status}${report.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    '',
    `Schedule:    ${report.schedule ?? '(none)'} (${report.trigger === 'schedule' ? 'started by its schedule' : 'started by hand'})`,
    `Mode:        ${report.mode}`,
    `Run:         ${report.runId}`,
    `Started:     ${report.startedAt}`,
    `Finished:    ${report.finishedAt} (${duration(report.startedAt, report.finishedAt)})`,
    `Collections: ${summary.collections}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped`,
    `Snapshots:   ${summary.snapshotsCreated} created, ${summary.snapshotsDropped} dropped`,
    report.mode === 'restore'
      ? `Restores:    ${summary.restoresSucceeded} succeeded, ${summary.restoresFailed} failed`
      : `Drills:      ${summary.drillsVerified} verified, ${summary.drillsFailed} failed`,
    ...coverageLines(report.coverage),
    '',
    ...[...report.collections]
      .sort((a, b) => rank(a) - rank(b))
      .map((c) => `${c.status.padEnd(9)} ${c.database}.${c.collection}: ${collectionLine(c)}`),
  ];
  if (report.omittedCollections) {
    lines.push(
      '',
      `${report.omittedCollections} collection(s) are left out of this message to fit the 256 KB limit (successful ones first); the stored report has them all.`,
    );
  }
  if (report.reportLocation) lines.push('', `Full report: ${report.reportLocation}`);
  lines.push(
    '',
    `--- report (JSON, schema version ${report.schemaVersion}) ---`,
    JSON.stringify(report, null, 2),
  );
  return lines.join('\n');
}

/**
 * `2 collections in prod are not backed up: a, b`, one line per database, then what is configured
 * but missing; nothing when everything is covered. Names beyond the report's lists are counted.
 */
export function coverageLines(coverage: CoverageReport | undefined): string[] {
  if (!coverage) return [];
  if (coverage.unresolved !== undefined) {
    return [
      '',
      `Coverage:    Milvus could not be listed (${coverage.unresolved}): only the collections named in the configuration ran, none a selector matches`,
    ];
  }
  const lines: string[] = [];
  const byDatabase = new Map<string, string[]>();
  for (const c of coverage.unprotected)
    byDatabase.set(c.database, [...(byDatabase.get(c.database) ?? []), c.collection]);
  const unlisted = coverage.counts.unprotected - coverage.unprotected.length;
  for (const [database, names] of byDatabase) {
    const more = byDatabase.size === 1 && unlisted > 0 ? unlisted : 0;
    const n = names.length + more;
    lines.push(
      `Unprotected: ${n} ${n === 1 ? 'collection' : 'collections'} in ${database} ${n === 1 ? 'is' : 'are'} not backed up: ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
    );
  }
  if (byDatabase.size > 1 && unlisted > 0)
    lines.push(`Unprotected: ${unlisted} more, listed in ${coverage.fullCoverage ?? 'the coverage'}`);
  if (coverage.counts.missing > 0) {
    const names = coverage.missing.map((m) => `${m.database}.${m.collection}`);
    lines.push(`Missing:     ${coverage.counts.missing} configured but not in Milvus: ${names.join(', ')}`);
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

function rank(c: CollectionResult): number {
  return c.status === 'FAILED' ? 0 : c.status === 'SKIPPED' ? 2 : 1;
}

function collectionLine(c: CollectionResult): string {
  const parts: string[] = [];
  if (c.selection?.by === 'set-aside') {
    parts.push(`the original ${c.selection.original} set aside by a swap, pruned under its policy`);
  }
  if (c.error) parts.push(`${c.error.name}: ${c.error.message}`);
  if (c.backup) {
    const how = c.backup.alreadyExisted ? 'already there' : 'created';
    parts.push(`snapshot ${c.backup.snapshotName} ${how} (${c.backup.rowCount} rows)`);
  }
  if (c.retention) {
    parts.push(`retention ${retentionSummary(c.retention)}`);
  }
  if (c.drill) {
    const d = c.drill;
    const outcome = d.verified ? 'verified' : `not verified (${d.state}${d.reason ? `: ${d.reason}` : ''})`;
    const timing =
      d.state === 'Completed' ? `, restore ${seconds(d.restoreMs)}, drill ${seconds(d.wallMs)}` : '';
    parts.push(`drill of ${d.snapshotName} ${outcome}${timing}${drillLeft(d)}`);
  }
  if (c.restore) parts.push(restoreLine(c.restore));
  return parts.join('; ') || 'nothing to do';
}

/** What a drill left in Milvus, when it left something: its collection, kept on purpose or not cleaned up. */
function drillLeft(d: NonNullable<CollectionResult['drill']>): string {
  if (d.kept) return `, drill collection ${d.targetCollection} kept (${d.kept})`;
  return d.cleanedUp ? '' : ', drill collection NOT cleaned up';
}

/** `restored products_20261120 into products_restored_…, verified; alias catalog now serves it (was products)`. */
export function restoreLine(r: RestoreResult): string {
  // A restore refused before it started has its reason in the collection's error already.
  if (!r.targetCollection) return 'restored nothing';
  const into = `restored ${r.snapshotName || 'nothing'} into ${r.targetCollection}`;
  if (!r.verified) {
    return `${into}: not verified (${r.state}${r.reason ? `: ${r.reason}` : ''})${r.kept ? `; ${r.kept}` : ''}`;
  }
  const s = r.switchover;
  const switched = s?.alias
    ? `; alias ${s.alias.name} now serves it (${s.alias.from ? `was ${s.alias.from}` : 'a new alias'})`
    : s?.swap
      ? `; it now has the name ${s.swap.original}, the original is kept as ${s.swap.replacedAs}` +
        (s.swap.aliasesKept?.length
          ? s.swap.aliasesKept.length > 1
            ? ` and the aliases ${s.swap.aliasesKept.join(', ')} still serve it (alterAlias to move them)`
            : ` and the alias ${s.swap.aliasesKept[0]} still serves it (alterAlias to move it)`
          : '')
      : '';
  return `${into}, verified${s?.loaded ? ' and loaded' : ''}${switched}${s?.undo ? `. To undo: ${s.undo}` : ''}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function duration(from: string, to: string): string {
  const total = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}
