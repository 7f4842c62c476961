import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultPlan, type RunningMilvusEmulator, startMilvusEmulator } from '../../../emulator';
import type { DeploymentConfig } from '../../../lib/config/deployment-config';
import { type SynthesizedRun, synthesizeRun } from '../../../lib/state-machine/synthesized-definition';
import { type LocalClock, ScaledClock, VirtualClock } from '../../../local/local-clock';
import { type LocalRunEvent, type LocalRunResult, runLocally } from '../../../local/run-local';

/** The emulator (demo collections), a run clock shared with it, and a reports directory. */
export interface LocalWorld {
  readonly emulator: RunningMilvusEmulator;
  readonly clock: LocalClock;
  readonly reportsDir: string;
  /** Runs the synthesized definition of `config` (synthesized once per config object). */
  run(
    config: DeploymentConfig,
    input: unknown,
    options?: { runId?: string; token?: string },
  ): Promise<LocalRunResult & { readonly allEvents: readonly LocalRunEvent[] }>;
  /** Names of the collections of a database, sorted. */
  collections(database?: string): string[];
  /** Names of a collection's snapshots, sorted. */
  snapshots(collection: string, database?: string): string[];
  close(): Promise<void>;
}

const synthesized = new WeakMap<DeploymentConfig, SynthesizedRun>();

/**
 * Starts a world. `clock: 'virtual'` makes every Wait jump the clock (exact and instant; fine for
 * one collection or for runs whose waits do not overlap); the default is run time 1,000 times
 * faster than real time.
 */
export async function startLocalWorld(
  options: { faults?: FaultPlan; clock?: 'virtual' | LocalClock; token?: string } = {},
): Promise<LocalWorld> {
  const clock =
    options.clock === 'virtual'
      ? new VirtualClock(Date.parse('2026-11-21T03:00:00Z'))
      : (options.clock ?? new ScaledClock(0.001));
  const emulator = await startMilvusEmulator({
    clock,
    seedDemo: true,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.token ? { token: options.token } : {}),
  });
  const reportsDir = await mkdtemp(join(tmpdir(), 'local-world-'));
  return {
    emulator,
    clock,
    reportsDir,
    run: async (config, input, runOptions = {}) => {
      let synth = synthesized.get(config);
      if (!synth) {
        synth = synthesizeRun(config);
        synthesized.set(config, synth);
      }
      // Every event, the child executions' included (the result keeps only the run's own).
      const allEvents: LocalRunEvent[] = [];
      const result = await runLocally({
        config,
        input,
        clock,
        reportsDir,
        synthesized: synth,
        milvus: { address: emulator.address, ...(runOptions.token ? { token: runOptions.token } : {}) },
        ...(runOptions.runId ? { runId: runOptions.runId } : {}),
        onEvent: (event) => allEvents.push(event),
      });
      return { ...result, allEvents };
    },
    collections: (database = 'default') =>
      emulator.inspect
        .collections(database)
        .map((c) => c.name)
        .sort(),
    snapshots: (collection, database = 'default') =>
      emulator.inspect
        .snapshots(database, collection)
        .map((s) => s.name)
        .sort(),
    close: async () => {
      await emulator.stop();
      await rm(reportsDir, { recursive: true, force: true });
    },
  };
}
