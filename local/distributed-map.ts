import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { AslState } from '../lib/state-machine/synthesized-definition';
import type { MapTemplates } from './local-machines';
import type { TemplateContext } from './payload-template';
import {
  ExecutionLimits,
  type Json,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
  type QuotaWatch,
  runStrict,
  strictHandler,
} from './strict-execution';

/** An event of a child execution, as the run's event log carries it: tagged with the child. */
export type ChildEvent = Record<string, unknown> & {
  readonly type: string;
  /** The item's index in the Map. */
  readonly index: number;
  /** The child execution's name. */
  readonly execution: string;
};

/** How many of a Map Run's child executions are where, as the console's Map Run page counts them. */
export interface MapRunCounts {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly aborted: number;
}

/** A Map Run's progress, for the run's event log. */
export interface MapRunEvent {
  readonly type: 'MapRunStarted' | 'MapRunChanged' | 'MapRunSucceeded' | 'MapRunFailed';
  readonly timestamp: number;
  readonly state: { readonly name: string };
  readonly mapRunArn: string;
  readonly counts: MapRunCounts;
}

/** The parts of a Distributed Map state the local runner implements. */
export interface DistributedMapSpec {
  readonly stateName: string;
  readonly label: string;
  readonly itemReader?: {
    readonly Resource: string;
    readonly ReaderConfig?: { readonly InputType?: string; readonly MaxItems?: number };
    readonly Parameters?: Record<string, unknown>;
  };
  readonly itemsPath?: string;
  readonly itemSelector?: unknown;
  readonly maxConcurrency?: number;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
  readonly resultWriter?: {
    readonly Resource?: string;
    readonly Parameters?: { readonly Bucket?: string; readonly Prefix?: string };
    readonly WriterConfig?: { readonly OutputType?: string; readonly Transformation?: string };
  };
  /** The item processor, prepared for local runs like the rest of the definition. */
  readonly processor: { readonly StartAt: string; readonly States: Record<string, AslState> };
}

/** The Distributed Map's own errors (AWS Step Functions Developer Guide, "Error handling"). */
export class MapRunError extends Error {
  public constructor(
    public override readonly name:
      | 'States.ItemReaderFailed'
      | 'States.ResultWriterFailed'
      | 'States.ExceedToleratedFailureThreshold',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The local stand-in for S3: the buckets the definition names (placeholders at synth) are
 * directories. Keys are checked to stay inside them.
 */
export class LocalBuckets {
  public constructor(private readonly roots: ReadonlyMap<string, string>) {}

  public pathOf(bucket: string, key: string): string {
    const root = this.roots.get(bucket);
    if (root === undefined) throw new Error(`bucket ${bucket} is not one this run can reach locally`);
    const path = resolve(root, key);
    if (!path.startsWith(resolve(root) + sep)) throw new Error(`key ${key} points outside bucket ${bucket}`);
    return path;
  }

  public async readJson(bucket: string, key: string): Promise<unknown> {
    return JSON.parse(await readFile(this.pathOf(bucket, key), 'utf8'));
  }
}

/** What a Map Run needs from the run it belongs to. */
export interface MapRunEnvironment {
  /** The run's state machine name: Map Runs and children are named after it. */
  readonly stateMachineName: string;
  /** The parent execution's context object (`$$.Execution`, `$$.StateMachine`). */
  readonly context: TemplateContext;
  /** The item processor's state machine: one per definition, validated once. */
  readonly processor: StateMachine;
  /** The Map's ItemSelector and item source, built with the processor. */
  readonly templates: MapTemplates;
  /** The processor's states as deployed, to count each child's history. */
  readonly processorStates: ReadonlyMap<string, AslState>;
  /** Task handlers by state name (each child gets them wrapped with its own limits). */
  readonly handlers: Readonly<Record<string, (input: Json) => Promise<Json>>>;
  readonly retryIntervalOverrides?: Record<string, number[]>;
  readonly watch: QuotaWatch;
  readonly buckets: LocalBuckets;
  /** The run's clock (epoch ms), for the children's start and stop dates. */
  now(): number;
  /** The Map Run's progress. */
  onMapRunEvent?(event: MapRunEvent): void;
  /**
   * Every event of every child execution. Without it the children's event logs are not read at
   * all (their quotas are kept by their limits, which do not need them).
   */
  onChildEvent?(event: ChildEvent): void;
  /** Called with a function that stops the Map Run, for when the parent execution ends first. */
  onStart?(abort: () => void): void;
}

/** AWS starts up to 10,000 children at once when MaxConcurrency is 0 or absent. */
const DEFAULT_MAX_CONCURRENCY = 10_000;

/**
 * Runs a Distributed Map as Step Functions does: reads the items (an ItemReader's JSON array from
 * the bucket, or ItemsPath), starts one child execution of the item processor per item, at most
 * MaxConcurrency at once, each with its own input (the ItemSelector's), context object, history
 * and quotas; tolerates failed children up to ToleratedFailurePercentage/Count, past which it
 * stops the others and fails with States.ExceedToleratedFailureThreshold; and returns, with a
 * ResultWriter, `{ MapRunArn, ResultWriterDetails }` after writing the manifest and the result
 * files in the format AWS writes (execution metadata per child, failed ones with Error and Cause),
 * or without one, the array of results (a failed child's element is its execution metadata).
 *
 * Items are started as workers free up and results are streamed to the files, so a Map Run of
 * any size holds only the children running at that moment.
 */
export async function runDistributedMap(
  spec: DistributedMapSpec,
  input: unknown,
  env: MapRunEnvironment,
): Promise<unknown> {
  const items = await readItems(spec, input, env);
  const mapRunId = randomUUID();
  const arnTail = `${env.stateMachineName}/${spec.label}`;
  const mapRunArn = `arn:aws:states:local:000000000000:mapRun:${arnTail}:${mapRunId}`;
  const childStateMachineArn = `arn:aws:states:local:000000000000:stateMachine:${arnTail}`;
  const selector = env.templates.itemSelector;
  const output = spec.resultWriter?.Parameters?.Bucket
    ? await MapResultFiles.open(spec.resultWriter, mapRunId, mapRunArn, env.buckets)
    : new InlineResults();

  const total = items.length;
  const counts = { total, pending: total, running: 0, succeeded: 0, failed: 0, aborted: 0 };
  const running = new Set<{ abort(): void }>();
  let stopped: MapRunError | undefined;
  const emit = (type: MapRunEvent['type']) =>
    env.onMapRunEvent?.({
      type,
      timestamp: Date.now(),
      state: { name: spec.stateName },
      mapRunArn,
      counts: { ...counts },
    });
  const stop = (why: MapRunError) => {
    stopped ??= why;
    for (const child of running) child.abort();
  };
  env.onStart?.(() =>
    stop(new MapRunError('States.ExceedToleratedFailureThreshold', 'the Map Run was stopped')),
  );
  emit('MapRunStarted');

  const runChild = async (index: number) => {
    const name = randomUUID();
    const executionArn = `arn:aws:states:local:000000000000:execution:${arnTail}:${name}`;
    const startDate = new Date(env.now()).toISOString();
    counts.pending -= 1;
    counts.running += 1;
    emit('MapRunChanged');
    let childInput: unknown = items[index];
    let outcome: ChildOutcome;
    try {
      if (selector) {
        childInput = await selector.evaluate(input, {
          ...env.context,
          Map: { Item: { Index: index, Value: items[index] } },
        });
      }
      if (payloadBytes(childInput) > MAX_PAYLOAD_BYTES) {
        outcome = {
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause: `The child execution's input (the ItemSelector's output) exceeds the maximum number of bytes service limit (${MAX_PAYLOAD_BYTES}).`,
        };
      } else {
        outcome = await executeChild(
          env,
          childInput,
          index,
          name,
          executionArn,
          childStateMachineArn,
          running,
        );
      }
    } catch (error) {
      outcome = { status: 'FAILED', error: (error as Error).name, cause: (error as Error).message };
    }
    counts.running -= 1;
    const entry = metadata(outcome, {
      ExecutionArn: executionArn,
      Input: JSON.stringify(childInput),
      InputDetails: { Included: true },
      Name: name,
      StartDate: startDate,
      StateMachineArn: childStateMachineArn,
      StopDate: new Date(env.now()).toISOString(),
    });
    output.add(entry, outcome, index);
    if (outcome.status === 'SUCCEEDED') counts.succeeded += 1;
    else if (outcome.status === 'ABORTED') counts.aborted += 1;
    else {
      counts.failed += 1;
      if (exceedsTolerance(spec, counts.failed, total)) {
        stop(
          new MapRunError(
            'States.ExceedToleratedFailureThreshold',
            `The specified tolerated failure threshold was exceeded: ${counts.failed} of ${total} child executions failed`,
          ),
        );
      }
    }
    emit('MapRunChanged');
  };

  let next = 0;
  const worker = async () => {
    while (next < total && !stopped) {
      const index = next;
      next += 1;
      await runChild(index);
    }
  };
  const width = Math.min(total, spec.maxConcurrency || DEFAULT_MAX_CONCURRENCY);
  await Promise.all(Array.from({ length: width }, worker));

  const result = await output.close();
  emit(stopped ? 'MapRunFailed' : 'MapRunSucceeded');
  if (stopped) throw stopped;
  return result;
}

type ChildOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED' | 'ABORTED'; readonly error: string; readonly cause: string };

async function executeChild(
  env: MapRunEnvironment,
  input: unknown,
  index: number,
  name: string,
  executionArn: string,
  stateMachineArn: string,
  running: Set<{ abort(): void }>,
): Promise<ChildOutcome> {
  const limits = new ExecutionLimits(name, env.processorStates, env.watch);
  const handlers = Object.fromEntries(
    Object.entries(env.handlers).map(([state, handler]) => [state, strictHandler(state, handler, limits)]),
  );
  const execution = runStrict(
    env.processor,
    input,
    {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(env.retryIntervalOverrides ? { retryIntervalOverrides: env.retryIntervalOverrides } : {}),
      },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: {
          Id: stateMachineArn,
          Name: stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1),
        },
      } as never,
    },
    limits,
  );
  running.add(execution);
  const { onChildEvent } = env;
  const forwarding = onChildEvent
    ? (async () => {
        for await (const event of execution.eventLogs) {
          if (event) onChildEvent(childEvent(event as unknown as Record<string, unknown>, index, name));
        }
      })()
    : undefined;
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (failure) {
    const error = failure as Error & { cause?: Error };
    if (error.name === 'ExecutionAbortedError') {
      return {
        status: 'ABORTED',
        error: 'States.Aborted',
        cause: 'the Map Run stopped this child execution',
      };
    }
    const inner = error.cause ?? error;
    return { status: 'FAILED', error: inner.name, cause: inner.message };
  } finally {
    running.delete(execution);
    env.watch.seeHistory(name, limits.historyEvents);
    await forwarding;
  }
}

/** A child's event as the run's log carries it; start and end become the library's iteration events. */
function childEvent(event: Record<string, unknown>, index: number, execution: string): ChildEvent {
  const type =
    event.type === 'ExecutionStarted'
      ? 'MapIterationStarted'
      : event.type === 'ExecutionSucceeded'
        ? 'MapIterationSucceeded'
        : event.type === 'ExecutionFailed'
          ? 'MapIterationFailed'
          : String(event.type);
  return { ...event, type, index, execution };
}

/** One child execution's metadata, as DescribeExecution and the ResultWriter's files give it. */
function metadata(outcome: ChildOutcome, common: Record<string, unknown>): Record<string, unknown> {
  if (outcome.status === 'SUCCEEDED') {
    return {
      ...common,
      Output: JSON.stringify(outcome.output),
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      Status: 'SUCCEEDED',
    };
  }
  return { Cause: outcome.cause, Error: outcome.error, ...common, RedriveCount: 0, Status: outcome.status };
}

function exceedsTolerance(spec: DistributedMapSpec, failed: number, total: number): boolean {
  const count = spec.toleratedFailureCount;
  const percentage = spec.toleratedFailurePercentage;
  if (count === undefined && percentage === undefined) return failed > 0;
  return (
    (count !== undefined && failed > count) ||
    (percentage !== undefined && (failed * 100) / total > percentage)
  );
}

async function readItems(
  spec: DistributedMapSpec,
  input: unknown,
  env: MapRunEnvironment,
): Promise<unknown[]> {
  if (!spec.itemReader) {
    const items = await env.templates.items.evaluate(input, env.context);
    const list = (items as { items?: unknown }).items;
    if (!Array.isArray(list))
      throw new MapRunError('States.ItemReaderFailed', 'ItemsPath must point to an array');
    return list;
  }
  const reader = spec.itemReader;
  if (
    reader.Resource !== 'arn:aws:states:::s3:getObject' ||
    (reader.ReaderConfig?.InputType ?? 'JSON') !== 'JSON'
  ) {
    throw new Error(
      `the local runner reads JSON files from S3 only (arn:aws:states:::s3:getObject, InputType JSON), got ${reader.Resource} ${reader.ReaderConfig?.InputType}`,
    );
  }
  const where = (await env.templates.items.evaluate(input, env.context)) as {
    Bucket?: string;
    Key?: string;
  };
  let items: unknown;
  try {
    items = await env.buckets.readJson(String(where.Bucket), String(where.Key));
  } catch (error) {
    throw new MapRunError(
      'States.ItemReaderFailed',
      `could not read s3://${where.Bucket}/${where.Key}: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(items)) {
    throw new MapRunError(
      'States.ItemReaderFailed',
      `s3://${where.Bucket}/${where.Key} does not hold a JSON array`,
    );
  }
  const max = reader.ReaderConfig?.MaxItems;
  return max ? items.slice(0, max) : items;
}

interface ResultSink {
  add(entry: Record<string, unknown>, outcome: ChildOutcome, index: number): void;
  close(): Promise<unknown>;
}

/**
 * Without a ResultWriter the results come back in the state, in item order: outputs, or a failed
 * child's metadata.
 */
class InlineResults implements ResultSink {
  private readonly results: unknown[] = [];

  public add(entry: Record<string, unknown>, outcome: ChildOutcome, index: number): void {
    this.results[index] = outcome.status === 'SUCCEEDED' ? outcome.output : entry;
  }

  public async close(): Promise<unknown> {
    return this.results;
  }
}

/**
 * A ResultWriter's output: under `<Prefix>/<Map Run id>/`, `SUCCEEDED_0.json`, `FAILED_0.json`
 * (each a JSON array of child execution metadata, written as the children end) and `manifest.json`
 * (`DestinationBucket`, `MapRunArn`, `ResultFiles` by status, each file's `Key` and `Size`).
 */
class MapResultFiles implements ResultSink {
  private readonly files = new Map<
    string,
    { stream: WriteStream; count: number; key: string; path: string }
  >();
  private failure: Error | undefined;

  private constructor(
    private readonly bucket: string,
    private readonly directory: string,
    private readonly mapRunArn: string,
    private readonly buckets: LocalBuckets,
  ) {}

  public static async open(
    writer: NonNullable<DistributedMapSpec['resultWriter']>,
    mapRunId: string,
    mapRunArn: string,
    buckets: LocalBuckets,
  ): Promise<MapResultFiles> {
    if (writer.WriterConfig && writer.WriterConfig.Transformation !== 'NONE') {
      throw new Error(
        'the local runner writes results as AWS does by default (Transformation NONE, JSON) only',
      );
    }
    const bucket = String(writer.Parameters?.Bucket);
    const prefix = writer.Parameters?.Prefix ? `${writer.Parameters.Prefix.replace(/\/+$/, '')}/` : '';
    try {
      await mkdir(dirname(buckets.pathOf(bucket, `${prefix}${mapRunId}/manifest.json`)), { recursive: true });
    } catch (error) {
      throw new MapRunError('States.ResultWriterFailed', (error as Error).message);
    }
    return new MapResultFiles(bucket, `${prefix}${mapRunId}/`, mapRunArn, buckets);
  }

  public add(entry: Record<string, unknown>, outcome: ChildOutcome): void {
    // Aborted children are listed with the failed ones: the manifest knows SUCCEEDED, FAILED, PENDING.
    const status = outcome.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED';
    let file = this.files.get(status);
    if (!file) {
      const key = `${this.directory}${status}_0.json`;
      const path = this.buckets.pathOf(this.bucket, key);
      const stream = createWriteStream(`${path}.partial`);
      stream.on('error', (error) => {
        this.failure ??= error;
      });
      file = { stream, count: 0, key, path };
      this.files.set(status, file);
    }
    file.stream.write(`${file.count === 0 ? '[' : ','}${JSON.stringify(entry)}`);
    file.count += 1;
  }

  public async close(): Promise<unknown> {
    const resultFiles: Record<string, { Key: string; Size: number }[]> = {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [],
    };
    for (const [status, file] of this.files) {
      await new Promise<void>((done) => file.stream.end(']', () => done()));
      if (this.failure) throw new MapRunError('States.ResultWriterFailed', this.failure.message);
      await rename(`${file.path}.partial`, file.path);
      resultFiles[status]?.push({ Key: file.key, Size: (await stat(file.path)).size });
    }
    const manifestKey = `${this.directory}manifest.json`;
    await writeFile(
      this.buckets.pathOf(this.bucket, manifestKey),
      JSON.stringify({ DestinationBucket: this.bucket, MapRunArn: this.mapRunArn, ResultFiles: resultFiles }),
    );
    return { MapRunArn: this.mapRunArn, ResultWriterDetails: { Bucket: this.bucket, Key: manifestKey } };
  }
}
