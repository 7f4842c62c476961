import * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import {
  backupResultSchema,
  type CollectionResult,
  collectionResultSchema,
  drillResultSchema,
  restoreResultSchema,
  retentionResultSchema,
} from '../shared/contracts/run-report';
import { ReportKeys, type ReportStore } from '../shared/reports/report-store';
import { describeIssues } from '../shared/validation';

/** What a `Catch` puts in the state: Step Functions' `{ Error, Cause }`. */
export const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() }).loose();

/** A caught error as the state machine stores it. */
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/**
 * Input of RecordCollectionResult: everything the collection's steps put in the state. Step
 * results are checked against the report schema here rather than at parse time, so that one
 * malformed result is reported as this collection's failure instead of losing the whole record.
 */
export const recordCollectionResultInputSchema = collectionStepBaseSchema.extend({
  flushState: z.object({ flushed: z.boolean(), timedOut: z.boolean() }).loose().optional(),
  backup: z.unknown().optional(),
  retention: z.unknown().optional(),
  drill: z.unknown().optional(),
  /** Caught from a backup step (Flush, CheckFlush, CreateSnapshot, EnforceRetention). */
  error: caughtErrorSchema.optional(),
  /** Caught from a drill step before cleanup (ChooseSnapshot … VerifyRestore); RecordDrill folds it into `drill`. */
  drillError: caughtErrorSchema.optional(),
  /** Caught from CleanupDrill. */
  cleanupError: caughtErrorSchema.optional(),
  /** Caught from RecordDrill. */
  recordDrillError: caughtErrorSchema.optional(),
});

/** RecordCollectionResult's input. */
export type RecordCollectionResultInput = z.infer<typeof recordCollectionResultInputSchema>;

/** What RecordCollectionResult returns: small, so the Map's output stays small whatever the run's size. */
export interface RecordedCollection {
  readonly database: string;
  readonly collection: string;
  readonly status: CollectionResult['status'];
}

/** What RecordCollectionResult needs. */
export interface RecordCollectionResultDependencies {
  readonly store: Pick<ReportStore, 'putJson'>;
}

/** Longest error message kept in a result: enough for a stack-free explanation. */
const MAX_MESSAGE_LENGTH = 2000;

/**
 * Builds one collection's result from what its steps produced and stores it for BuildReport.
 *
 * The collection FAILED when any step failed (a caught error, a flush that timed out, a drill that
 * did not verify, a cleanup that could not drop the drill collection); SKIPPED when no step did
 * anything; SUCCEEDED otherwise. The first problem becomes `error`; later ones are appended to
 * its message so nothing is hidden.
 */
export async function recordCollectionResult(
  input: RecordCollectionResultInput,
  deps: RecordCollectionResultDependencies,
): Promise<RecordedCollection> {
  const result = collectionResultOf(input);
  await deps.store.putJson(
    ReportKeys.collectionResult(input.run.runId, result.database, result.collection),
    result,
  );
  return { database: result.database, collection: result.collection, status: result.status };
}

/** The collection's result, without storing it. Pure. */
export function collectionResultOf(input: RecordCollectionResultInput): CollectionResult {
  const problems: { name: string; message: string }[] = [];
  const part = <S extends z.ZodType>(schema: S, value: unknown, step: string): z.infer<S> | undefined => {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    problems.push({
      name: 'InvalidStepOutput',
      message: `${step} returned a result the report cannot hold: ${describeIssues(parsed.error.issues)}`,
    });
    return undefined;
  };
  const backup = part(backupResultSchema, input.backup, 'CreateSnapshot');
  const retention = part(retentionResultSchema, input.retention, 'EnforceRetention');
  const { run } = input;
  const operator = run.mode === 'restore';
  const drill = operator ? undefined : part(drillResultSchema, input.drill, 'RecordDrill');
  const restore = operator ? part(restoreResultSchema, input.drill, 'RecordDrill') : undefined;

  if (input.error) problems.unshift(errorOf(input.error));
  if (input.flushState?.timedOut && !input.flushState.flushed && !backup) {
    problems.push({
      name: 'FlushTimeoutError',
      message: `the flush did not complete within ${run.flush.timeoutSeconds} seconds (flush.timeoutSeconds); no snapshot was taken`,
    });
  }
  if (drill) {
    // RecordDrill already folded the drill's caught errors into its result (state, reason, cleanedUp).
    if (!drill.verified) problems.push(drillProblem(drill, input.drillError));
    else if (!drill.cleanedUp) {
      problems.push({
        name: input.cleanupError?.Error ?? 'DrillCleanupFailed',
        message: `the drill verified, but the drill collection may be left behind until the next drill's orphan sweep: ${drill.reason ?? 'cleanup did not finish'}`,
      });
    }
  } else if (!restore) {
    if (input.drillError) problems.push(errorOf(input.drillError));
    if (input.cleanupError) {
      const cleanup = errorOf(input.cleanupError);
      problems.push({
        name: cleanup.name,
        message: `cleanup of the drill failed, the drill collection may be left behind until the next drill's orphan sweep: ${cleanup.message}`,
      });
    }
  }
  if (restore && !restore.verified) problems.push(drillProblem(restore, input.drillError, 'restore'));
  if (input.recordDrillError) problems.push(errorOf(input.recordDrillError));
  // A set-aside original is only pruned, in any mode.
  const setAside = input.target.selection?.by === 'set-aside';
  const drillExpected = !run.dryRun && run.mode !== 'backup' && !input.error && !setAside;
  if (drillExpected && !drill && !restore && problems.length === 0) {
    problems.push({
      name: operator ? 'RestoreMissing' : 'DrillMissing',
      message: `the ${operator ? 'restore' : 'drill'} ended without recording a result`,
    });
  }

  const [first, ...others] = problems;
  const didSomething =
    backup !== undefined || retention !== undefined || drill !== undefined || restore !== undefined;
  const result: CollectionResult = {
    database: input.target.database,
    collection: input.target.collection,
    status: first ? 'FAILED' : didSomething ? 'SUCCEEDED' : 'SKIPPED',
    ...(first && {
      error: {
        name: first.name,
        message: truncate(
          [first.message, ...others.map((p) => `also ${p.name}: ${p.message}`)].join('; '),
          MAX_MESSAGE_LENGTH,
        ),
      },
    }),
    ...(backup && { backup }),
    ...(retention && { retention }),
    ...(drill && { drill }),
    ...(restore && { restore }),
  };
  return collectionResultSchema.parse(result);
}

/**
 * A caught error as a person reads it. A Lambda failure's `Cause` is JSON
 * (`{"errorType", "errorMessage", "trace"}`); other causes (a States.Timeout, a local run) are
 * plain text or absent.
 */
export function errorOf(caught: CaughtError): { name: string; message: string } {
  const cause = caught.Cause?.trim() ?? '';
  let message = cause;
  if (cause.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(cause);
      const text = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
      if (typeof text === 'string') message = text;
    } catch {
      // Not JSON after all: keep the text as it is.
    }
  }
  return { name: caught.Error, message: truncate(message || caught.Error, MAX_MESSAGE_LENGTH) };
}

function drillProblem(
  drill: z.infer<typeof drillResultSchema>,
  caught: CaughtError | undefined,
  noun: 'drill' | 'restore' = 'drill',
): { name: string; message: string } {
  const capital = noun === 'drill' ? 'Drill' : 'Restore';
  if (drill.state !== 'Completed') {
    const outcome = drill.state === 'TimedOut' ? 'timed out' : 'failed';
    const what = drill.snapshotName ? `the ${noun} of ${drill.snapshotName}` : `the ${noun}`;
    // The error's name is the problem's name: the reason need not say it again.
    const reason =
      caught && drill.reason?.startsWith(`${caught.Error}: `)
        ? drill.reason.slice(caught.Error.length + 2)
        : drill.reason;
    return {
      // The caught error's name (NoSnapshotToDrillError…) says more than the drill's state.
      name: caught?.Error ?? (drill.state === 'TimedOut' ? `${capital}TimedOut` : `${capital}Failed`),
      // One stopped before it had a snapshot is its error, said once.
      message:
        !drill.snapshotName && caught && reason ? reason : `${what} ${outcome}${reason ? `: ${reason}` : ''}`,
    };
  }
  const failed = drill.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name} expected ${String(c.expected)}, got ${String(c.actual)}`);
  return {
    name: `${capital}VerificationFailed`,
    message: `the restore of ${drill.snapshotName} completed but did not verify: ${drill.reason ?? (failed.join('; ') || 'no check passed')}`,
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
