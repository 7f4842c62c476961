import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEMO_COLLECTIONS,
  type FaultPlan,
  type RunningMilvusEmulator,
  type SeedCollectionSpec,
  seedDemoCollections,
  startMilvusEmulator,
} from '../emulator';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import type { LocalClock } from './local-clock';

/** How long a restore takes on the emulator in local runs (run time): long enough to be polled a few times. */
export const DEMO_RESTORE_MS = 30_000;

/** Where the built-in emulator keeps itself inside a runs directory. */
export function emulatorDirOf(runsDir: string): string {
  return join(runsDir, 'emulator');
}

/** The files of a kept emulator: its state, and the cluster identity its ledger records are filed under. */
export function emulatorFilesOf(runsDir: string): { readonly state: string; readonly cluster: string } {
  const dir = emulatorDirOf(runsDir);
  return { state: join(dir, 'state.json'), cluster: join(dir, 'cluster.json') };
}

/** Options of {@link startLocalEmulator}. */
export interface LocalEmulatorOptions {
  /** The runs directory: the emulator is kept under `<runsDir>/emulator/`. */
  readonly runsDir: string;
  /** Forget the kept emulator (its state and its cluster id) and start an empty one. */
  readonly fresh: boolean;
  readonly clock: LocalClock;
  readonly config: DeploymentConfig;
  /** Seed specs that override the generic one for a configured collection, or add collections. */
  readonly seeds?: readonly SeedCollectionSpec[];
  readonly faults?: FaultPlan;
}

/** A built-in emulator that outlives the run: started from its state file, saved back at the end. */
export interface LocalEmulator {
  readonly emulator: RunningMilvusEmulator;
  /** The cluster id of this emulator's data; it changes only with `--fresh` (or a lost state file). */
  readonly clusterId: string;
  /** Whether an earlier run's state was loaded. */
  readonly resumed: boolean;
  /** The collections this start created (configured ones the state did not have). */
  readonly seeded: readonly string[];
  /** Writes the state back (atomically), so the next run in this runs directory starts from it. */
  save(): Promise<void>;
}

interface ClusterFile {
  readonly clusterId: string;
  readonly createdAt: string;
}

/**
 * Starts the built-in emulator for `npm run local`, kept between runs that share a runs
 * directory: its state (collections, rows, snapshots, restore jobs...) comes from
 * `<runsDir>/emulator/state.json` and goes back there at the end, and its cluster id from
 * `cluster.json` beside it, so the ledger of earlier runs applies to the same data, as it would
 * on a real Milvus. Then it seeds every configured collection the state does not have: the demo
 * collections with their own schema and rows, any other with the generic seed schema (or the
 * given spec).
 */
export async function startLocalEmulator(options: LocalEmulatorOptions): Promise<LocalEmulator> {
  const files = emulatorFilesOf(options.runsDir);
  await mkdir(emulatorDirOf(options.runsDir), { recursive: true });
  if (options.fresh) {
    await rm(files.state, { force: true });
    await rm(files.cluster, { force: true });
  }
  const saved = await readClusterFile(files.cluster);
  const hasState = await exists(files.state);
  // The id goes with the data: an emulator whose state is gone is a new cluster, and the ledger
  // records of the old one must never apply to it.
  const clusterId = saved && hasState ? saved.clusterId : `emulator-${randomUUID().slice(0, 8)}`;
  if (!(saved && hasState)) {
    const record: ClusterFile = { clusterId, createdAt: new Date().toISOString() };
    await writeFile(files.cluster, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
  }

  const emulator = await startMilvusEmulator({
    clock: options.clock,
    stateFile: files.state,
    defaultRestoreDurationMs: DEMO_RESTORE_MS,
  });
  let seeded: string[];
  try {
    seeded = await seedConfigured(emulator, options.config, options.seeds ?? []);
    await emulator.saveState();
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  // The plan applies to this run only, and never to the seed.
  if (options.faults) emulator.faults.load(options.faults);
  emulator.calls.reset();
  return {
    emulator,
    clusterId,
    resumed: hasState,
    seeded,
    save: () => emulator.saveState(),
  };
}

async function seedConfigured(
  emulator: RunningMilvusEmulator,
  config: DeploymentConfig,
  seeds: readonly SeedCollectionSpec[],
): Promise<string[]> {
  const key = (database: string | undefined, name: string) => `${database ?? 'default'}.${name}`;
  const given = new Map(seeds.map((s) => [key(s.database, s.name), s]));
  const demo = DEMO_COLLECTIONS.filter(
    (d) =>
      !given.has(key(d.database, d.name)) &&
      config.collections.some((c) => c.database === d.database && c.name === d.name),
  );
  const generic: SeedCollectionSpec[] = [
    ...config.collections
      .filter((c) => !given.has(key(c.database, c.name)))
      .filter((c) => !demo.some((d) => d.database === c.database && d.name === c.name))
      .map((c) => ({ database: c.database, name: c.name })),
    ...seeds,
  ];
  const created: string[] = [];
  if (demo.length > 0) {
    const { MilvusClient, logger } = await import('@zilliz/milvus2-sdk-node');
    // The SDK's logger is process-wide and logs every request under NODE_ENV=test: keep the seed quiet.
    const previousLevel = logger.level;
    logger.level = 'error';
    const client = new MilvusClient({ address: emulator.address });
    try {
      await client.connectPromise;
      for (const d of await seedDemoCollections(client, demo)) {
        if (d.created) created.push(key(d.database, d.name));
      }
    } finally {
      await client.closeConnection();
      logger.level = previousLevel;
    }
  }
  for (const s of await emulator.seedCollections(generic)) {
    if (s.created) created.push(key(s.database, s.name));
  }
  return created;
}

async function readClusterFile(path: string): Promise<ClusterFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ClusterFile>;
    return typeof parsed.clusterId === 'string' && /^emulator-[a-z0-9-]+$/.test(parsed.clusterId)
      ? { clusterId: parsed.clusterId, createdAt: String(parsed.createdAt ?? '') }
      : undefined;
  } catch {
    // Missing or unreadable: a new cluster, and the state (if any) is treated as a new one's.
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
