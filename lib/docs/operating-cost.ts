import { assembleReport, publishedReport } from '../../functions/build-report/build-report';
import { RunMetric } from '../../functions/build-report/run-metrics';
import type { RunContext } from '../../functions/shared/contracts/run-context';
import type { CollectionResult } from '../../functions/shared/contracts/run-report';
import { COLLECTION_METRICS } from '../../functions/shared/lambda/collection-metrics';

/** us-east-1 list prices (US$), without free tiers. */
export const PRICES = {
  /** CloudWatch custom metric, per month (first 10,000 metrics). */
  customMetricMonth: 0.3,
  /** CloudWatch standard-resolution alarm, per month. */
  alarmMonth: 0.1,
  /** CloudWatch Logs standard ingestion, per GB. */
  logsIngestionGb: 0.5,
  /** X-Ray, per trace recorded. */
  xrayTrace: 5 / 1_000_000,
  /** SNS publish request (each 64 KB chunk of a message is billed as one request). */
  snsRequest: 0.5 / 1_000_000,
  /** EventBridge custom event (each 64 KB chunk of an entry is billed as one event). */
  eventBridgeEvent: 1 / 1_000_000,
} as const;

/** SNS and EventBridge bill a payload by 64 KB chunks. */
export const BILLING_CHUNK_BYTES = 64 * 1024;

/**
 * What a function writes to CloudWatch Logs per invocation, assumed: Lambda's START, END and
 * REPORT lines (about 400 bytes with the X-Ray trace id), one Powertools JSON line for the
 * step's outcome (about 700 bytes), and one embedded-metric line when it emits metrics.
 */
export const LOG_BYTES_PER_INVOCATION = 1_500;

/** Custom metrics, counted from what the functions emit. */
export interface MetricCounts {
  /** Per collection, with `perCollectionMetrics` on (the steps' metrics with a `Collection` dimension). */
  readonly perCollection: number;
  /** The same metrics without a `Collection` dimension, when it is off (per deployment). */
  readonly perStepWhenOff: number;
  /** BuildReport's run metrics (per deployment). */
  readonly perRunReport: number;
  /** Per watched schedule: SuccessfulRuns (BuildReport) and HoursSinceLastSuccess (the freshness check). */
  readonly perSchedule: number;
}

/** The custom metrics of a deployment, from the tables the functions emit by. */
export function metricCounts(): MetricCounts {
  const perCollection = Object.values(COLLECTION_METRICS).reduce((n, names) => n + names.length, 0);
  const runMetrics = Object.values(RunMetric).filter((name) => name !== RunMetric.SuccessfulRuns).length;
  return { perCollection, perStepWhenOff: perCollection, perRunReport: runMetrics, perSchedule: 2 };
}

/** The SNS message and the EventBridge event of a run of `collections` backed-up collections. */
export function publishedSizes(collections: number): {
  readonly messageBytes: number;
  readonly eventBytes: number;
  readonly snsRequests: number;
  readonly events: number;
} {
  const run = {
    runId: '3f0c9a3e-6b1d-4c55-9a62-0a3c7d2e9b11',
    deployment: {
      id: 'MilvusSnapshotScheduler.eu-central-1',
      cluster: {
        key: 'milvus.internal.example.com_19530-1a2b3c4d',
        endpoint: 'milvus.internal.example.com:19530',
      },
      runTimeoutMinutes: 720,
    },
    trigger: 'schedule',
    schedule: 'nightly',
    mode: 'backup',
    dryRun: false,
    startedAt: '2026-11-21T03:00:02.410Z',
  } as RunContext;
  const results: CollectionResult[] = Array.from({ length: collections }, (_, i) => ({
    database: 'default',
    collection: `collection_${String(i).padStart(9, '0')}`,
    status: 'SUCCEEDED',
    backup: {
      snapshotName: 'nightly_20261121_030000',
      alreadyExisted: false,
      rowCount: 120_000,
      createdAt: '2026-11-21T03:00:05.120Z',
    },
    retention: {
      dryRun: false,
      counts: { kept: 2, dropped: 1, skipped: 0, notOurs: 0, vanished: 0 },
      kept: [
        { name: 'nightly_20261121_030000', reasons: ['just created', 'daily 1'] },
        { name: 'nightly_20261120_030000', reasons: ['daily 2'] },
      ],
      dropped: [{ name: 'nightly_20261113_030000', reason: 'not kept by keep 7 daily' }],
      skipped: [],
      notOurs: [],
      vanished: [],
    },
  }));
  const report = assembleReport(run, results, new Date('2026-11-21T03:04:00.000Z'));
  const published = publishedReport(report, 's3://reports-bucket/reports/2026/11/21/run.json');
  const messageBytes = Buffer.byteLength(published.message, 'utf8');
  const eventBytes = Buffer.byteLength(JSON.stringify(published.event), 'utf8');
  return {
    messageBytes,
    eventBytes,
    snsRequests: Math.ceil(messageBytes / BILLING_CHUNK_BYTES),
    events: Math.ceil(eventBytes / BILLING_CHUNK_BYTES),
  };
}

/** The README's lines on what a run costs besides its transitions, computed. */
export function operatingCostMarkdown(options: {
  /** Lambda invocations of one collection's backup and drill (30 s restore), from the definition. */
  readonly invocations: { readonly backup: number; readonly drill: number; readonly perRun: number };
  /** Schedules with a freshness alarm, in the configuration the README is generated from. */
  readonly watchedSchedules: number;
  /** Whether the configuration turns on the alarm on collections nothing covers (`coverage.alarm`). */
  readonly coverageAlarm?: boolean;
}): string {
  const money = (n: number) =>
    n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(n < 1 ? 3 : 2)}`;
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
  const { invocations, watchedSchedules } = options;
  const metrics = metricCounts();
  const sizes = [1, 100, 1000].map((n) => ({ n, ...publishedSizes(n) }));
  const logsPer1000 = (invocations.backup * 1000 * LOG_BYTES_PER_INVOCATION) / 1024 ** 3;
  const coverageAlarm = options.coverageAlarm ? 1 : 0;
  const alarms = 4 + (watchedSchedules > 0 ? 1 + watchedSchedules : 0) + coverageAlarm;
  return [
    'Around the transitions, us-east-1 list prices without free tiers (computed by `npm run docs` from the definition and from what the functions emit):',
    '',
    `- **Lambda invocations**: ${invocations.backup} per collection for a backup, ${invocations.drill} for a drill with a 30 s restore (one more per extra poll), and ${invocations.perRun} per run (PrepareRun, BuildReport), plus one freshness check every 15 minutes (2,880 a month).`,
    `- **CloudWatch Logs ingestion** ($${PRICES.logsIngestionGb.toFixed(2)} per GB): about ${(LOG_BYTES_PER_INVOCATION / 1000).toFixed(1)} KB per invocation (Lambda's three platform lines, one Powertools line, one metric line), so 1,000 collection backups ingest about ${((invocations.backup * 1000 * LOG_BYTES_PER_INVOCATION) / 1e6).toFixed(1)} MB: ${money(logsPer1000 * PRICES.logsIngestionGb)}. \`logLevel: DEBUG\` writes several times more. The state machine logs errors only.`,
    `- **X-Ray** ($${(PRICES.xrayTrace * 1e6).toFixed(2)} per million traces recorded): at most one trace per execution, and each collection's child is an execution: at most ${money(1000 * PRICES.xrayTrace)} per 1,000 collection-runs; the default sampling (one request a second and 5% of the rest) records fewer.`,
    `- **SNS and EventBridge** bill every 64 KB chunk of a payload as one request or event: ${sizes
      .map(
        (s) =>
          `a run of ${s.n.toLocaleString('en-US')} collection${s.n === 1 ? '' : 's'} publishes a ${kb(s.messageBytes)} message (${s.snsRequests} SNS request${s.snsRequests === 1 ? '' : 's'}) and a ${kb(s.eventBytes)} event (${s.events} event${s.events === 1 ? '' : 's'})`,
      )
      .join(
        '; ',
      )} — the copies are trimmed to fit 256 KB, the stored report never is. E-mail deliveries cost $2 per 100,000 beyond the first 1,000 a month.`,
    `- **Custom metrics** ($${PRICES.customMetricMonth.toFixed(2)} each a month): with \`perCollectionMetrics\` each collection adds up to ${metrics.perCollection} (the steps' per-collection metrics: ${Object.values(COLLECTION_METRICS).flat().join(', ')}), ${money(metrics.perCollection * PRICES.customMetricMonth)} a month per collection, ${money(1000 * metrics.perCollection * PRICES.customMetricMonth)} for 1,000 collections — turn it off for large fleets and those become ${metrics.perStepWhenOff} metrics in all. Always: ${metrics.perRunReport} run metrics and ${metrics.perSchedule} per watched schedule (SuccessfulRuns, HoursSinceLastSuccess). Every metric carries the \`Deployment\` dimension: each deployment pays for its own.`,
    `- **Alarms** ($${PRICES.alarmMonth.toFixed(2)} each a month): four (failed, timed out, aborted, dead letters), one on the freshness check's errors, one per enabled schedule and, with \`coverage.alarm\`, one on unprotected collections — ${alarms} for this configuration's ${watchedSchedules} schedules${coverageAlarm ? ' and its coverage alarm' : ''}.`,
    '',
  ].join('\n');
}
