import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../emulator';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import { parseDeploymentConfig } from '../lib/config/load-config';
import { type SynthesizedRun, synthesizeRun } from '../lib/state-machine/synthesized-definition';
import { VirtualClock } from '../local/local-clock';
import { type LocalRunResult, type RunEvent, runLocally } from '../local/run-local';
import { createBenchCollections } from './bench-collections';

export { createBenchCollections } from './bench-collections';

export const PROJECT_ROOT = join(import.meta.dirname, '..');

/** How many benchmark collections the configuration lists (the throughput run uses them all). */
export const BENCH_COLLECTIONS = 100;

/** `bench_collection_001`: 20 characters, the name length the README's capacity estimate assumes. */
export function benchCollectionName(i: number): string {
  return `bench_collection_${String(i).padStart(3, '0')}`;
}

/** The demo collection drills run on (2,000 rows, HNSW). */
export const DRILL_COLLECTION = 'default.products';

/** 2026-11-21T03:00:00Z: every run starts on its own day after this, so names never collide. */
const START_MS = Date.UTC(2026, 10, 21, 3, 0, 0);
const DAY_MS = 86_400_000;

/**
 * The example configuration (`examples/scheduler.config.json`, what a fresh clone deploys) with
 * two changes a benchmark needs: 100 more collections in `default`, and a drill timeout of 7 hours
 * so that a 6-hour restore can finish (the example's 60 minutes would end it as TimedOut).
 */
export function benchConfig(): DeploymentConfig {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'scheduler.config.json'), 'utf8')) as {
    collections: unknown[];
    drill: Record<string, unknown>;
  };
  const collections = [
    ...raw.collections,
    ...Array.from({ length: BENCH_COLLECTIONS }, (_, i) => ({
      database: 'default',
      name: benchCollectionName(i + 1),
      retention: 'default',
    })),
  ];
  return parseDeploymentConfig(
    { ...raw, collections, drill: { ...raw.drill, timeoutMinutes: 7 * 60 } },
    'benchmark configuration',
  );
}

/** The emulator, the run's virtual clock and the synthesized definition every benchmark shares. */
export interface BenchWorld {
  readonly config: DeploymentConfig;
  readonly synthesized: SynthesizedRun;
  readonly emulator: RunningMilvusEmulator;
  readonly clock: VirtualClock;
  /** `default.bench_collection_001` … */
  readonly benchKeys: readonly string[];
  /**
   * Runs the definition once, on a new day of the virtual clock (new snapshot names, new drill
   * targets). Throws when the execution does not succeed: a benchmark of a broken run means nothing.
   */
  run(input: Record<string, unknown>, onEvent?: (event: RunEvent) => void): Promise<LocalRunResult>;
  close(): Promise<void>;
}

let shared: Promise<BenchWorld> | undefined;

/** The shared world, started on first use. */
export function benchWorld(): Promise<BenchWorld> {
  shared ??= startWorld();
  return shared;
}

/** Stops the shared world if it was started. */
export async function closeBenchWorld(): Promise<void> {
  const world = shared;
  shared = undefined;
  if (world) await (await world).close();
}

async function startWorld(): Promise<BenchWorld> {
  const config = benchConfig();
  const synthesized = synthesizeRun(config);
  const clock = new VirtualClock(START_MS);
  const emulator = await startMilvusEmulator({ clock, seedDemo: true });
  const names = Array.from({ length: BENCH_COLLECTIONS }, (_, i) => benchCollectionName(i + 1));
  await createBenchCollections(emulator.address, names);
  emulator.calls.reset();
  const reportsDir = await mkdtemp(join(tmpdir(), 'bench-reports-'));
  let day = 0;
  return {
    config,
    synthesized,
    emulator,
    clock,
    benchKeys: names.map((n) => `default.${n}`),
    run: async (input, onEvent) => {
      day += 1;
      clock.set(START_MS + day * DAY_MS);
      const result = await runLocally({
        config,
        input,
        clock,
        reportsDir,
        synthesized,
        milvus: { address: emulator.address },
        logLevel: 'SILENT',
        ...(onEvent ? { onEvent } : {}),
      });
      if (result.status !== 'SUCCEEDED') {
        const failed = result.report?.collections.find((c) => c.status !== 'SUCCEEDED');
        throw new Error(
          `benchmark run ${JSON.stringify(input)} ended ${result.status}: ${result.error?.name ?? ''} ` +
            `${result.error?.cause ?? ''} ${failed ? JSON.stringify(failed).slice(0, 400) : ''}`,
        );
      }
      return result;
    },
    close: async () => {
      await emulator.stop();
      await rm(reportsDir, { recursive: true, force: true });
    },
  };
}
