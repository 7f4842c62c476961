import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { MilvusEmulatorOptions } from '../emulator';
import { markPortUsed, usedPortList } from '../emulator/rpc-server';
import type { ScaledClock, ScaledClockTiming } from './local-clock';

/** What {@link startEmulatorProcess} can pass to the emulator: the options that are plain data. */
export type EmulatorProcessSettings = Pick<
  MilvusEmulatorOptions,
  | 'host'
  | 'port'
  | 'token'
  | 'faults'
  | 'restoreJobRetentionMs'
  | 'seedDemo'
  | 'seedCollections'
  | 'stateFile'
  | 'pinReleaseLagMs'
  | 'defaultRestoreDurationMs'
>;

/** Options of {@link startEmulatorProcess}. */
export interface EmulatorProcessOptions extends EmulatorProcessSettings {
  /**
   * The run's clock: the emulator keeps its time (standing until the run begins, then at its
   * scale), as an emulator in the runner's process sharing the clock would.
   * @default the system clock
   */
  readonly clock?: ScaledClock;
  /**
   * A module run in the emulator's process once it listens: its `seed(address, input)` gets the
   * emulator's address and `input`. Benchmarks create thousands of collections this way, so that
   * neither the work nor the memory of creating them is the runner's.
   * @default none
   */
  readonly seed?: { readonly module: string; readonly input?: unknown };
}

/** An emulator running in a process of its own. */
export interface EmulatorProcess {
  /** `host:port`, ready for `new MilvusClient({ address })`. */
  readonly address: string;
  readonly port: number;
  /** The emulator's process id. */
  readonly pid: number;
  /** Stops the emulator and waits for its process to end. Stopping twice is fine. */
  stop(): Promise<void>;
}

/** A message from the emulator's process (see emulator-process-main.ts). */
export type EmulatorProcessReport =
  | { readonly type: 'listening'; readonly address: string; readonly port: number }
  | { readonly type: 'failed'; readonly name: string; readonly message: string }
  | { readonly type: 'clock-set'; readonly id: number };

/** A message to the emulator's process. */
export type EmulatorProcessCommand =
  | {
      readonly type: 'start';
      readonly settings: EmulatorProcessSettings;
      readonly clock?: ScaledClockTiming;
      readonly seed?: { readonly module: string; readonly input?: unknown };
      /**
       * Ports emulators of the starting process had, which this one must not take when asked for
       * any free port: a client of the starting process left on one of them would leave this
       * emulator unreachable to that process (see emulator/rpc-server.ts).
       */
      readonly avoidPorts?: readonly number[];
    }
  | { readonly type: 'clock'; readonly id: number; readonly timing: ScaledClockTiming }
  | { readonly type: 'stop' };

/** Why the emulator's process did not start: the emulator's own error, by name, or its exit. */
export class EmulatorProcessError extends Error {
  public constructor(
    public override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const MAIN = join(import.meta.dirname, 'emulator-process-main.ts');

/**
 * Starts the Milvus emulator in a child process, as a Milvus is a server of its own: the emulator
 * is the same (started with {@link EmulatorProcessSettings}), but its gRPC server, its state and
 * its answers no longer share the runner's event loop, core and heap. The runner's process then
 * holds what it would hold against a real Milvus.
 *
 * The process ends with {@link EmulatorProcess.stop}, and on its own when the runner's process
 * goes away (it watches the IPC channel).
 *
 * @throws EmulatorProcessError with the emulator's error name (`EmulatorStartError`,
 *   `FaultPlanError`, …) and message when it cannot start
 */
export async function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const { clock, seed, ...settings } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  send(child, {
    type: 'start',
    settings,
    ...(clock ? { clock: clock.timing() } : {}),
    ...(seed ? { seed } : {}),
    ...(settings.port ? {} : { avoidPorts: usedPortList() }),
  });
  const listening = await new Promise<{ address: string; port: number }>((resolve, reject) => {
    const onMessage = (report: EmulatorProcessReport) => {
      if (report.type === 'listening') resolve(report);
      if (report.type === 'failed') reject(new EmulatorProcessError(report.name, report.message));
    };
    child.on('message', onMessage);
    child.once('error', reject);
    void exited.then((code) =>
      reject(new EmulatorProcessError('EmulatorStartError', `the emulator's process exited (${code})`)),
    );
  }).catch(async (error: unknown) => {
    child.kill();
    await exited;
    throw error;
  });
  markPortUsed(listening.port);

  // Pending clock changes, by id: the run waits until the emulator has its new time.
  const pending = new Map<number, () => void>();
  let nextId = 0;
  child.on('message', (report: EmulatorProcessReport) => {
    if (report.type !== 'clock-set') return;
    pending.get(report.id)?.();
    pending.delete(report.id);
  });
  clock?.follow(
    (timing) =>
      new Promise<void>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, resolve);
        void exited.then(() => reject(new Error('the emulator process ended before it followed the clock')));
        send(child, { type: 'clock', id, timing });
      }),
  );

  let stopping: Promise<void> | undefined;
  return {
    ...listening,
    pid: child.pid ?? 0,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null && child.connected) {
          send(child, { type: 'stop' });
        }
        await exited;
      })();
      return stopping;
    },
  };
}

function send(child: ChildProcess, command: EmulatorProcessCommand): void {
  child.send(command);
}
