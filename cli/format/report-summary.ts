import type { CollectionResult, RunReport } from '../../functions/shared/contracts/run-report';
import { retentionSummary } from '../../functions/shared/reports/retention-summary';
import { formatTable } from './text-table';
import { formatDuration, formatUtc } from './time-format';

/**
 * A run report as a person reads it in a terminal: the outcome and counts, one line per
 * collection, then every failure with its error (and the drill checks that did not pass).
 */
export function formatReportSummary(report: RunReport, location?: string): string {
  const { summary } = report;
  const started = new Date(report.startedAt);
  const finished = new Date(report.finishedAt);
  const trigger = report.trigger === 'schedule' ? 'started by its schedule' : 'started by hand';
  const what = `${report.schedule ?? 'manual'} ${report.mode}${report.dryRun ? ', dry run: nothing was changed' : ''}`;
  const lines = [
    `Run ${report.runId}: ${report.status} (${what}; ${trigger})`,
    `Started ${formatUtc(started)}, finished ${formatUtc(finished)} (${formatDuration(finished.getTime() - started.getTime())})`,
    `Collections  ${summary.collections}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped`,
    `Snapshots    ${summary.snapshotsCreated} created, ${summary.snapshotsDropped} dropped`,
    `Drills       ${summary.drillsVerified} verified, ${summary.drillsFailed} failed`,
    '',
  ];
  const text = [`${lines.join('\n')}\n`];
  if (report.collections.length > 0) {
    text.push(
      formatTable(
        [
          { header: 'collection' },
          { header: 'status' },
          { header: 'snapshot' },
          { header: 'retention' },
          { header: 'drill' },
        ],
        report.collections.map((c) => [
          `${c.database}.${c.collection}`,
          c.status,
          snapshotCell(c),
          retentionCell(c),
          drillCell(c),
        ]),
      ),
    );
  }
  const failures = report.collections.flatMap(failureLines);
  if (failures.length > 0) text.push(`\nFailures\n${failures.map((line) => `  ${line}`).join('\n')}\n`);
  const kept = report.collections.flatMap(keptLines);
  if (kept.length > 0)
    text.push(`\nKept in Milvus on purpose\n${kept.map((line) => `  ${line}`).join('\n')}\n`);
  if (report.omittedCollections) {
    text.push(
      `\n${report.omittedCollections} collection(s) were left out of this copy; the stored report has them all.\n`,
    );
  }
  const where = location ?? report.reportLocation;
  if (where) text.push(`\nReport: ${where}\n`);
  return text.join('');
}

function snapshotCell(c: CollectionResult): string {
  if (!c.backup) return '-';
  return `${c.backup.snapshotName}${c.backup.alreadyExisted ? ' (already there)' : ''}`;
}

function retentionCell(c: CollectionResult): string {
  return c.retention ? retentionSummary(c.retention) : '-';
}

function drillCell(c: CollectionResult): string {
  const d = c.drill;
  if (!d) return '-';
  const kept = d.kept ? ', collection kept' : '';
  if (d.verified) return `verified (restore ${formatDuration(d.restoreMs)})${kept}`;
  return `NOT verified (${d.state})${kept || (d.cleanedUp ? '' : ', NOT cleaned up')}`;
}

function failureLines(c: CollectionResult): string[] {
  const name = `${c.database}.${c.collection}`;
  const lines: string[] = [];
  if (c.error) lines.push(`${name}: ${c.error.name}: ${c.error.message}`);
  const d = c.drill;
  if (d && !d.verified) {
    lines.push(
      `${name}: drill of ${d.snapshotName} not verified (${d.state}${d.reason ? `: ${d.reason}` : ''})`,
    );
    for (const check of d.checks.filter((k) => !k.ok)) {
      lines.push(
        `${name}:   check ${check.name}: expected ${String(check.expected)}, got ${String(check.actual)}`,
      );
    }
    if (!d.cleanedUp) lines.push(`${name}:   drill collection ${d.targetCollection} was NOT cleaned up`);
  }
  return lines;
}

/** A drill collection kept on purpose: it is in Milvus until a later drill's sweep removes it. */
function keptLines(c: CollectionResult): string[] {
  const d = c.drill;
  return d?.kept ? [`${c.database}.${c.collection}: drill collection ${d.targetCollection} (${d.kept})`] : [];
}
