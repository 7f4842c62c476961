import * as z from 'zod';
import { describeIssues } from '../validation';
import { RUN_MODES } from './runtime-config';

/** Collections an execution input may name (a run of the whole configuration names none). */
export const MAX_INPUT_COLLECTIONS = 10_000;

/**
 * What starts a run: a schedule's input, or what an operator types in the Step Functions console.
 * Every key is optional; defaults come from the configuration. Unknown keys are refused, so a typo
 * (`"colections"`) fails the run at once instead of silently running on everything.
 */
export const executionInputSchema = z
  .object({
    /** A configured schedule to run (its mode, prefix and collections). Set by EventBridge Scheduler. */
    schedule: z.string().min(1).optional(),
    /** `backup`, `drill`, `full` or `restore`. @default the schedule's mode, else `backup` */
    mode: z.enum(RUN_MODES).optional(),
    /** Only these collections: `database.collection`, or `collection` in `default`. @default all */
    collections: z.array(z.string().min(1)).min(1).max(MAX_INPUT_COLLECTIONS).optional(),
    /** Change nothing: no flush, snapshot, drop or drill; report what retention would do. @default false */
    dryRun: z.boolean().optional(),
    /** Drill (or restore) this snapshot, by name, instead of the newest (newest verified, for a restore). */
    snapshot: z.string().min(1).optional(),
    /** Restore: the new collection to restore into. @default `<collection>_restored_<YYYYMMDD_HHMMSS>` */
    target: z.string().min(1).optional(),
    /** Restore: point this alias at the restored collection once it is verified and loaded. */
    alias: z.string().min(1).optional(),
    /** Restore: give the restored collection the original's name, keeping the original as `<name>_replaced_<YYYYMMDD_HHMMSS>`. */
    swap: z.boolean().optional(),
    /** Restore: drop the restored collection when the restore fails. @default false (kept to inspect) */
    cleanupOnFailure: z.boolean().optional(),
    /**
     * The schedule slot (ISO 8601). Snapshot names are built from it, so a retried or repeated
     * slot gives the same names. @default the execution's start time
     */
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Execution input as given. */
export type ExecutionInput = z.infer<typeof executionInputSchema>;

/**
 * The key the Step Functions console pre-fills in a new execution's input
 * (`{"Comment": "Insert your JSON here"}`): tolerated and ignored, so starting a run by hand with
 * the console's default input works.
 */
export const CONSOLE_PLACEHOLDER_KEY = 'Comment';

/** Appended to every input error: what a person may type. */
export const ACCEPTED_KEYS_HINT =
  'Accepted keys: schedule, mode ("backup", "drill", "full" or "restore"), collections (["database.collection", ...]), dryRun, snapshot, scheduledTime, and for a restore target, alias, swap, cleanupOnFailure; all optional, e.g. {"mode": "drill"}';

/**
 * Validates an execution input as given (by a schedule, the console or the CLI), ignoring the
 * console's placeholder key. PrepareRun and the CLI use this one function, so the CLI refuses an
 * input with exactly the message the deployed run would fail with.
 *
 * @param makeError builds the error to throw from the message
 */
export function parseExecutionInput(value: unknown, makeError: (message: string) => Error): ExecutionInput {
  const given = value ?? {};
  const input =
    typeof given === 'object' && !Array.isArray(given) && CONSOLE_PLACEHOLDER_KEY in given
      ? Object.fromEntries(Object.entries(given).filter(([key]) => key !== CONSOLE_PLACEHOLDER_KEY))
      : given;
  const result = executionInputSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw makeError(`invalid execution input: ${describeIssues(result.error.issues)}. ${ACCEPTED_KEYS_HINT}`);
}
