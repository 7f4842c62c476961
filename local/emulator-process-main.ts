import { pathToFileURL } from 'node:url';
import type { Clock, RunningMilvusEmulator } from '../emulator';
import { startMilvusEmulator } from '../emulator';
import { markPortUsed } from '../emulator/rpc-server';
import type { EmulatorProcessCommand, EmulatorProcessReport } from './emulator-process';
import { type ScaledClockTiming, scaledTime } from './local-clock';

/**
 * The emulator's process (started by emulator-process.ts): starts the emulator with the settings
 * of the first message, on a clock that keeps the runner's time, reports where it listens, then
 * follows the runner's clock and stops when told to or when the runner goes away.
 */

/** The runner's clock, kept here from the timing it sends (the system clock when it sends none). */
class FollowedClock implements Clock {
  public constructor(private timing: ScaledClockTiming | undefined) {}

  public set(timing: ScaledClockTiming): void {
    this.timing = timing;
  }

  public now(): number {
    return this.timing ? scaledTime(this.timing, Date.now()) : Date.now();
  }
}

/** Sends a report; resolves once it is on its way (so that exiting after it does not lose it). */
const report = (message: EmulatorProcessReport) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else resolve();
  });

let emulator: RunningMilvusEmulator | undefined;
let clock: FollowedClock | undefined;
let ending = false;

const end = async (code: number) => {
  if (ending) return;
  ending = true;
  await emulator?.stop().catch(() => undefined);
  if (process.connected) process.disconnect();
  process.exit(code);
};

process.on('message', (command: EmulatorProcessCommand) => {
  if (command.type === 'start') {
    void start(command);
  } else if (command.type === 'clock') {
    clock?.set(command.timing);
    void report({ type: 'clock-set', id: command.id });
  } else if (command.type === 'stop') {
    void end(0);
  }
});
// The runner is gone (or dropped us): an emulator nobody can stop must not outlive it.
process.on('disconnect', () => void end(0));

async function start(command: Extract<EmulatorProcessCommand, { type: 'start' }>): Promise<void> {
  try {
    clock = new FollowedClock(command.clock);
    for (const port of command.avoidPorts ?? []) markPortUsed(port);
    emulator = await startMilvusEmulator({ ...command.settings, clock });
    if (command.seed) {
      const module = (await import(pathToFileURL(command.seed.module).href)) as {
        seed(address: string, input: unknown): Promise<void>;
      };
      await module.seed(emulator.address, command.seed.input);
      emulator.calls.reset();
    }
    await report({ type: 'listening', address: emulator.address, port: emulator.port });
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    await report({ type: 'failed', name: failure.name, message: failure.message });
    await end(1);
  }
}
