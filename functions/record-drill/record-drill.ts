import type * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { type CaughtError, caughtErrorSchema, cleanupResultSchema } from '../cleanup-drill/cleanup-drill';
import { pollResultSchema } from '../poll-restore/poll-restore';
import { type LatestVerified, latestVerifiedSchema } from '../shared/contracts/latest-verified';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import {
  type DRILL_STATES,
  drillResultSchema,
  type RestoreResult,
  restoreResultSchema,
  sweepResultSchema,
  switchoverResultSchema,
} from '../shared/contracts/run-report';
import { type SnapshotDrill, snapshotDrillSchema } from '../shared/contracts/snapshot-drill';
import {
  type CollectionMetric,
  type CollectionMetricName,
  MetricUnit,
} from '../shared/lambda/collection-metrics';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { restoreStartSchema } from '../start-restore/start-restore';
import { verificationResultSchema } from '../verify-restore/verify-restore';

/** RecordDrill's input: everything the drill produced, including caught errors. */
export const recordDrillInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema.optional(),
  restore: restoreStartSchema.optional(),
  poll: pollResultSchema.optional(),
  verification: verificationResultSchema.optional(),
  cleanup: cleanupResultSchema.optional(),
  orphans: sweepResultSchema.optional(),
  switchover: switchoverResultSchema.optional(),
  drillError: caughtErrorSchema.optional(),
  cleanupError: caughtErrorSchema.optional(),
});

/** RecordDrill's input. */
export type RecordDrillInput = z.infer<typeof recordDrillInputSchema>;

/** A drill's result (`$.drill`), as it appears in the run report. */
export type DrillResult = z.infer<typeof drillResultSchema>;

/** What RecordDrill needs. */
export interface RecordDrillDependencies {
  readonly store: ReportStore;
  readonly now: () => Date;
}

/**
 * Assembles the drill's result from what each step left in the input, records it as the snapshot's
 * last drill (for `snapshots list`), and, when the drill verified, records the snapshot as the collection's newest verified one (unless a newer snapshot
 * is already recorded) so retention keeps it.
 */
export async function recordDrill(
  input: RecordDrillInput,
  { store, now }: RecordDrillDependencies,
): Promise<DrillResult | RestoreResult> {
  const drill = {
    ...buildDrillResult(input, now()),
    ...(input.cleanup?.keptReason && { kept: input.cleanup.keptReason }),
  };
  const result =
    input.run.mode === 'restore'
      ? restoreResultSchema.parse({ ...drill, ...(input.switchover && { switchover: input.switchover }) })
      : drillResultSchema.parse(drill);
  // After a swap the restored snapshot belongs to the original, set aside under another name: its
  // drill is filed there, beside its ledger record (SwitchOver moved it), not under the copy.
  const holder = (input.switchover?.done && input.switchover.swap?.replacedAs) || input.target.collection;
  if (input.drillSource) {
    await store.putJson(
      ReportKeys.snapshotDrill(
        recordScopeOf(input.run),
        input.target.database,
        holder,
        input.drillSource.snapshotName,
      ),
      snapshotDrillSchema.parse({
        schemaVersion: 1,
        snapshotName: input.drillSource.snapshotName,
        kind: input.run.mode === 'restore' ? 'restore' : 'drill',
        runId: input.run.runId,
        at: input.verification?.finishedAt ?? now().toISOString(),
        verified: result.verified,
        state: result.state,
        ...(result.reason !== undefined && { reason: result.reason }),
        restoreMs: result.restoreMs,
        restoredRows: result.restoredRows,
      } satisfies SnapshotDrill),
    );
  }
  if (result.verified && input.drillSource) {
    await recordLatestVerified(store, input, holder, {
      snapshotName: input.drillSource.snapshotName,
      snapshotCreatedAt: input.drillSource.createdAt,
      verifiedAt: input.verification?.finishedAt ?? now().toISOString(),
      runId: input.run.runId,
      restoreMs: result.restoreMs,
    });
  }
  return result;
}

/** The drill's result, from the outputs of its steps (pure). */
export function buildDrillResult(input: RecordDrillInput, now: Date): DrillResult {
  const { drillSource, restore, poll, verification, cleanup, orphans, drillError, cleanupError } = input;
  const outcome = drillOutcome(input);
  const verified =
    outcome.state === 'Completed' &&
    verification !== undefined &&
    !verification.deepPending &&
    verification.verified;
  const cleanedUp = cleanupError === undefined && cleanup?.cleanedUp === true;
  const cleanupNote = cleanupError
    ? `cleanup failed: ${errorMessage(cleanupError)}`
    : cleanup && !cleanup.cleanedUp
      ? `cleanup left something behind: ${cleanup.problems.join('; ')}`
      : undefined;
  const reason = [outcome.reason, cleanupNote].filter((r) => r !== undefined).join('; ');
  const startedAt = restore ? Date.parse(restore.startedAt) : undefined;
  const endedAt =
    verification?.finishedAt !== undefined && !drillError
      ? Date.parse(verification.finishedAt)
      : poll && !drillError && startedAt !== undefined
        ? startedAt + poll.elapsedMs
        : now.getTime();
  return {
    snapshotName: drillSource?.snapshotName ?? input.run.drillSnapshot ?? '',
    targetCollection: restore?.targetCollection ?? cleanup?.targetCollection ?? '',
    jobId: restore?.jobId ?? '',
    state: outcome.state,
    ...(reason ? { reason } : {}),
    polls: poll?.polls ?? 0,
    restoreMs: poll?.restoreMs ?? 0,
    wallMs: startedAt === undefined ? 0 : Math.max(0, Math.round(endedAt - startedAt)),
    expectedRows: drillSource?.contents.rows ?? 0,
    restoredRows: verification?.restoredRows ?? null,
    checks: verification?.checks ?? [],
    verified,
    cleanedUp,
    ...(cleanup && cleanup.problems.length > 0 && { leftBehind: cleanup.problems }),
    ...(orphans && { sweep: orphans }),
  };
}

function drillOutcome({ poll, verification, drillError }: RecordDrillInput): {
  state: (typeof DRILL_STATES)[number];
  reason?: string;
} {
  if (drillError) return { state: 'Failed', reason: errorMessage(drillError) };
  switch (poll?.decision) {
    case 'timedOut':
      return { state: 'TimedOut', reason: poll.reason };
    case 'failed':
      return { state: 'Failed', reason: poll.reason };
    case 'completed': {
      if (!verification || verification.deepPending) {
        return { state: 'Completed', reason: 'the restore completed but its verification did not finish' };
      }
      const failed = verification.checks.filter((c) => !c.ok);
      if (failed.length === 0) return { state: 'Completed' };
      return {
        state: 'Completed',
        reason: `verification failed: ${failed
          .map((c) => `${c.name} expected ${show(c.expected)}, got ${show(c.actual)}`)
          .join('; ')}`,
      };
    }
    default:
      return { state: 'Failed', reason: 'the drill ended before the restore finished' };
  }
}

/**
 * The message of an error caught by Step Functions. A Lambda error's `Cause` is a JSON string
 * `{ errorMessage, errorType, … }`; anything else (a States.* error, a truncated cause) is used as
 * it is, and an empty one falls back to the error's name.
 */
export function errorMessage({ Error: name, Cause: cause }: CaughtError): string {
  const text = cause?.trim() ?? '';
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { errorMessage?: unknown; errorType?: unknown };
      if (typeof parsed.errorMessage === 'string' && parsed.errorMessage.trim()) {
        const type = typeof parsed.errorType === 'string' ? parsed.errorType : name;
        return `${type}: ${parsed.errorMessage.trim()}`;
      }
    } catch {
      // Not JSON after all: use the text as it is.
    }
  }
  return text ? `${name}: ${text}` : name;
}

function show(value: string | number | boolean | null): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function recordLatestVerified(
  store: ReportStore,
  input: RecordDrillInput,
  collection: string,
  record: LatestVerified,
): Promise<void> {
  const key = ReportKeys.latestVerified(recordScopeOf(input.run), input.target.database, collection);
  const stored = latestVerifiedSchema.safeParse(await store.getJson(key));
  // Drills of older snapshots (a named one, a re-run) must not move the protection backwards.
  if (stored.success && Date.parse(stored.data.snapshotCreatedAt) > Date.parse(record.snapshotCreatedAt))
    return;
  await store.putJson(key, latestVerifiedSchema.parse(record));
}

/** What a drill reports to CloudWatch: counts for dashboards and alarms, and its timings. */
export function drillMetrics(result: DrillResult): CollectionMetric<CollectionMetricName<'RecordDrill'>>[] {
  return [
    { name: 'DrillsRun', unit: MetricUnit.Count, value: 1 },
    { name: 'DrillsVerified', unit: MetricUnit.Count, value: result.verified ? 1 : 0 },
    { name: 'DrillsFailed', unit: MetricUnit.Count, value: result.verified ? 0 : 1 },
    { name: 'DrillPolls', unit: MetricUnit.Count, value: result.polls },
    ...(result.state === 'Completed'
      ? [{ name: 'DrillRestoreTime' as const, unit: MetricUnit.Milliseconds, value: result.restoreMs }]
      : []),
    ...(result.wallMs > 0
      ? [{ name: 'DrillWallTime' as const, unit: MetricUnit.Milliseconds, value: result.wallMs }]
      : []),
  ];
}
