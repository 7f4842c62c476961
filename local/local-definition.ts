import type { AslState, StateMachineDefinition } from '../lib/state-machine/synthesized-definition';
import { statesOf } from './asl-states';
import type { DistributedMapSpec } from './distributed-map';

/** The resource given to Wait states turned into local timers. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

/** The resource given to Distributed Map states, run by the local runner's Map Run (distributed-map.ts). */
export const LOCAL_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';

/** The longest a local timer task may run: just under 2^31 ms, Node's setTimeout limit. */
export const WAIT_TIMEOUT_SECONDS = 2_000_000;

/** What a Wait state waits for. */
export interface WaitSpec {
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

/** A definition ready to run locally, and what was changed to get there. */
export interface LocalDefinition {
  readonly definition: StateMachineDefinition;
  /** The Wait states (now local timer tasks), by state name. */
  readonly waits: ReadonlyMap<string, WaitSpec>;
  /** Every Task state that still calls a resource, by state name (the item processor's included). */
  readonly tasks: ReadonlyMap<string, AslState>;
  /** The Distributed Map states (now local tasks that run a Map Run), by state name. */
  readonly maps: ReadonlyMap<string, DistributedMapSpec>;
}

/**
 * Prepares a synthesized definition for `aws-local-stepfunctions`, changing only what time needs:
 *
 * - Wait states become Task states served by a local timer, because the library's wait override
 *   is one fixed duration per state while ours come from `SecondsPath` (the poll backoff). The
 *   timer reads the same fields a Wait reads and lets that much run time pass on the run's clock.
 * - A Distributed Map becomes a Task state served by the local Map Run (aws-local-stepfunctions runs
 *   every Map inline, with Promise.all: one failed item fails the Map, and items share one
 *   history). The task keeps the state's ResultPath, ResultSelector, OutputPath, Retry, Catch and
 *   transitions, so the library applies them to the Map Run's result as Step Functions would; the
 *   Map's own fields (ItemReader, ItemSelector, MaxConcurrency, tolerated failures, ResultWriter,
 *   the item processor) go to the Map Run.
 * - The overall `TimeoutSeconds` is converted from run time to real time with `msPerSecond`.
 *
 * Everything else (Choice rules, Retry and Catch, paths, Parameters) is the deployed definition
 * as it is.
 */
export function prepareLocalDefinition(
  source: StateMachineDefinition,
  msPerSecond: number,
  contextValues: Readonly<Record<string, string>> = {},
): LocalDefinition {
  const definition = structuredClone(source) as StateMachineDefinition & { TimeoutSeconds?: number };
  const waits = new Map<string, WaitSpec>();
  const tasks = new Map<string, AslState>();

  for (const [name, state] of statesOf(definition)) {
    for (const field of ['Parameters', 'ItemSelector', 'ResultSelector']) {
      const template = (state as Record<string, unknown>)[field];
      if (template !== undefined)
        (state as Record<string, unknown>)[field] = bindContext(template, contextValues);
    }
    if (state.Type === 'Wait') {
      if (waits.has(name)) throw new Error(`two Wait states are named ${name}; local runs need unique names`);
      const { Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state as AslState & WaitSpec;
      waits.set(name, { Seconds, SecondsPath, Timestamp, TimestampPath });
      const mutable = state as Record<string, unknown>;
      for (const key of Object.keys(mutable)) delete mutable[key];
      // A timer must never be cut short by the library's default Task timeout (60 s); the ceiling
      // is the longest delay Node's setTimeout takes (2^31 - 1 ms): beyond it, it fires at once.
      Object.assign(mutable, rest, {
        Type: 'Task',
        Resource: LOCAL_WAIT_RESOURCE,
        TimeoutSeconds: WAIT_TIMEOUT_SECONDS,
      });
    } else if (state.Type === 'Task') {
      if (tasks.has(name)) throw new Error(`two Task states are named ${name}; local runs need unique names`);
      tasks.set(name, state);
    }
  }

  const maps = new Map<string, DistributedMapSpec>();
  for (const [name, state] of Object.entries(definition.States)) {
    const processor = state.ItemProcessor as
      | (DistributedMapSpec['processor'] & { ProcessorConfig?: { Mode?: string } })
      | undefined;
    if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    const map = state as AslState & Record<string, unknown>;
    const { ProcessorConfig: _config, ...processorStates } = processor;
    maps.set(name, {
      stateName: name,
      label: typeof map.Label === 'string' ? map.Label : name,
      ...(map.ItemReader ? { itemReader: map.ItemReader as DistributedMapSpec['itemReader'] } : {}),
      ...(typeof map.ItemsPath === 'string' ? { itemsPath: map.ItemsPath } : {}),
      ...(map.ItemSelector !== undefined ? { itemSelector: map.ItemSelector } : {}),
      ...(typeof map.MaxConcurrency === 'number' ? { maxConcurrency: map.MaxConcurrency } : {}),
      ...(typeof map.ToleratedFailurePercentage === 'number'
        ? { toleratedFailurePercentage: map.ToleratedFailurePercentage }
        : {}),
      ...(typeof map.ToleratedFailureCount === 'number'
        ? { toleratedFailureCount: map.ToleratedFailureCount }
        : {}),
      ...(map.ResultWriter ? { resultWriter: map.ResultWriter as DistributedMapSpec['resultWriter'] } : {}),
      processor: processorStates,
    });
    const kept = [
      'Comment',
      'InputPath',
      'OutputPath',
      'ResultPath',
      'ResultSelector',
      'Retry',
      'Catch',
      'Next',
      'End',
    ];
    const mutable = state as Record<string, unknown>;
    const rest = Object.fromEntries(kept.filter((k) => k in mutable).map((k) => [k, mutable[k]]));
    for (const key of Object.keys(mutable)) delete mutable[key];
    // A Map Run takes as long as its children; only the execution's timeout bounds it.
    Object.assign(mutable, rest, {
      Type: 'Task',
      Resource: LOCAL_MAP_RESOURCE,
      TimeoutSeconds: WAIT_TIMEOUT_SECONDS,
    });
  }

  if (definition.TimeoutSeconds !== undefined) {
    // Real time allowed = run time × real ms per run second, with a floor for process overhead.
    definition.TimeoutSeconds = Math.max(
      60,
      Math.ceil((definition.TimeoutSeconds * msPerSecond) / 1000) + 60,
    );
  }
  return { definition, waits, tasks, maps };
}

/**
 * Replaces references to context fields the library fills from the real clock (it always sets
 * `$$.Execution.StartTime` to the real time) with their values on the run's clock, so a scaled or
 * virtual run starts when its clock says.
 */
function bindContext(template: unknown, values: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(template)) return template.map((t) => bindContext(t, values));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (key.endsWith('.$') && typeof value === 'string' && value in values)
        return [key.slice(0, -2), values[value]];
      return [key, bindContext(value, values)];
    }),
  );
}

/** Seconds a Wait state waits for, given its input and the run's current time. */
export function waitSeconds(spec: WaitSpec, input: unknown, nowMs: number): number {
  if (spec.Seconds !== undefined) return spec.Seconds;
  if (spec.SecondsPath !== undefined) {
    const value = readPath(input, spec.SecondsPath);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(
        `SecondsPath ${spec.SecondsPath} must point to a non-negative integer, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
  const stamp = spec.Timestamp ?? (spec.TimestampPath ? readPath(input, spec.TimestampPath) : undefined);
  if (typeof stamp === 'string') return Math.max(0, (Date.parse(stamp) - nowMs) / 1000);
  throw new Error('a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath');
}

/** Reads a simple reference path (`$.a.b[0].c`). */
export function readPath(input: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`not a reference path: ${path}`);
  const parts = path.slice(1).match(/\.[^.[\]]+|\[\d+\]/g) ?? [];
  let current: unknown = input;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = part.startsWith('[') ? Number(part.slice(1, -1)) : part.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
