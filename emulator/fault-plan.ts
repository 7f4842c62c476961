import { z } from 'zod';
import { FaultPlanError } from './errors';

/** gRPC status names a rule may answer with (`OK` is not a fault). */
export const GRPC_STATUS_NAMES = [
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** A gRPC status name, e.g. `UNAVAILABLE`. */
export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

const milliseconds = z.number().int().nonnegative();

/**
 * One fault rule. It matches calls by `method` (the gRPC method name, or `*` for every method)
 * and optionally by `collection` (the request's collection; for RestoreSnapshot the source).
 *
 * - `grpcStatus`: the call fails at the transport level with that status.
 * - `milvusCode` (+ `reason`): the call succeeds at the gRPC level and its response carries a
 *   Milvus status with that code, as a server-side failure does.
 * - `afterApply`: the call is performed first, then the reply is replaced by the fault (a lost
 *   reply: the client sees a failure but the change happened).
 * - `applyAfterMs`: the call is answered with the fault now and performed that many
 *   milliseconds of emulator clock time later (a reply that comes after the client's deadline:
 *   the client gave up, the server did not).
 * - `latencyMs`: extra delay for matching calls; alone (no status) it only slows them down.
 * - `times`: how many matching calls the rule affects; omitted = every matching call.
 */
export const faultRuleSchema = z
  .strictObject({
    method: z.string().min(1),
    collection: z.string().min(1).optional(),
    grpcStatus: z.enum(GRPC_STATUS_NAMES).optional(),
    milvusCode: z.number().int().positive().optional(),
    reason: z.string().optional(),
    times: z.number().int().nonnegative().optional(),
    afterApply: z.boolean().optional(),
    applyAfterMs: milliseconds.optional(),
    latencyMs: milliseconds.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.grpcStatus !== undefined && rule.milvusCode !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['milvusCode'],
        message: 'a rule answers with either grpcStatus or milvusCode, not both',
      });
    }
    if (rule.afterApply === true && rule.grpcStatus === undefined && rule.milvusCode === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['afterApply'],
        message: 'afterApply needs a grpcStatus or milvusCode to replace the reply with',
      });
    }
    if (rule.applyAfterMs !== undefined && rule.grpcStatus === undefined && rule.milvusCode === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['applyAfterMs'],
        message:
          'applyAfterMs needs a grpcStatus (e.g. DEADLINE_EXCEEDED) or milvusCode to answer with while the call waits',
      });
    }
    if (rule.applyAfterMs !== undefined && rule.afterApply === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['applyAfterMs'],
        message:
          'a rule applies the call either before its reply (afterApply) or after it (applyAfterMs), not both',
      });
    }
  });

/** Outcomes a restore job can be told to have. */
export const RESTORE_OUTCOMES = ['completed', 'failed', 'stuck', 'lossy'] as const;

/**
 * How restore jobs behave. `completed` (the default) finishes after `durationMs` of clock time;
 * `failed` fails then with `reason`; `stuck` stays Executing until the server's 24 h timeout;
 * `lossy` completes normally but copies only `keepFraction` of the snapshot: whole sealed
 * segments are left out when it has several (as when datacoord skips segments it no longer has),
 * else rows of its one segment. `collection`, when set, limits the entry to restores of that
 * source collection.
 */
export const restoreBehaviourSchema = z
  .strictObject({
    collection: z.string().min(1).optional(),
    outcome: z.enum(RESTORE_OUTCOMES).optional(),
    durationMs: milliseconds.optional(),
    reason: z.string().optional(),
    keepFraction: z.number().optional(),
  })
  .superRefine((entry, ctx) => {
    const { keepFraction } = entry;
    if (keepFraction !== undefined && !(keepFraction >= 0 && keepFraction < 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['keepFraction'],
        message: `keepFraction is the share of the snapshot a lossy restore keeps: at least 0 and below 1, got ${keepFraction}`,
      });
    }
    if (entry.outcome === 'lossy' && entry.keepFraction === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keepFraction'],
        message:
          'a lossy restore needs keepFraction (at least 0 and below 1): the share of the snapshot it keeps',
      });
    }
    if (entry.outcome !== 'lossy' && entry.keepFraction !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keepFraction'],
        message: `keepFraction applies only to outcome "lossy", got outcome "${entry.outcome ?? 'completed'}"`,
      });
    }
  });

/**
 * A fault plan: global latency, fault rules, and restore behaviour. `restore` may be one entry
 * or a list (first entry whose `collection` matches the restore's source collection wins).
 */
export const faultPlanSchema = z.strictObject({
  latencyMs: milliseconds.optional(),
  rules: z.array(faultRuleSchema).optional(),
  restore: z.union([restoreBehaviourSchema, z.array(restoreBehaviourSchema)]).optional(),
});

/** A fault plan, as written in a `--faults` JSON file or passed to `startMilvusEmulator`. */
export type FaultPlan = z.infer<typeof faultPlanSchema>;
/** One rule of a fault plan. */
export type FaultRule = z.infer<typeof faultRuleSchema>;
/** One restore behaviour entry of a fault plan. */
export type RestoreBehaviour = z.infer<typeof restoreBehaviourSchema>;

/**
 * Validates a fault plan.
 *
 * @param input the parsed JSON or object.
 * @param source where it came from (a file name), used in the error message.
 * @throws FaultPlanError naming every bad field, e.g. `rules[0].grpcStatus`.
 */
export function parseFaultPlan(input: unknown, source = 'fault plan'): FaultPlan {
  const result = faultPlanSchema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const issues = explain(result.error.issues).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new FaultPlanError(`invalid ${source}: ${issues.join('; ')}`, issues);
}

/**
 * Validates a single rule (for `FaultController.add`).
 *
 * @throws FaultPlanError naming every bad field.
 */
export function parseFaultRule(input: unknown): FaultRule {
  const result = faultRuleSchema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const issues = explain(result.error.issues).map(
    (issue) => `rule.${formatPath(issue.path)}: ${issue.message}`,
  );
  throw new FaultPlanError(`invalid fault rule: ${issues.join('; ')}`, issues);
}

interface PlainIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Replaces "Invalid input" for `restore` (an entry or a list of entries) with the problems of
 * the shape the value actually has, so the message names the bad field.
 */
function explain(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): PlainIssue[] {
  return issues.flatMap((issue): PlainIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const matching = issue.errors.find(
        (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
      );
      if (matching !== undefined) {
        return explain(matching, path);
      }
    }
    return [{ path, message: issue.message }];
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) {
    return '(plan)';
  }
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') {
        return `[${segment}]`;
      }
      const name = String(segment);
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}
