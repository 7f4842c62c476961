import * as z from 'zod';
import { caughtErrorSchema, errorOf } from '../record-collection-result/record-collection-result';
import { collectionTargetSchema, type RunContext, runContextSchema } from '../shared/contracts/run-context';
import {
  type CollectionResult,
  collectionResultSchema,
  RUN_REPORT_SCHEMA_VERSION,
  type RunReport,
  runReportSchema,
} from '../shared/contracts/run-report';
import { DrillLedger } from '../shared/ledger/drill-ledger';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { retentionSummary } from '../shared/reports/retention-summary';

/**
 * Input of BuildReport: the state after the Map — the run, the collections it covered, and the
 * Map's small per-collection records (or the error that stopped the Map).
 */
export const buildReportInputSchema = z.object({
  run: runContextSchema,
  items: z.array(collectionTargetSchema),
  /** One `{ database, collection, status }` per child execution; `error` when its result could not be stored. */
  results: z
    .array(
      z
        .object({
          database: z.string(),
          collection: z.string(),
          status: z.string().optional(),
          error: caughtErrorSchema.optional(),
        })
        .loose(),
    )
    .optional(),
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

/**
 * Assembles the run report from the collection results the Map's children stored, stores the
 * complete report, and returns the notification copies. A collection without a stored result (its
 * child execution failed outright) is reported FAILED, so nothing the run was asked to do goes
 * missing from the report.
 */
export async function buildReport(
  input: BuildReportInput,
  deps: BuildReportDependencies,
): Promise<{
  readonly report: RunReport;
  readonly location: string;
  readonly published: PublishedReport;
}> {
  const { run, items } = input;
  const records = new Map((input.results ?? []).map((r) => [`${r.database}.${r.collection}`, r]));
  const collections: CollectionResult[] = [];
  for (let i = 0; i < items.length; i += READ_CONCURRENCY) {
    const batch = items.slice(i, i + READ_CONCURRENCY);
    const stored = await Promise.all(
      batch.map((item) =>
        deps.store.getJson(ReportKeys.collectionResult(run.runId, item.database, item.collection)),
      ),
    );
    batch.forEach((item, j) => {
      const parsed = collectionResultSchema.safeParse(stored[j]);
      collections.push(
        parsed.success
          ? parsed.data
          : missingResult(item, records.get(`${item.database}.${item.collection}`)?.error ?? input.mapError),
      );
    });
  }

  const finishedAt = deps.now();
  const report = assembleReport(run, collections, finishedAt);
  const location = await deps.store.putJson(ReportKeys.runReport(run.runId, new Date(run.startedAt)), report);
  // From now on no drill of this run is running: a later run's sweep may remove what it left.
  await new DrillLedger(deps.store, recordScopeOf(run)).recordRunEnded(run.runId, finishedAt);
  return { report, location, published: publishedReport(report, location) };
}

function missingResult(
  item: z.infer<typeof collectionTargetSchema>,
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
): RunReport {
  const count = (status: CollectionResult['status']) => collections.filter((c) => c.status === status).length;
  const drillDue = !run.dryRun && (run.mode === 'drill' || run.mode === 'full');
  const failed = count('FAILED');
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
      failed,
      skipped: count('SKIPPED'),
      snapshotsCreated: collections.filter((c) => c.backup && !c.backup.alreadyExisted).length,
      snapshotsDropped: collections.reduce(
        (n, c) => n + (c.retention && !c.retention.dryRun ? c.retention.counts.dropped : 0),
        0,
      ),
      drillsVerified: collections.filter((c) => c.drill?.verified).length,
      drillsFailed: drillDue ? collections.filter((c) => !c.drill?.verified).length : 0,
    },
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
    `Drills:      ${summary.drillsVerified} verified, ${summary.drillsFailed} failed`,
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

function rank(c: CollectionResult): number {
  return c.status === 'FAILED' ? 0 : c.status === 'SKIPPED' ? 2 : 1;
}

function collectionLine(c: CollectionResult): string {
  const parts: string[] = [];
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
    parts.push(
      `drill of ${d.snapshotName} ${outcome}${timing}${d.cleanedUp ? '' : ', drill collection NOT cleaned up'}`,
    );
  }
  return parts.join('; ') || 'nothing to do';
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
