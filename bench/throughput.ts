import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScaledClock } from '../local/local-clock';
import { type RunEvent, runLocally } from '../local/run-local';
import { type BenchWorld, benchWorld, createBenchCollections } from './bench-world';
import { startEmulatorProcess } from './emulator-process';
import { type BenchmarkResult, formatNumber, median, round } from './figures';
import {
  type CpuBreakdown,
  type HandlerCall,
  isMilvusCall,
  PROFILER,
  profileCpu,
  recordHandlerCalls,
  recordSdkCalls,
  type SdkCall,
  sequentialDepth,
  within,
} from './instrumentation';

/** Emulated latency of every RPC (real time). */
export const LATENCY_MS = 20;
/** Target of issue 7: wall time within this multiple of the critical-path bound. */
const MAX_RATIO = 1.3;

/**
 * Benchmark 4: a backup run over 100 collections with 20 ms of latency on every RPC and the
 * configured Map concurrency, against the critical-path lower bound: the number of Milvus round
 * trips one collection's backup waits for one after the other × 20 ms × ⌈100 / concurrency⌉.
 * The chain is measured on the in-process emulator (its call log); the run itself talks to an
 * emulator in a process of its own, as Milvus is a server of its own, in real time.
 */
export async function throughputBenchmark(options: { quick: boolean }): Promise<BenchmarkResult> {
  const started = performance.now();
  const world = await benchWorld();
  const n = options.quick ? 20 : world.benchKeys.length;
  const concurrency = world.config.mapConcurrency;
  const keys = world.benchKeys.slice(0, n);
  const names = keys.map((k) => k.slice('default.'.length));

  // One collection alone: its chain of round trips.
  const sdk: SdkCall[] = [];
  const handlers: HandlerCall[] = [];
  await recordHandlerCalls(world.synthesized, handlers);
  world.emulator.faults.load({ latencyMs: LATENCY_MS });
  const restoreSdk = recordSdkCalls(sdk);
  const chain = await oneCollectionChain(world, sdk, handlers).finally(() => {
    restoreSdk();
    world.emulator.faults.clear();
  });
  const waves = Math.ceil(n / concurrency);
  const boundMs = chain.depth * LATENCY_MS * waves;

  const reportsDir = await mkdtemp(join(tmpdir(), 'bench-throughput-'));
  const backup = async (address: string, onEvent?: (e: RunEvent) => void) => {
    // Snapshot names have a one-second resolution: every run starts in a second of its own.
    await sleep(1005 - (Date.now() % 1000));
    return runLocally({
      config: world.config,
      synthesized: world.synthesized,
      input: { mode: 'backup', collections: keys },
      clock: new ScaledClock(1),
      reportsDir,
      milvus: { address },
      logLevel: 'SILENT',
      ...(onEvent ? { onEvent } : {}),
    });
  };
  const slow = await startEmulatorProcess({ latencyMs: LATENCY_MS });
  let measured: { events: RunEvent[]; cpuMs: number; wallMs: number };
  let cpuParts: CpuBreakdown | undefined;
  try {
    await createBenchCollections(slow.address, names);
    await backup(slow.address); // warms the handlers and the engine up
    const events: RunEvent[] = [];
    const cpuBefore = process.cpuUsage();
    const result = await backup(slow.address, (e) => {
      events.push(e);
    });
    const cpu = process.cpuUsage(cpuBefore);
    if (result.status !== 'SUCCEEDED') throw new Error(`the ${n}-collection backup ended ${result.status}`);
    measured = { events, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: result.wallMs };
    // Once more under the CPU profiler, to see where this process's CPU goes.
    if (!options.quick) cpuParts = await profileCpu(() => backup(slow.address));
  } finally {
    await slow.stop();
  }
  // The same run without any latency: what the machinery alone takes on this machine.
  const fast = await startEmulatorProcess({});
  let bareMs: number;
  try {
    await createBenchCollections(fast.address, names);
    const bare: RunEvent[] = [];
    await backup(fast.address, (e) => {
      bare.push(e);
    });
    bareMs = executionSpan(bare);
  } finally {
    await fast.stop();
    await rm(reportsDir, { recursive: true, force: true });
  }

  const { events, cpuMs } = measured;
  const executionMs = executionSpan(events);
  const mapMs = span(
    events,
    (e) => e.type === 'StateEntered' && e.state.name === 'Collections',
    (e) => e.type === 'StateExited' && e.state.name === 'Collections',
  );
  const childMs = childDurations(events);
  const ratio = executionMs / boundMs;
  const busy = cpuParts
    ? Object.entries(cpuParts)
        .filter(([part]) => part !== 'idle' && part !== PROFILER)
        .sort((a, b) => b[1] - a[1])
    : [];
  const busyMs = busy.reduce((sum, [, ms]) => sum + ms, 0);

  const notes = [
    `One backup makes ${formatNumber(chain.rpcs)} RPCs (emulator call log, Connect excluded) in ${chain.depth} sequential round trips ` +
      `(${chain.steps.map((s) => `${s.step} ${s.depth}`).join(', ')}): bound = ${chain.depth} × ${LATENCY_MS} ms × ⌈${n} / ${concurrency}⌉ = ${formatNumber(boundMs)} ms.`,
    `The execution took ${formatNumber(executionMs)} ms (the Map ${formatNumber(mapMs)} ms), against an emulator in its own process; ` +
      `a collection's child execution took ${formatNumber(median(childMs))} ms (median) for ${chain.depth * LATENCY_MS} ms of round trips. ` +
      `The local runner's setup before the execution (validating the definition, connecting) added ${formatNumber(measured.wallMs - executionMs)} ms.`,
    `Meanwhile the runner's process used ${formatNumber(cpuMs)} ms of CPU (${formatNumber((cpuMs / executionMs) * 100)} % of one core): the state machine engine and every step of every collection ` +
      `share one Node.js event loop (in AWS each step runs in a Lambda of its own), so CPU, not Milvus latency, sets the pace. ` +
      `Without any latency the same run takes ${formatNumber(bareMs)} ms (${formatNumber(bareMs / n)} ms per collection): the machinery alone needs ${formatNumber((bareMs / boundMs) * 100)} % of the bound.`,
    ...(busy.length > 0
      ? [
          `Where that CPU went (profiled run, ${formatNumber(busyMs / n)} ms per collection): ${busy
            .slice(0, 7)
            .map(([part, ms]) => `${part} ${formatNumber((ms / busyMs) * 100)} %`)
            .join(', ')}.`,
        ]
      : []),
  ];
  return {
    name: 'throughput',
    figures: [
      {
        benchmark: 'throughput',
        id: 'throughput.backupRun',
        label: `backup of ${n} collections, ${LATENCY_MS} ms per RPC, concurrency ${concurrency}`,
        value: round(executionMs, 0),
        unit: 'ms',
        target: `≤ ${MAX_RATIO}× the bound`,
        ratio,
        ratioOf: `of the bound (${formatNumber(boundMs)} ms)`,
        pass: ratio <= MAX_RATIO,
      },
    ],
    notes,
    seconds: (performance.now() - started) / 1000,
    details: {
      collections: n,
      concurrency,
      latencyMs: LATENCY_MS,
      chain,
      boundMs,
      executionMs: round(executionMs, 0),
      mapMs: round(mapMs, 0),
      runnerWallMs: measured.wallMs,
      childMs: { median: round(median(childMs), 1), max: round(Math.max(...childMs), 1) },
      runnerCpuMs: round(cpuMs, 0),
      withoutLatencyMs: round(bareMs, 0),
      ...(cpuParts
        ? { cpuProfileMs: Object.fromEntries(Object.entries(cpuParts).map(([k, v]) => [k, round(v, 0)])) }
        : {}),
      ratio: round(ratio, 3),
    },
  };
}

function executionSpan(events: readonly RunEvent[]): number {
  return span(
    events,
    (e) => e.type === 'ExecutionStarted',
    (e) => e.type === 'ExecutionSucceeded',
  );
}

/** What one collection's backup waits for: RPCs, and how many of them come one after the other. */
interface Chain {
  readonly rpcs: number;
  readonly depth: number;
  readonly steps: readonly { readonly step: string; readonly calls: number; readonly depth: number }[];
}

async function oneCollectionChain(
  world: BenchWorld,
  sdk: SdkCall[],
  handlers: HandlerCall[],
): Promise<Chain> {
  const key = world.benchKeys.at(-1) ?? '';
  // The first run warms the handlers and the connection; the second is measured.
  await world.run({ mode: 'backup', collections: [key] });
  sdk.length = 0;
  handlers.length = 0;
  world.emulator.calls.reset();
  await world.run({ mode: 'backup', collections: [key] });
  const rpcs = world.emulator.calls.entries.filter((c) => c.method !== 'Connect').length;
  const steps = handlers
    .map((h) => {
      const calls = within(sdk, h).filter(isMilvusCall);
      return { step: h.step, calls: calls.length, depth: sequentialDepth(calls), intervals: calls };
    })
    .filter((s) => s.calls > 0);
  const sdkCalls = steps.reduce((sum, s) => sum + s.calls, 0);
  if (sdkCalls !== rpcs) {
    throw new Error(
      `the SDK made ${sdkCalls} calls but the emulator received ${rpcs} RPCs: the chain is not measured right`,
    );
  }
  return {
    rpcs,
    depth: steps.reduce((sum, s) => sum + s.depth, 0),
    steps: steps.map(({ step, calls, depth }) => ({ step, calls, depth })),
  };
}

/** Milliseconds between the first event matching `from` and the first after it matching `to`. */
function span(
  events: readonly RunEvent[],
  from: (e: RunEvent) => boolean,
  to: (e: RunEvent) => boolean,
): number {
  const start = events.find(from);
  const end = events.find((e) => e !== start && to(e) && (start ? e.timestamp >= start.timestamp : false));
  if (!start || !end) throw new Error('the run has no such span');
  return end.timestamp - start.timestamp;
}

/** How long each Map item took (MapIterationStarted → MapIterationSucceeded). */
function childDurations(events: readonly RunEvent[]): number[] {
  const begun = new Map<number, number>();
  const out: number[] = [];
  for (const e of events) {
    if (e.type === 'MapIterationStarted') begun.set(e.index, e.timestamp);
    if (e.type === 'MapIterationSucceeded') {
      const t = begun.get(e.index);
      if (t !== undefined) out.push(e.timestamp - t);
    }
  }
  return out;
}
