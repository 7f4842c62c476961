import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { StateMachine } from 'aws-local-stepfunctions';
import { useClock } from '../functions/shared/clock';
import { type RunReport, runReportSchema } from '../functions/shared/contracts/run-report';
import { closeCachedMilvus } from '../functions/shared/lambda/milvus-environment';
import { FileReportStore, ReportKeys } from '../functions/shared/reports/report-store';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import type { AslState, SynthesizedRun } from '../lib/state-machine/synthesized-definition';
import { STEP_CATALOG, stepTimeoutSeconds } from '../lib/step-catalog';
import {
  type ChildEvent,
  LocalBuckets,
  type MapRunCounts,
  type MapRunEvent,
  runDistributedMap,
} from './distributed-map';
import type { LocalClock } from './local-clock';
import { type LocalDefinition, prepareLocalDefinition, waitSeconds } from './local-definition';
import { asStepFunctionsError, invokeLocally, type LambdaHandler } from './local-lambda';
import { localMachinesOf } from './local-machines';
import {
  ExecutionLimits,
  type Json,
  type PayloadSighting,
  QuotaWatch,
  runStrict,
  strictHandler,
} from './strict-execution';
import { synthesizeInChildProcess } from './synthesis-process';

/** One event of an execution's log, as aws-local-stepfunctions reports it. */
export type RunEvent = Exclude<
  Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'],
  undefined | undefined
>;

/**
 * What {@link LocalRunOptions.onEvent} receives: the run's own events, its Map Runs' progress, and
 * every event of every child execution (tagged with the child's `index` and `execution` name; its
 * start and end as `MapIterationStarted`, `MapIterationSucceeded`, `MapIterationFailed`).
 */
export type LocalRunEvent = RunEvent | MapRunEvent | ChildEvent;

/** Where Milvus is, for the functions. */
export interface LocalMilvus {
  readonly address: string;
  /** A stable id of the cluster, when the address is not stable (the built-in emulator's port changes). */
  readonly clusterId?: string;
  readonly token?: string;
  readonly tls?: boolean;
}

/** Options of {@link runLocally}. */
export interface LocalRunOptions {
  /** The deployment configuration (what `cdk deploy` would deploy). */
  readonly config: DeploymentConfig;
  /** The execution input, exactly as a schedule or the console would give it. */
  readonly input: unknown;
  /** The Milvus the functions talk to (the emulator or a real one). */
  readonly milvus: LocalMilvus;
  /** The run's clock, shared with the emulator when there is one. */
  readonly clock: LocalClock;
  /** Where results and reports go (the local stand-in for the reports bucket). */
  readonly reportsDir: string;
  /** The execution name. @default `local-<timestamp>-<random>` */
  readonly runId?: string;
  /** Powertools log level of the functions. @default 'ERROR' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * Called for every event as it happens: the run's, its Map Runs' and every child execution's.
   * Nothing else keeps the children's events: a run of any size holds only what runs at the moment.
   */
  onEvent?(event: LocalRunEvent): void;
  /** A definition already synthesized from `config` (benchmarks reuse one). */
  readonly synthesized?: SynthesizedRun;
  /**
   * Once aborted (Ctrl-C), the run starts no new work: every step but the ones that clean up and
   * record ({@link STEPS_AFTER_INTERRUPT}) fails with `RunInterruptedError`, which the definition's
   * Catches route to cleanup and the report; Wait states end at once.
   */
  readonly interrupt?: AbortSignal;
  /** Once aborted, the execution and its child executions stop at once, as StopExecution stops them. */
  readonly abandon?: AbortSignal;
}

/** The steps that still run after an interrupt: drills clean up, and results and the report are written. */
export const STEPS_AFTER_INTERRUPT: ReadonlySet<string> = new Set([
  'CleanupDrill',
  'RecordDrill',
  'RecordCollectionResult',
  'BuildReport',
]);

/** The error name of {@link RunInterruptedError}, as a collection's result in the report carries it. */
export const RUN_INTERRUPTED_ERROR = 'RunInterruptedError';

/** What a step fails with once the run has been interrupted. */
export class RunInterruptedError extends Error {
  public override readonly name = RUN_INTERRUPTED_ERROR;
  public constructor(step: string) {
    super(`the run was interrupted (Ctrl-C) before ${step}`);
  }
}

/** A message the run published to SNS, as the topic would receive it. */
export interface LocalNotification {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Record<string, string>;
}

/** What a local run produced. */
export interface LocalRunResult {
  readonly runId: string;
  /** How the execution ended. */
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's error when it failed (`RunFailed` when collections failed, or e.g. `InvalidInputError`). */
  readonly error?: { readonly name: string; readonly cause: string };
  /** The run report, when the run got as far as building one. */
  readonly report?: RunReport;
  /** Where the report was stored. */
  readonly reportPath?: string;
  /** What would have gone to the SNS topic. */
  readonly notifications: readonly LocalNotification[];
  /** What would have gone to the default EventBridge bus. */
  readonly events: readonly unknown[];
  /** Every event of the run's own execution (a child's are given to `onEvent` only). */
  readonly history: readonly RunEvent[];
  /** How each Map Run's child executions ended. */
  readonly mapRuns: readonly {
    readonly state: string;
    readonly mapRunArn: string;
    readonly counts: MapRunCounts;
  }[];
  /** The largest payload (state input or output, task result) any execution of the run had. */
  readonly largestPayload?: PayloadSighting;
  /** The longest history of any execution of the run (estimated as AWS records events). */
  readonly longestHistory?: { readonly execution: string; readonly events: number };
  /** Real time the run took. */
  readonly wallMs: number;
}

/**
 * Runs the state machine the stack deploys, on this machine: the definition synthesized from the
 * configuration, executed by aws-local-stepfunctions, each Lambda task running its real handler
 * in-process (through a JSON boundary, with Lambda's error shape), Wait states as timers on the
 * run's clock, and the SNS and EventBridge tasks writing to local sinks.
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  // Real time, for the run's wall time only; everything the run records follows its clock.
  const started = Date.now();
  // In a process of its own, so that the CDK never loads here, while this one loads the handlers.
  const synthesizing = options.synthesized
    ? Promise.resolve(options.synthesized)
    : synthesizeInChildProcess(options.config);
  synthesizing.catch(() => undefined);

  const release = await enterProcessRun(options, {
    MILVUS_ADDRESS: options.milvus.address,
    MILVUS_CLUSTER_ID: options.milvus.clusterId ?? options.config.milvus.clusterId,
    MILVUS_TLS: String(options.milvus.tls ?? false),
    MILVUS_TIMEOUT_MS: String(options.config.milvus.timeoutMs),
    MILVUS_TOKEN: options.milvus.token,
    MILVUS_TOKEN_SECRET_ID: undefined,
    REPORTS_DIR: options.reportsDir,
    REPORTS_BUCKET: undefined,
    PER_COLLECTION_METRICS: String(options.config.perCollectionMetrics),
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // With tracing off, the X-Ray SDK that Powertools Tracer loads would still install, when the
    // handlers are first imported, a cls-hooked async hook that tracks the destruction of every
    // promise in the process (14 % of a large run's CPU); manual mode, which a disabled tracer
    // never notices, installs none.
    AWS_XRAY_MANUAL_MODE: 'true',
  });

  const notifications: LocalNotification[] = [];
  const events: unknown[] = [];
  try {
    // After the environment is set: Powertools reads it as the handlers load.
    const loading = loadStepHandlers();
    loading.catch(() => undefined);
    const synthesized = await synthesizing;
    const modules = await loading;
    // The run begins now that it is ready: synthesis and loading the handlers take no run time
    // (at a time scale of 0.001, a second of loading would be 17 minutes of it).
    options.clock.begin();
    await options.clock.settled?.();
    const runId =
      options.runId ??
      `local-${new Date(options.clock.now()).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
    const startTime = new Date(options.clock.now()).toISOString();
    const local = prepareLocalDefinition(synthesized.definition, options.clock.msPerSecond, {
      '$$.Execution.StartTime': startTime,
    });
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, task] of Object.entries(synthesized.tasks)) {
      const module = modules.get(task.entry) ?? ((await import(task.entry)) as { handler: LambdaHandler });
      const timeoutMs = stepTimeoutSeconds(STEP_CATALOG[task.step], options.config.milvus.timeoutMs) * 1000;
      const stops = !STEPS_AFTER_INTERRUPT.has(task.step);
      const invoke = async (input: Json) => {
        if (stops && options.interrupt?.aborted)
          throw asStepFunctionsError(new RunInterruptedError(task.step));
        return (await invokeLocally(module.handler, task.step, input, timeoutMs)) as Json;
      };
      // A clock that orders the run's steps runs each invocation as one of them.
      const step = options.clock.step?.bind(options.clock);
      handlers[stateName] = step ? (input) => step(() => invoke(input)) : invoke;
    }
    for (const [stateName, wait] of local.waits) {
      handlers[stateName] = async (input) => {
        await untilInterrupted(
          options.clock.sleep(waitSeconds(wait, input, options.clock.now())),
          options.interrupt,
        );
        return input;
      };
    }
    handlers[synthesized.serviceTasks.publishReport] = async (input) => {
      notifications.push(snsMessage(input));
      return { MessageId: randomUUID() };
    };
    handlers[synthesized.serviceTasks.emitRunEvent] = async (input) => {
      const entries = (input as { Entries?: unknown[] }).Entries ?? [];
      events.push(...entries);
      return { Entries: entries.map(() => ({ EventId: randomUUID() })), FailedEntryCount: 0 };
    };

    const executed = await executeLocally({
      synthesized,
      local,
      input: options.input,
      handlers,
      runId,
      startTime,
      reportsDir: options.reportsDir,
      retryIntervalOverrides: scaledRetryIntervals(local.tasks, options.clock.msPerSecond),
      now: () => options.clock.now(),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.abandon ? { abandon: options.abandon } : {}),
    });
    const { status, error } = executed;

    const stored = await findReport(options.reportsDir, runId, startTime);
    return {
      runId,
      status,
      ...(error ? { error } : {}),
      ...stored,
      notifications,
      events,
      history: executed.history,
      mapRuns: executed.mapRuns,
      ...(executed.largestPayload ? { largestPayload: executed.largestPayload } : {}),
      ...(executed.longestHistory ? { longestHistory: executed.longestHistory } : {}),
      wallMs: Date.now() - started,
    };
  } finally {
    await release();
  }
}

/** What {@link executeLocally} runs. */
export interface LocalExecutionOptions {
  readonly synthesized: SynthesizedRun;
  /** The definition prepared for local runs ({@link prepareLocalDefinition}). */
  readonly local: LocalDefinition;
  readonly input: unknown;
  /** A handler for every Task state (Lambda tasks, timers, SNS, EventBridge), by state name. */
  readonly handlers: Readonly<Record<string, (input: Json) => Promise<Json>>>;
  /** The execution's name. */
  readonly runId: string;
  /** `$$.Execution.StartTime`, on the run's clock. */
  readonly startTime: string;
  /** The local stand-in for the buckets the Map reads from and writes to. */
  readonly reportsDir: string;
  readonly retryIntervalOverrides?: Record<string, number[]>;
  /** The run's clock (epoch ms). */
  now(): number;
  onEvent?(event: LocalRunEvent): void;
  /** Once aborted, the execution and its Map Runs' children stop at once. */
  readonly abandon?: AbortSignal;
}

/** How an execution ended, and what it saw. */
export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly cause: string };
  readonly history: readonly RunEvent[];
  readonly mapRuns: LocalRunResult['mapRuns'];
  readonly largestPayload?: PayloadSighting;
  readonly longestHistory?: { readonly execution: string; readonly events: number };
}

/**
 * Executes a prepared definition as Step Functions would: aws-local-stepfunctions runs the states,
 * each Distributed Map runs as a Map Run of child executions (distributed-map.ts), and every
 * execution keeps to the payload and history quotas (strict-execution.ts). The run's own events
 * are kept; a child's go to `onEvent` only.
 */
export async function executeLocally(options: LocalExecutionOptions): Promise<LocalExecution> {
  const { synthesized, local, runId, retryIntervalOverrides } = options;
  const history: RunEvent[] = [];
  const mapRuns: { state: string; mapRunArn: string; counts: MapRunCounts }[] = [];
  const watch = new QuotaWatch();
  const stopMapRuns: (() => void)[] = [];
  const handlers: Record<string, (input: Json) => Promise<Json>> = { ...options.handlers };
  const machines = localMachinesOf(synthesized, local);
  const context = {
    Execution: {
      Id: `arn:aws:states:local:000000000000:execution:${STATE_MACHINE_NAME}:${runId}`,
      Name: runId,
      StartTime: options.startTime,
      Input: options.input as Json,
      RoleArn: 'arn:aws:iam::000000000000:role/local',
    },
    StateMachine: {
      Id: `arn:aws:states:local:000000000000:stateMachine:${STATE_MACHINE_NAME}`,
      Name: STATE_MACHINE_NAME,
    },
  };
  // The buckets the Map reads from and writes to are, locally, the reports directory.
  const buckets = new LocalBuckets(new Map([...bucketsNamedBy(local)].map((b) => [b, options.reportsDir])));
  for (const [stateName, spec] of local.maps) {
    const processor = machines.processors.get(stateName);
    const templates = machines.templates.get(stateName);
    if (!processor || !templates) throw new Error(`no item processor for ${stateName}`);
    handlers[stateName] = async (input) =>
      (await runDistributedMap(spec, input, {
        stateMachineName: STATE_MACHINE_NAME,
        context,
        processor,
        templates,
        processorStates: deployedProcessorStates(synthesized, stateName),
        handlers: options.handlers,
        ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
        watch,
        buckets,
        now: options.now,
        onMapRunEvent: (event) => {
          if (event.type === 'MapRunSucceeded' || event.type === 'MapRunFailed') {
            const { state, mapRunArn, counts } = event;
            mapRuns.push({ state: state.name, mapRunArn, counts });
          }
          options.onEvent?.(event);
        },
        ...(options.onEvent ? { onChildEvent: options.onEvent } : {}),
        onStart: (stop) => stopMapRuns.push(stop),
      })) as Json;
  }

  const limits = new ExecutionLimits(runId, new Map(Object.entries(synthesized.definition.States)), watch);
  const parentHandlers = Object.fromEntries(
    Object.keys(local.definition.States).flatMap((name) => {
      const handler = handlers[name];
      return handler ? [[name, strictHandler(name, handler, limits)]] : [];
    }),
  );
  const execution = runStrict(
    machines.parent,
    options.input,
    {
      overrides: {
        taskResourceLocalHandlers: parentHandlers,
        ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
      },
      context: context as never,
    },
    limits,
  );
  const abandon = () => {
    execution.abort();
    for (const stop of stopMapRuns) stop();
  };
  options.abandon?.addEventListener('abort', abandon, { once: true });
  if (options.abandon?.aborted) abandon();
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (!event) continue;
      history.push(event);
      options.onEvent?.(event);
    }
  })();

  let status: LocalExecution['status'] = 'SUCCEEDED';
  let output: unknown;
  let error: LocalExecution['error'];
  try {
    output = await execution.result;
  } catch (failure) {
    status = 'FAILED';
    error = executionError(failure);
    // A Map Run outlives its parent only until this: its children stop with it, as on AWS.
    for (const stop of stopMapRuns) stop();
  }
  await logging;
  options.abandon?.removeEventListener('abort', abandon);
  watch.seeHistory(runId, limits.historyEvents);
  return {
    status,
    ...(status === 'SUCCEEDED' ? { output } : {}),
    ...(error ? { error } : {}),
    history,
    mapRuns,
    ...(watch.largest ? { largestPayload: watch.largest } : {}),
    ...(watch.longestHistory ? { longestHistory: watch.longestHistory } : {}),
  };
}

/** The deployed state machine's name, locally: Map Runs and child executions are named after it. */
export const STATE_MACHINE_NAME = 'MilvusSnapshotScheduler';

/** A Distributed Map's item processor states as deployed (Wait states still Wait), for history counts. */
function deployedProcessorStates(synthesized: SynthesizedRun, mapState: string): Map<string, AslState> {
  return new Map(Object.entries(synthesized.definition.States[mapState]?.ItemProcessor?.States ?? {}));
}

/** The buckets the definition's ItemReaders and ResultWriters name. */
function bucketsNamedBy(local: LocalDefinition): Set<string> {
  const names = new Set<string>();
  for (const spec of local.maps.values()) {
    const reader = spec.itemReader?.Parameters?.Bucket;
    const writer = spec.resultWriter?.Parameters?.Bucket;
    for (const bucket of [reader, writer]) if (typeof bucket === 'string') names.add(bucket);
  }
  return names;
}

/** What runs in this process share: one environment, one clock, one Milvus connection. */
let shared: { key: string; clock: LocalClock; count: number; restore: () => void } | undefined;

/**
 * Sets up the process for a run, or joins the runs already going (two executions at once share
 * the environment, the clock and the cached connection, so they must agree on them). The last
 * run to finish restores the environment and closes the connection.
 */
async function enterProcessRun(
  options: LocalRunOptions,
  env: Record<string, string | undefined>,
): Promise<() => Promise<void>> {
  const key = JSON.stringify(env);
  if (shared) {
    if (shared.key !== key || shared.clock !== options.clock) {
      throw new Error(
        'runs going on at the same time in one process must share the Milvus, the reports directory, the settings and the clock',
      );
    }
    shared.count += 1;
  } else {
    const restoreEnv = setEnvironment(env);
    const restoreClock = useClock(() => options.clock.now());
    shared = {
      key,
      clock: options.clock,
      count: 1,
      restore: () => {
        restoreClock();
        restoreEnv();
      },
    };
  }
  return async () => {
    if (!shared) return;
    shared.count -= 1;
    if (shared.count > 0) return;
    const { restore } = shared;
    shared = undefined;
    if (connectionHolds === 0) await closeCachedMilvus();
    restore();
  };
}

/** How many {@link holdMilvusConnection} holds are open. */
let connectionHolds = 0;

/**
 * Keeps the functions' Milvus connection open from one run to the next in this process, as warm
 * Lambda containers keep theirs between executions, until the returned function is called (it
 * closes the connection once no run is going). Without a hold, each run closes it at its end so
 * the process can exit. A run with another Milvus address or token still connects anew: the
 * connection is cached by endpoint and credentials.
 */
export function holdMilvusConnection(): () => Promise<void> {
  connectionHolds += 1;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    connectionHolds -= 1;
    if (connectionHolds === 0 && !shared) await closeCachedMilvus();
  };
}

/** The project's root: functions/<step>/handler.ts are under it. */
const PROJECT_ROOT = join(import.meta.dirname, '..');

/** Every step's handler module, by its entry (`functions/<step>/handler.ts`), loaded side by side. */
async function loadStepHandlers(): Promise<Map<string, { handler: LambdaHandler }>> {
  const entries = Object.values(STEP_CATALOG).map((step) =>
    join(PROJECT_ROOT, 'functions', step.directory, 'handler.ts'),
  );
  const modules = await Promise.all(
    entries.map((entry) => import(entry) as Promise<{ handler: LambdaHandler }>),
  );
  return new Map(entries.map((entry, i) => [entry, modules[i] as { handler: LambdaHandler }]));
}

/** Resolves with `sleep`, or as soon as `interrupt` is aborted. */
function untilInterrupted(sleep: Promise<void>, interrupt: AbortSignal | undefined): Promise<void> {
  if (!interrupt) return sleep;
  if (interrupt.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      interrupt.removeEventListener('abort', done);
      resolve();
    };
    interrupt.addEventListener('abort', done);
    void sleep.then(done);
  });
}

/** The SNS message a PublishReport task input describes. */
function snsMessage(input: Json): LocalNotification {
  const publish = input as {
    Subject?: string;
    Message?: string;
    MessageAttributes?: Record<string, { StringValue?: string }>;
  };
  return {
    subject: publish.Subject ?? '',
    message: publish.Message ?? '',
    attributes: Object.fromEntries(
      Object.entries(publish.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue ?? '']),
    ),
  };
}

/**
 * Retry pauses in run time: the library cannot scale them, so each retrier gets a fixed pause of
 * its interval converted to real milliseconds. In real time (scale 1) the definition's own
 * intervals, backoff and jitter apply unchanged.
 */
function scaledRetryIntervals(
  tasks: ReadonlyMap<string, AslState>,
  msPerSecond: number,
): Record<string, number[]> | undefined {
  if (msPerSecond >= 1000) return undefined;
  const overrides: Record<string, number[]> = {};
  for (const [name, state] of tasks) {
    const retry = state.Retry as ReadonlyArray<{ IntervalSeconds?: number }> | undefined;
    if (retry?.length) overrides[name] = retry.map((r) => (r.IntervalSeconds ?? 1) * msPerSecond);
  }
  return overrides;
}

function executionError(failure: unknown): { name: string; cause: string } {
  const error = failure as { name?: string; message?: string; cause?: { name?: string; message?: string } };
  const inner = error.cause ?? error;
  const name = inner.name && inner.name !== 'Error' ? inner.name : (error.name ?? 'Error');
  const raw = inner.message ?? String(failure);
  return { name, cause: lambdaCauseMessage(raw) };
}

/** The error message inside a Lambda-style Cause document, or the text as it is. */
export function lambdaCauseMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not a Lambda Cause document: a Fail state's cause, or plain text.
  }
  return cause;
}

async function findReport(
  reportsDir: string,
  runId: string,
  startTime: string,
): Promise<{ report?: RunReport; reportPath?: string }> {
  const store = new FileReportStore(reportsDir);
  const key = ReportKeys.runReport(runId, new Date(startTime));
  const raw = await store.getJson(key);
  if (raw === undefined) return {};
  return { report: runReportSchema.parse(raw), reportPath: `${reportsDir}/${key}` };
}

/** Sets environment variables (undefined deletes) and returns a function that restores them. */
function setEnvironment(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return () => apply(previous);
}
