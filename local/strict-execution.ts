import { StateMachine } from 'aws-local-stepfunctions';
import type { AslState } from '../lib/state-machine/synthesized-definition';
import { EVENTS_PER_EXECUTION, EVENTS_PER_RETRY, eventsPerState, MAX_HISTORY_EVENTS } from './history-events';

/**
 * The Step Functions payload quota: a state's input and output, and a task's result, as UTF-8
 * encoded JSON, at most 256 KiB (AWS Step Functions Developer Guide, "Step Functions service
 * quotas"; the history event details' `input`/`output` fields have the same 262,144-byte bound).
 */
export const MAX_PAYLOAD_BYTES = 262_144;

/** aws-local-stepfunctions' JSON value type, which it does not export. */
export type Json = Parameters<StateMachine['run']>[0];

/** The definition and options aws-local-stepfunctions' StateMachine takes. */
type MachineDefinition = ConstructorParameters<typeof StateMachine>[0];
type MachineOptions = ConstructorParameters<typeof StateMachine>[1];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;

/**
 * `States.DataLimitExceeded`: a payload over the quota. The library honours `isRetryable` and
 * `isCatchable`, so the state fails past every Retry and Catch, as on AWS, where it is a terminal
 * error that `States.ALL` does not match.
 */
export class DataLimitExceededError extends Error {
  public override readonly name = 'States.DataLimitExceeded';
  public readonly isRetryable = false;
  public readonly isCatchable = false;
}

/** The error and cause Step Functions ends an execution with when its history is full. */
export class HistoryLimitError extends Error {
  public override readonly name = 'States.Runtime';
  public readonly isRetryable = false;
  public readonly isCatchable = false;
  public constructor() {
    super(`The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`);
  }
}

/** A payload a run saw: how large, where. */
export interface PayloadSighting {
  readonly bytes: number;
  /** The state, e.g. `EnforceRetention`. */
  readonly state: string;
  /** A state's `input` (after Parameters), its `output`, or a task's `result`. */
  readonly kind: 'input' | 'output' | 'result';
  /** The execution's name (the run's, or a child's). */
  readonly execution: string;
}

/** The largest payload and the longest history seen across all the executions of a run. */
export class QuotaWatch {
  private top: PayloadSighting | undefined;
  private history: { execution: string; events: number } | undefined;

  public get largest(): PayloadSighting | undefined {
    return this.top;
  }

  public get longestHistory(): { readonly execution: string; readonly events: number } | undefined {
    return this.history;
  }

  public see(sighting: PayloadSighting): void {
    if (!this.top || sighting.bytes > this.top.bytes) this.top = sighting;
  }

  public seeHistory(execution: string, events: number): void {
    if (!this.history || events > this.history.events) this.history = { execution, events };
  }
}

/** UTF-8 bytes of a value as JSON, the way Step Functions measures a payload. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * The quotas of one execution: its payloads and its history. One per execution (the run, and each
 * child of a Distributed Map), as on AWS, where each child has a history of its own.
 */
export class ExecutionLimits {
  private events = EVENTS_PER_EXECUTION;

  /**
   * @param stateTypes the type of each state as deployed (the local definition turns Wait states
   *   and the Distributed Map into tasks; history is counted as AWS would record the real ones)
   */
  public constructor(
    public readonly execution: string,
    private readonly stateTypes: ReadonlyMap<string, AslState>,
    private readonly watch: QuotaWatch,
  ) {}

  /** History events so far (an estimate from the states entered, see history-events.ts). */
  public get historyEvents(): number {
    return this.events;
  }

  /** Throws {@link DataLimitExceededError} for a payload over the quota; remembers the largest. */
  public check(value: unknown, state: string, kind: PayloadSighting['kind']): void {
    const bytes = payloadBytes(value);
    this.watch.see({ bytes, state, kind, execution: this.execution });
    if (bytes > MAX_PAYLOAD_BYTES) {
      const what =
        kind === 'result'
          ? `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`
          : `The state/task '${state}' has ${kind === 'input' ? 'an input' : 'an output'} with a size exceeding the maximum number of bytes service limit.`;
      throw new DataLimitExceededError(`${what} (${bytes} bytes, limit ${MAX_PAYLOAD_BYTES})`);
    }
  }

  public entered(state: string): void {
    const type = this.stateTypes.get(state);
    this.add(type ? eventsPerState(type) : 2);
  }

  public retried(): void {
    this.add(EVENTS_PER_RETRY);
  }

  private add(events: number): void {
    this.events += events;
    // The closing ExecutionSucceeded may be event 25,000; anything else past 24,999 fails the execution.
    if (this.events > MAX_HISTORY_EVENTS) {
      // What AWS records instead: ExecutionFailed, as event 25,000.
      this.events = MAX_HISTORY_EVENTS;
      throw new HistoryLimitError();
    }
  }
}

/** The event logger aws-local-stepfunctions hands each execution (not exported; used by name). */
interface EventLogger {
  dispatchStateEnteredEvent(name: string, type: string, input: unknown): void;
  dispatchStateExitedEvent(name: string, type: string, input: unknown, output: unknown): void;
  dispatchStateFailedEvent(name: string, type: string, input: unknown, error: Error): void;
  dispatchStateRetriedEvent(name: string, type: string, input: unknown, ...rest: unknown[]): void;
}

interface MachineInternals {
  execute(
    input: unknown,
    options: { eventLogger: EventLogger; runOptions?: { limits?: ExecutionLimits } },
    cleanup: () => void,
  ): Promise<unknown>;
}

/**
 * A state machine of aws-local-stepfunctions whose executions keep to Step Functions' quotas:
 * pass an {@link ExecutionLimits} as `limits` in the run options, and every state's output is
 * checked as it leaves the state (failing the state, then the execution, with
 * `States.DataLimitExceeded`), and the history is counted as states are entered and retried.
 *
 * The check sits on the execution's event logger, the one point where the library hands over each
 * state's output before the next state starts. The library does not export it, so this depends on
 * its internals: the version is pinned in package.json, and test/local/strict-execution.test.ts
 * proves each limit trips.
 */
export function strictStateMachine(definition: unknown, options: MachineOptions): StateMachine {
  const machine = new StateMachine(definition as MachineDefinition, options);
  const internals = machine as unknown as MachineInternals;
  const execute = internals.execute.bind(machine);
  internals.execute = (input, executeOptions, cleanup) => {
    const limits = executeOptions.runOptions?.limits;
    if (limits) watchEvents(executeOptions.eventLogger, limits);
    return execute(input, executeOptions, cleanup);
  };
  return machine;
}

/** Runs an execution of a {@link strictStateMachine} under `limits`. */
export function runStrict(
  machine: StateMachine,
  input: unknown,
  options: RunOptions,
  limits: ExecutionLimits,
): ReturnType<StateMachine['run']> {
  return machine.run(input as Json, { ...options, limits } as RunOptions);
}

function watchEvents(logger: EventLogger, limits: ExecutionLimits): void {
  const entered = logger.dispatchStateEnteredEvent.bind(logger);
  const exited = logger.dispatchStateExitedEvent.bind(logger);
  const failed = logger.dispatchStateFailedEvent.bind(logger);
  const retried = logger.dispatchStateRetriedEvent.bind(logger);
  logger.dispatchStateEnteredEvent = (name, type, input) => {
    entered(name, type, input);
    // Throwing here fails the execution at once, past every Catch: the history is full.
    limits.entered(name);
  };
  logger.dispatchStateExitedEvent = (name, type, input, output) => {
    try {
      limits.check(output, name, 'output');
    } catch (error) {
      failed(name, type, input, error as Error);
      throw error;
    }
    exited(name, type, input, output);
  };
  logger.dispatchStateRetriedEvent = (name, type, input, ...rest) => {
    limits.retried();
    retried(name, type, input, ...rest);
  };
}

/**
 * A task handler that keeps to the payload quota: its effective input (after Parameters) and its
 * result are checked, and either over 256 KiB fails the state with `States.DataLimitExceeded`,
 * which neither Retry nor Catch matches.
 */
export function strictHandler(
  state: string,
  handler: (input: Json) => Promise<Json>,
  limits: ExecutionLimits,
): (input: Json) => Promise<Json> {
  return async (input) => {
    limits.check(input, state, 'input');
    const result = await handler(input);
    limits.check(result, state, 'result');
    return result;
  };
}
