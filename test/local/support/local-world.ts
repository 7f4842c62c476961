import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultPlan, type RunningMilvusEmulator, startMilvusEmulator } from '../../../emulator';
import type { DeploymentConfig } from '../../../lib/config/deployment-config';
import { type SynthesizedRun, synthesizeRun } from '../../../lib/state-machine/synthesized-definition';
import { type LocalClock, ScaledClock, VirtualClock } from '../../../local/local-clock';
import {
  holdMilvusConnection,
  type LocalRunEvent,
  type LocalRunResult,
  runLocally,
} from '../../../local/run-local';
import { removeDir } from '../../../local/runs-dir';
import { InFlight } from '../../support/in-flight';

/** The emulator (demo collections), a run clock shared with it, and a reports directory. */
export interface LocalWorld {
  readonly emulator: RunningMilvusEmulator;
  readonly clock: LocalClock;
  readonly reportsDir: string;
  /** Runs the synthesized definition of `config` (synthesized once per configuration in a test file). */
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

/**
 * Definitions synthesized in this test file, by configuration (its JSON): synthesizing is
 * deterministic, and the files of this directory run the same configurations many times over.
 */
const synthesized = new Map<string, SynthesizedRun>();

function synthesizedFor(config: DeploymentConfig): SynthesizedRun {
  const key = JSON.stringify(config);
  let synth = synthesized.get(key);
  if (!synth) {
    synth = synthesizeRun(config);
    synthesized.set(key, synth);
  }
  return synth;
}

/** How long closing a world waits for its runs still going to end. */
const CLOSE_WAIT_MS = 20_000;

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
  // The world's runs share one Milvus connection, as warm Lambdas would (building the SDK's
  // client parses its protocol definitions: about half a second of CPU each time).
  const releaseConnection = holdMilvusConnection();
  const runs = new InFlight();
  return {
    emulator,
    clock,
    reportsDir,
    run: async (config, input, runOptions = {}) => {
      const synth = synthesizedFor(config);
      // Every event, the child executions' included (the result keeps only the run's own).
      const allEvents: LocalRunEvent[] = [];
      const result = await runs.track(
        runLocally({
          config,
          input,
          clock,
          reportsDir,
          synthesized: synth,
          milvus: { address: emulator.address, ...(runOptions.token ? { token: runOptions.token } : {}) },
          ...(runOptions.runId ? { runId: runOptions.runId } : {}),
          onEvent: (event) => allEvents.push(event),
        }),
      );
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
      await releaseConnection();
      await emulator.stop();
      // A run of a test that timed out may still be going: with the emulator gone its Milvus calls
      // fail fast, and it ends, writing its results, before its reports directory goes.
      await runs.settle(CLOSE_WAIT_MS);
      await removeDir(reportsDir);
    },
  };
}
