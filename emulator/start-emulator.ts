import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { createAuthCheck } from './auth';
import { type CallLog, RecordingCallLog } from './call-log';
import { type Clock, systemClock } from './clock';
import {
  parseSeedCollectionSpecs,
  type SeedCollectionSpec,
  type SeededCollection,
  seedCollections,
} from './collection-seed';
import { seedDemoCollections } from './demo-seed';
import { EmulatorState } from './emulator-state';
import { EmulatorOptionsError, EmulatorStateError } from './errors';
import { type FaultController, FaultEngine } from './fault-controller';
import { type FaultPlan, parseFaultPlan } from './fault-plan';
import { rpcHandlers } from './handlers';
import { createInspector, type EmulatorInspector } from './inspector';
import { loadMilvusProtocol } from './proto';
import { startRpcServer } from './rpc-server';
import { adoptStateFile, readStateFile, writeStateFile } from './state-file';

const HOUR_MS = 3_600_000;

/** Options of {@link startMilvusEmulator}. */
export interface MilvusEmulatorOptions {
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Port to listen on; 0 picks a free port (read it from the result).
   * @default 0
   */
  readonly port?: number;
  /**
   * Require this token (an API key, or `user:password`) on every call, as Milvus does with
   * authentication on. The token never appears in any log or error message.
   * @default undefined (authentication off)
   */
  readonly token?: string;
  /**
   * Fault plan to apply from the start (validated). Change it later through `faults`.
   * @default no faults
   */
  readonly faults?: FaultPlan;
  /**
   * Source of time for everything time-dependent (restore progress, TTLs, retention, create_ts).
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * How long restore jobs stay listed after they end; later their ID answers 2101.
   * @default 3 hours
   */
  readonly restoreJobRetentionMs?: number;
  /**
   * Create the demo collections (see DEMO_COLLECTIONS) before returning. Demo collections a
   * loaded state file already has are left alone.
   * @default false
   */
  readonly seedDemo?: boolean;
  /**
   * Collections to create before returning (see seedCollections); ones that already exist,
   * from a state file say, are left alone.
   * @default none
   */
  readonly seedCollections?: readonly SeedCollectionSpec[];
  /**
   * A state file to start from (written by `saveState`), and the default path of `saveState`.
   * A missing file means an empty start; a file that is not a readable emulator state of this
   * version fails the start with EmulatorStateError naming it, rather than start empty.
   * @default none (start empty; saveState needs a path)
   */
  readonly stateFile?: string;
  /**
   * Delay between a restore ending and its automatic pin being released. The real server can
   * lag one ~2 s tick, so an immediate DropSnapshot may still answer 2601.
   * @default 0
   */
  readonly pinReleaseLagMs?: number;
  /**
   * Clock time a non-empty restore takes when the fault plan does not say.
   * @default 2000
   */
  readonly defaultRestoreDurationMs?: number;
  /**
   * Where unexpected internal errors are reported.
   * @default console.error
   */
  readonly logError?: (message: string) => void;
}

/** A running emulator. */
export interface RunningMilvusEmulator {
  /** `host:port`, ready for `new MilvusClient({ address })`. */
  readonly address: string;
  readonly port: number;
  /** Stops listening and drops every connection. */
  stop(): Promise<void>;
  readonly clock: Clock;
  /** Changes the fault plan while running. */
  readonly faults: FaultController;
  /** Read-only view of the emulator's state. */
  readonly inspect: EmulatorInspector;
  /** Every RPC received. */
  readonly calls: CallLog;
  /**
   * Resolves once no late application (fault rule `applyAfterMs`) is pending, having applied
   * each when its time came. On a ManualClock it resolves once the clock has been advanced
   * past the last due time (it checks every few milliseconds of real time).
   */
  lateApplicationsDone(): Promise<void>;
  /**
   * Writes the whole state (databases, collections with their rows and segments, deletes,
   * snapshots, pins, restore jobs, aliases, ID allocator, TSO floor) to a JSON file
   * atomically. Late applications still pending are not saved.
   *
   * @param path where to write; defaults to the `stateFile` option.
   * @throws EmulatorStateError when there is no path or the file cannot be written.
   */
  saveState(path?: string): Promise<void>;
  /**
   * Creates collections with a generic schema through an SDK client of the emulator, the
   * fault plan out of force meanwhile (see seedCollections). Its calls are in the call log.
   */
  seedCollections(specs: readonly SeedCollectionSpec[]): Promise<SeededCollection[]>;
}

/** Default retention of terminal restore jobs (the server's). */
export const DEFAULT_RESTORE_JOB_RETENTION_MS = 3 * HOUR_MS;
/** The server gives up on a restore job after 24 hours. */
export const RESTORE_TIMEOUT_MS = 24 * HOUR_MS;
/** Default clock time a non-empty restore takes. */
export const DEFAULT_RESTORE_DURATION_MS = 2_000;

/**
 * Starts a wire-compatible Milvus emulator: a gRPC server built from the SDK's own service
 * descriptor that serves the snapshot API (and the collection, data, index and load calls
 * around it) with the real server's semantics and error statuses.
 *
 * @throws EmulatorOptionsError for unusable options, FaultPlanError for an invalid fault plan,
 *   EmulatorStartError when it cannot listen.
 */
export async function startMilvusEmulator(
  options: MilvusEmulatorOptions = {},
): Promise<RunningMilvusEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (host.trim() === '') {
    throw new EmulatorOptionsError(`host must not be empty, got ${JSON.stringify(host)}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new EmulatorOptionsError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  if (options.token !== undefined && options.token === '') {
    throw new EmulatorOptionsError('token must not be empty when given (omit it to turn authentication off)');
  }
  const clock = options.clock ?? systemClock;
  const state = new EmulatorState(clock, {
    restoreJobRetentionMs: nonNegative(
      'restoreJobRetentionMs',
      options.restoreJobRetentionMs,
      DEFAULT_RESTORE_JOB_RETENTION_MS,
    ),
    pinReleaseLagMs: nonNegative('pinReleaseLagMs', options.pinReleaseLagMs, 0),
    restoreTimeoutMs: RESTORE_TIMEOUT_MS,
    defaultRestoreDurationMs: nonNegative(
      'defaultRestoreDurationMs',
      options.defaultRestoreDurationMs,
      DEFAULT_RESTORE_DURATION_MS,
    ),
  });
  // Validate everything before listening, but apply the plan only after seeding so the seed is
  // not faulted.
  const plan = options.faults === undefined ? undefined : parseFaultPlan(options.faults);
  const seeds =
    options.seedCollections === undefined ? [] : parseSeedCollectionSpecs(options.seedCollections);
  if (options.stateFile !== undefined) {
    const saved = await readStateFile(options.stateFile);
    if (saved !== undefined) {
      adoptStateFile(state, saved, options.stateFile);
    }
  }
  const faults = new FaultEngine();
  const calls = new RecordingCallLog();
  const server = await startRpcServer({
    host,
    port,
    protocol: loadMilvusProtocol(),
    state,
    faults,
    calls,
    auth: createAuthCheck(options.token),
    handlers: rpcHandlers,
    logError: options.logError ?? ((message) => console.error(message)),
  });
  const address = `${host.includes(':') ? `[${host}]` : host}:${server.port}`;

  const withClient = async <T>(work: (client: MilvusClient) => Promise<T>): Promise<T> => {
    // Loaded on demand: the SDK takes about half a second to import, which plain runs don't need.
    const { MilvusClient, logger } = await import('@zilliz/milvus2-sdk-node');
    // The SDK's logger is process-wide and logs every request under NODE_ENV=test or debug:
    // keep the seed quiet (the CLI's stdout carries only its address), then restore the level.
    const previousLevel = logger.level;
    logger.level = 'error';
    const client = new MilvusClient({
      address,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    try {
      await client.connectPromise;
      return await work(client);
    } finally {
      await client.closeConnection();
      logger.level = previousLevel;
    }
  };
  if (options.seedDemo === true || seeds.length > 0) {
    try {
      await withClient(async (client) => {
        if (options.seedDemo === true) {
          await seedDemoCollections(client);
        }
        await seedCollections(client, seeds);
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    calls.reset();
  }
  if (plan !== undefined) {
    faults.load(plan);
  }

  return {
    address,
    port: server.port,
    stop: () => server.stop(),
    clock,
    faults,
    inspect: createInspector(state),
    calls,
    lateApplicationsDone: () => lateApplicationsDone(state, clock),
    saveState: async (path) => {
      const target = path ?? options.stateFile;
      if (target === undefined) {
        throw new EmulatorStateError(
          'saveState needs a path: pass one, or start the emulator with stateFile',
        );
      }
      await writeStateFile(target, state);
    },
    seedCollections: (specs) =>
      faults.suspended(() => withClient((client) => seedCollections(client, specs))),
  };
}

// How often lateApplicationsDone looks again while a call is pending (real milliseconds).
const LATE_POLL_MS = 25;

function lateApplicationsDone(state: EmulatorState, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      state.settle();
      const next = state.late.nextDueMs();
      if (next === undefined) {
        resolve();
        return;
      }
      // A timer that does not keep the process alive: a test that forgets to advance a
      // ManualClock fails on its own timeout instead of hanging the run.
      setTimeout(check, Math.min(Math.max(next - clock.now(), 1), LATE_POLL_MS)).unref();
    };
    check();
  });
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new EmulatorOptionsError(`${name} must be a finite number of milliseconds >= 0, got ${value}`);
  }
  return value;
}
