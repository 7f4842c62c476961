import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { SynthesizedRun } from '../lib/state-machine/synthesized-definition';

/** A span of real time, `performance.now()` milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** One call of a `MilvusClient` method, from the caller's side. */
export interface SdkCall extends Interval {
  readonly method: string;
  /** Made by the SDK itself, from inside another of its methods (while that one was running synchronously). */
  readonly nested: boolean;
  /** Returned a promise (a call to Milvus); false for the SDK's synchronous helpers. */
  readonly async: boolean;
}

/** One invocation of a step's handler. */
export interface HandlerCall extends Interval {
  readonly step: string;
  readonly failed: boolean;
}

/**
 * Records every call of a `MilvusClient` method (the class the gateway instantiates), by wrapping
 * the methods of its prototype chain: the time from the call to its promise settling. Calls the
 * SDK makes to itself are recorded too, marked `nested` (connecting is one: `connect` starts
 * `_getServerInfo`, which sends Milvus' Connect). Plain counters, no async context tracking, so
 * the rest of the process runs as fast as without it. Remove with the returned function.
 */
export function recordSdkCalls(calls: SdkCall[]): () => void {
  let depth = 0;
  const proto = MilvusClient.prototype as unknown as Record<string, unknown>;
  const names = new Set<string>();
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const descriptor = Object.getOwnPropertyDescriptor(p, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.add(name);
    }
  }
  const own = new Map<string, PropertyDescriptor | undefined>();
  for (const name of names) {
    own.set(name, Object.getOwnPropertyDescriptor(proto, name));
    const original = proto[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        const nested = depth > 0;
        const start = performance.now();
        depth += 1;
        let result: unknown;
        try {
          result = original.apply(this, args);
        } finally {
          depth -= 1;
        }
        const done = (async: boolean) => () =>
          calls.push({ method: name, start, end: performance.now(), nested, async });
        if (result instanceof Promise) {
          result.then(done(true), done(true));
        } else {
          done(false)();
        }
        return result;
      },
    });
  }
  return () => {
    for (const [name, descriptor] of own) {
      if (descriptor) Object.defineProperty(proto, name, descriptor);
      else delete proto[name];
    }
  };
}

/** A middy handler, as the functions export it (only what is used here). */
interface MiddyHandler {
  use(middleware: {
    before?: (request: object) => void;
    after?: (request: object) => void;
    onError?: (request: object) => void;
  }): unknown;
}

const timed = new WeakSet<object>();
let handlerSink: HandlerCall[] = [];

/**
 * Times every invocation of the run's Lambda handlers into `calls` (until the next call of this
 * function). It adds a middleware to each handler (the same module instances the local runner
 * imports), once: it runs after Powertools' `before` hooks and before their `after` hooks, so it
 * times the step's own work: input parsing, its dependencies (the cached Milvus gateway), the core,
 * and every Milvus call.
 */
export async function recordHandlerCalls(run: SynthesizedRun, calls: HandlerCall[]): Promise<void> {
  handlerSink = calls;
  for (const task of Object.values(run.tasks)) {
    const module = (await import(task.entry)) as { handler: MiddyHandler };
    if (timed.has(module.handler)) continue;
    timed.add(module.handler);
    const started = new WeakMap<object, number>();
    const step = task.step;
    const finish = (request: object, failed: boolean) => {
      const start = started.get(request);
      if (start !== undefined) handlerSink.push({ step, start, end: performance.now(), failed });
    };
    module.handler.use({
      before: (request) => {
        started.set(request, performance.now());
      },
      after: (request) => finish(request, false),
      onError: (request) => finish(request, true),
    });
  }
}

/**
 * A call the code made to Milvus: the SDK's own helpers (synchronous), the calls it makes to
 * itself, and connecting (once per process, not per collection) are left out.
 */
export function isMilvusCall(call: SdkCall): boolean {
  return call.async && !call.nested && !CONNECTING.test(call.method);
}

/** The SDK's connection methods: `connect`, which starts `_getServerInfo` (Milvus' Connect). */
export const CONNECTING = /^(connect|_getServerInfo|_initGlobalConnection)$/;

/** Total length of the union of intervals: overlapping calls count once. */
export function unionLength(intervals: readonly Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let start = Number.NEGATIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const i of sorted) {
    if (i.start > end) {
      if (end > start) total += end - start;
      start = i.start;
      end = i.end;
    } else if (i.end > end) {
      end = i.end;
    }
  }
  if (end > start) total += end - start;
  return total;
}

/** The intervals that lie within `outer`. */
export function within<T extends Interval>(intervals: readonly T[], outer: Interval): T[] {
  return intervals.filter((i) => i.start >= outer.start - 0.001 && i.end <= outer.end + 0.001);
}

/**
 * The longest chain of calls where each starts after the previous one ended: how many Milvus
 * round trips a sequence of calls costs when calls made together (`Promise.all`) overlap.
 */
export function sequentialDepth(intervals: readonly Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a.end - b.end);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let best = 0;
    for (let j = 0; j < i; j++) {
      const before = sorted[j];
      if (before && before.end <= call.start) best = Math.max(best, depth[j] ?? 0);
    }
    depth.push(best + 1);
  });
  return Math.max(0, ...depth);
}

/** The profiler's own work (stopping it, sending the profile): not part of what is measured. */
export const PROFILER = 'profiler';

/** Where the CPU went, by part of the system: milliseconds of samples. */
export type CpuBreakdown = Record<string, number>;

/** Which part of the local system a source file belongs to, or undefined for Node.js itself. */
function partOf(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (
      /^(aws-local-stepfunctions|asl-validator|ajv|jsonpath-plus|p-limit|fast-uri|json-schema-traverse)$/.test(
        pkg,
      )
    ) {
      return 'state machine engine (aws-local-stepfunctions)';
    }
    if (/^(@grpc\/|protobufjs|@protobufjs\/|@zilliz\/|generic-pool|winston|logform|long$|lodash)/.test(pkg)) {
      return 'gRPC and the Milvus SDK';
    }
    if (/^(zod|luxon|@aws-lambda-powertools\/|@middy\/|@aws\/lambda-invoke-store)/.test(pkg)) {
      return 'the steps: zod, luxon, Powertools, middy';
    }
    if (pkg === 'tsx' || pkg === 'esbuild') return 'TypeScript loader (tsx)';
    return `other packages (${pkg})`;
  }
  if (url.startsWith('node:inspector')) return PROFILER;
  if (/\/emulator\//.test(url)) return 'Milvus emulator';
  if (/\/functions\//.test(url)) return 'the steps: our code';
  if (/\/local\//.test(url)) return 'local runner';
  if (/\/bench\//.test(url)) return 'benchmark instrumentation';
  return undefined;
}

/**
 * Runs `work` under the V8 CPU profiler and sums the samples by part of the system. A sample in
 * Node.js itself (buffers, streams, timers) counts for the nearest caller that is not.
 */
export async function profileCpu(work: () => Promise<unknown>): Promise<CpuBreakdown> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    await work();
    const { profile } = await session.post('Profiler.stop');
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const out: CpuBreakdown = {};
    (profile.samples ?? []).forEach((id, i) => {
      const ms = (profile.timeDeltas?.[i] ?? 0) / 1000;
      const leaf = nodes.get(id)?.callFrame.functionName ?? '';
      let part: string | undefined;
      if (leaf === '(idle)') part = 'idle';
      else if (leaf === '(garbage collector)') part = 'garbage collection';
      else {
        for (let cur: number | undefined = id; cur !== undefined && !part; cur = parent.get(cur)) {
          part = partOf(nodes.get(cur)?.callFrame.url ?? '');
        }
      }
      const key = part ?? 'Node.js itself';
      out[key] = (out[key] ?? 0) + ms;
    });
    return out;
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
