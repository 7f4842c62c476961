import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './bench-world';
import { type BenchmarkResult, formatNumber } from './figures';

/** Issue 13's targets for one local run of 10,000 collections on a 2-core machine. */
const TARGET_SECONDS = 180;
const TARGET_RSS_MB = 1024;

/** What bench/scale-runner.ts prints. */
interface ScaleRun {
  readonly status: string;
  readonly seedMs: number;
  readonly wallMs: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly peakRssMb: number;
  readonly runnerCpuMs: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly largestPayload?: { bytes: number; state: string; kind: string };
  readonly longestHistory?: { events: number };
}

/** The run issue 13's targets are for. */
export const SCALE_COLLECTIONS = 10_000;

/**
 * Benchmark 6 (issue 13): one local backup of 10,000 collections (1,000 with `--quick`, or
 * `collections`) on the emulator, run by a process of its own so that its peak RSS is the run's
 * alone: wall time, the runner's peak RSS and CPU time, and the largest payload any state saw (it
 * must stay under 256 KiB whatever the size). The targets apply to 10,000 collections only.
 */
export async function scaleBenchmark(options: {
  quick: boolean;
  collections?: number;
}): Promise<BenchmarkResult> {
  const started = performance.now();
  const n = options.collections ?? (options.quick ? 1_000 : SCALE_COLLECTIONS);
  const held = n === SCALE_COLLECTIONS;
  const run = await runInChild(n);
  if (run.status !== 'SUCCEEDED' || run.succeeded !== n) {
    throw new Error(`the ${n}-collection backup ended ${run.status} with ${run.succeeded} succeeded`);
  }
  const seconds = run.wallMs / 1000;
  return {
    name: 'scale',
    figures: [
      {
        benchmark: 'scale',
        id: 'scale.wallSeconds',
        label: `local backup of ${formatNumber(n)} collections: wall time`,
        value: Math.round(seconds),
        unit: 's',
        ...(!held
          ? {}
          : {
              target: `≤ ${TARGET_SECONDS}`,
              ratio: seconds / TARGET_SECONDS,
              ratioOf: 'of the target',
              pass: seconds <= TARGET_SECONDS,
            }),
      },
      {
        benchmark: 'scale',
        id: 'scale.peakRssMb',
        label: `local backup of ${formatNumber(n)} collections: peak RSS of the runner`,
        value: run.peakRssMb,
        unit: 'MB',
        ...(held ? { target: `≤ ${TARGET_RSS_MB}`, pass: run.peakRssMb <= TARGET_RSS_MB } : {}),
      },
      {
        benchmark: 'scale',
        id: 'scale.runnerCpuSeconds',
        label: `local backup of ${formatNumber(n)} collections: CPU time of the runner`,
        value: Math.round(run.runnerCpuMs / 100) / 10,
        unit: 's',
      },
      {
        benchmark: 'scale',
        id: 'scale.largestPayload',
        label: `local backup of ${formatNumber(n)} collections: largest state payload`,
        value: run.largestPayload?.bytes ?? 0,
        unit: 'bytes',
        target: '≤ 262,144',
        pass: (run.largestPayload?.bytes ?? 0) <= 262_144,
      },
    ],
    notes: [
      `${formatNumber(n)} collections of 10 rows, seeded in ${formatNumber(run.seedMs / 1000)} s (not counted); the run took ${formatNumber(seconds)} s ` +
        `(${formatNumber(run.wallMs / n)} ms per collection, synthesis and handler loading included) and ${formatNumber(run.runnerCpuMs / 1000)} s of the runner's CPU; ` +
        `peak RSS of the runner ${formatNumber(run.peakRssMb)} MB (the emulator and the synthesis run in processes of their own, as Milvus and \`cdk synth\` would). ` +
        `Load average ${formatNumber(run.loadBefore)} before the run, ${formatNumber(run.loadAfter)} after it, on ${formatNumber(availableParallelism())} cores: others' work on the same cores slows the run.`,
      `Largest payload: ${formatNumber(run.largestPayload?.bytes ?? 0)} bytes (${run.largestPayload?.state} ${run.largestPayload?.kind}); ` +
        `longest child history: ${run.longestHistory?.events ?? 0} events.`,
    ],
    seconds: (performance.now() - started) / 1000,
    details: { collections: n, ...run },
  };
}

async function runInChild(n: number): Promise<ScaleRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'scale-runner.ts'), '--collections', String(n)],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the scale run exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ScaleRun;
}
