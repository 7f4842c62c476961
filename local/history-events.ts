import type { AslState, StateMachineDefinition } from '../lib/state-machine/synthesized-definition';
import { statesOf } from './asl-states';
import type { RunEvent } from './run-local';

/**
 * Step Functions' hard quota on the events of one execution's history: at 24,999 events, unless
 * the next event is `ExecutionSucceeded`, the execution fails (AWS Step Functions Developer Guide,
 * "Avoid reaching the history quota").
 */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * History events Step Functions (Standard) records for one pass through a state of each type:
 *
 * - Task: `TaskStateEntered`, `LambdaFunctionScheduled`, `LambdaFunctionStarted`,
 *   `LambdaFunctionSucceeded` (or `…Failed`), `TaskStateExited` — 5; a service integration
 *   (SNS, EventBridge) has `TaskScheduled`, `TaskStarted`, `TaskSucceeded` in their place — also 5.
 * - Wait, Choice, Pass, Succeed: `…StateEntered`, `…StateExited` — 2.
 * - Fail: `FailStateEntered` — 1 (the `ExecutionFailed` after it is the execution's own).
 * - Map with a Distributed processor: `MapStateEntered`, `MapStateStarted`, `MapRunStarted`,
 *   `MapRunSucceeded`, `MapStateSucceeded`, `MapStateExited` — 6, whatever the number of items:
 *   each item is a child execution with a history of its own.
 */
export function eventsPerState(state: AslState): number {
  switch (state.Type) {
    case 'Task':
      return 5;
    case 'Fail':
      return 1;
    case 'Map':
      return 6;
    case 'Parallel':
      return 4;
    default:
      return 2;
  }
}

/** A retried Task adds `LambdaFunctionFailed`, then `LambdaFunctionScheduled` and `…Started` again. */
export const EVENTS_PER_RETRY = 3;

/** An execution's own events: `ExecutionStarted` and `ExecutionSucceeded` (or `…Failed`). */
export const EVENTS_PER_EXECUTION = 2;

/** Inline Map events around the items (`MapStateEntered`, `…Started`, `…Succeeded`, `…Exited`). */
export const INLINE_MAP_EVENTS = 4;
/** Inline Map events per item (`MapIterationStarted`, `MapIterationSucceeded`). */
export const INLINE_MAP_EVENTS_PER_ITEM = 2;

/** Transitions and history events of one execution (the run, or one collection's child). */
export interface ExecutionCount {
  /** States entered, retries included: what Step Functions bills. */
  readonly transitions: number;
  readonly historyEvents: number;
  /** The states entered, in order. */
  readonly path: readonly string[];
}

/** The run's own execution and each Map child execution (by item index). */
export interface RunCount {
  readonly parent: ExecutionCount;
  readonly children: ReadonlyMap<number, ExecutionCount>;
}

/**
 * Counts transitions and estimates history events from the local runner's event log. State types
 * come from the deployed definition (the local runner turns Wait states into timer tasks), and
 * events carrying an `index` belong to the Map's child executions.
 */
export function countRun(history: readonly RunEvent[], definition: StateMachineDefinition): RunCount {
  const states = new Map(statesOf(definition));
  const parent = { transitions: 0, historyEvents: EVENTS_PER_EXECUTION, path: [] as string[] };
  const children = new Map<number, { transitions: number; historyEvents: number; path: string[] }>();
  const counterOf = (event: RunEvent) => {
    const index = 'index' in event ? event.index : undefined;
    if (index === undefined) return parent;
    let child = children.get(index);
    if (!child) {
      child = { transitions: 0, historyEvents: EVENTS_PER_EXECUTION, path: [] };
      children.set(index, child);
    }
    return child;
  };
  for (const event of history) {
    if (event.type !== 'StateEntered' && event.type !== 'StateRetried') continue;
    const name = event.state.name;
    const state = states.get(name);
    if (!state) throw new Error(`the event log names a state the definition does not have: ${name}`);
    const counter = counterOf(event);
    counter.transitions += 1;
    if (event.type === 'StateEntered') {
      counter.historyEvents += eventsPerState(state);
      counter.path.push(name);
    } else {
      counter.historyEvents += EVENTS_PER_RETRY;
    }
  }
  return { parent, children };
}
