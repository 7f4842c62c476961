import {
  type FaultPlan,
  type FaultRule,
  type GrpcStatusName,
  parseFaultPlan,
  parseFaultRule,
  type RestoreBehaviour,
} from './fault-plan';

/** A rule of the active plan and how many more calls it will affect. */
export interface FaultRuleStatus {
  readonly rule: FaultRule;
  /** Calls the rule will still affect; `'always'` when the rule has no `times`. */
  readonly remaining: number | 'always';
}

/** Changes the fault plan of a running emulator. */
export interface FaultController {
  /** Replaces the whole plan (latency, rules, restore behaviour). Validates it first. */
  load(plan: FaultPlan): void;
  /** Appends one rule to the active plan. Validates it first. */
  add(rule: FaultRule): void;
  /** Removes every rule, the global latency and any restore behaviour. */
  clear(): void;
  /** The active rules, in order, with their remaining counts. */
  rules(): readonly FaultRuleStatus[];
}

/** When an injected failure lets the call happen anyway. */
interface FailureTiming {
  /** The call is performed, then its reply replaced by the failure. */
  readonly afterApply: boolean;
  /** The failure is the reply, and the call is performed this long after it arrived (clock ms). */
  readonly applyAfterMs?: number;
}

/** A failure the emulator injects instead of (or after, or before) performing a call. */
export type InjectedFailure =
  | ({ readonly kind: 'grpc'; readonly status: GrpcStatusName; readonly details: string } & FailureTiming)
  | ({ readonly kind: 'milvus'; readonly code: number; readonly reason: string } & FailureTiming);

/** What the plan says about one incoming call. */
export interface FaultDecision {
  /** Delay before answering: the plan's global latency plus that of every matching rule. */
  readonly latencyMs: number;
  readonly failure?: InjectedFailure;
}

/** How a restore job should behave, after applying the plan's defaults. */
export interface ResolvedRestoreBehaviour {
  readonly outcome: 'completed' | 'failed' | 'stuck' | 'lossy';
  /** The share of the snapshot the restore copies: below 1 for `lossy`, else 1. */
  readonly keepFraction: number;
  /** Clock milliseconds the copy takes; undefined = the emulator's default. */
  readonly durationMs: number | undefined;
  readonly reason: string | undefined;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number | undefined;
}

/**
 * The fault plan in force. Rules are consumed as matching calls arrive: latency-only rules all
 * apply (their delays add up); of the rules that answer with a status, the first matching one
 * with calls left applies, so `{times: 2}` followed by an `afterApply` rule fails two calls
 * outright and loses the third reply.
 */
export class FaultEngine implements FaultController {
  #latencyMs = 0;
  #rules: ActiveRule[] = [];
  #restore: readonly RestoreBehaviour[] = [];
  #suspended = 0;

  constructor(plan?: FaultPlan) {
    if (plan !== undefined) {
      this.load(plan);
    }
  }

  load(plan: FaultPlan): void {
    const valid = parseFaultPlan(plan);
    this.#latencyMs = valid.latencyMs ?? 0;
    this.#rules = (valid.rules ?? []).map((rule) => ({ rule, remaining: rule.times }));
    this.#restore =
      valid.restore === undefined ? [] : Array.isArray(valid.restore) ? valid.restore : [valid.restore];
  }

  add(rule: FaultRule): void {
    const valid = parseFaultRule(rule);
    this.#rules.push({ rule: valid, remaining: valid.times });
  }

  clear(): void {
    this.#latencyMs = 0;
    this.#rules = [];
    this.#restore = [];
  }

  rules(): readonly FaultRuleStatus[] {
    return this.#rules.map(({ rule, remaining }) => ({ rule, remaining: remaining ?? 'always' }));
  }

  /**
   * Runs `work` with the plan out of force: calls arriving meanwhile, from any client, are
   * neither delayed nor failed and consume no rule (the emulator's own seeding uses this).
   */
  async suspended<T>(work: () => Promise<T>): Promise<T> {
    this.#suspended += 1;
    try {
      return await work();
    } finally {
      this.#suspended -= 1;
    }
  }

  /** Decides the fate of a call and consumes the rules that apply to it. */
  decide(method: string, collections: readonly string[]): FaultDecision {
    if (this.#suspended > 0) {
      return { latencyMs: 0 };
    }
    let latencyMs = this.#latencyMs;
    let failure: InjectedFailure | undefined;
    for (const active of this.#rules) {
      const { rule } = active;
      if (!matches(rule, method, collections) || active.remaining === 0) {
        continue;
      }
      const answers = rule.grpcStatus !== undefined || rule.milvusCode !== undefined;
      if (answers && failure !== undefined) {
        continue;
      }
      if (active.remaining !== undefined) {
        active.remaining -= 1;
      }
      latencyMs += rule.latencyMs ?? 0;
      const timing: FailureTiming = {
        afterApply: rule.afterApply === true,
        ...(rule.applyAfterMs === undefined ? {} : { applyAfterMs: rule.applyAfterMs }),
      };
      if (rule.grpcStatus !== undefined) {
        failure = {
          kind: 'grpc',
          status: rule.grpcStatus,
          details:
            rule.reason ?? `fault injected by the Milvus emulator: ${method} answered ${rule.grpcStatus}`,
          ...timing,
        };
      } else if (rule.milvusCode !== undefined) {
        failure = {
          kind: 'milvus',
          code: rule.milvusCode,
          reason: rule.reason ?? `fault injected by the Milvus emulator: code ${rule.milvusCode}`,
          ...timing,
        };
      }
    }
    return failure === undefined ? { latencyMs } : { latencyMs, failure };
  }

  /** The restore behaviour for a restore of `sourceCollection`: first matching entry wins. */
  restoreBehaviour(sourceCollection: string): ResolvedRestoreBehaviour {
    const entry =
      this.#suspended > 0
        ? undefined
        : this.#restore.find((e) => e.collection === undefined || e.collection === sourceCollection);
    return {
      outcome: entry?.outcome ?? 'completed',
      keepFraction: entry?.keepFraction ?? 1,
      durationMs: entry?.durationMs,
      reason: entry?.reason,
    };
  }
}

function matches(rule: FaultRule, method: string, collections: readonly string[]): boolean {
  if (rule.method !== '*' && rule.method !== method) {
    return false;
  }
  return rule.collection === undefined || collections.includes(rule.collection);
}
