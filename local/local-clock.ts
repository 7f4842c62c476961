import { setTimeout as sleepReal } from 'node:timers/promises';

/**
 * The clock of a local run, shared by the Milvus emulator, every step and the Wait states, so the
 * whole run sees one consistent time.
 */
export interface LocalClock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Lets `seconds` of run time pass (a Wait state, a retry interval). */
  sleep(seconds: number): Promise<void>;
  /** How many real milliseconds one run second takes (0 for virtual time). */
  readonly msPerSecond: number;
  /**
   * Starts the run's time, if it has not started yet. A run calls it as it begins, so what comes
   * before (synthesis, starting and seeding the emulator) takes no run time. Idempotent.
   */
  begin(): void;
  /**
   * Resolves once everything that keeps this clock's time elsewhere (an emulator in a process of
   * its own) knows the run has begun, so that no call reaches it before its time moves. A run
   * awaits it right after {@link begin}; a clock nobody follows may leave it out.
   */
  settled?(): Promise<void>;
}

/**
 * Where a {@link ScaledClock} stands, which is all another process needs to keep the same time
 * (both read the machine's clock): run time `runStart` at real time `realStart`, flowing
 * `1 / scale` times faster; before the run begins (no `realStart`), standing at `runStart`.
 */
export interface ScaledClockTiming {
  readonly scale: number;
  readonly runStart: number;
  readonly realStart?: number;
}

/** The run time a {@link ScaledClockTiming} gives at real time `realNow` (epoch ms). */
export function scaledTime(timing: ScaledClockTiming, realNow: number): number {
  if (timing.realStart === undefined) return timing.runStart;
  return Math.floor(timing.runStart + (realNow - timing.realStart) / timing.scale);
}

/**
 * Run time that flows `1 / scale` times faster than real time: with scale 0.01 a 5-minute Wait
 * takes 3 real seconds, and every step (and the emulator) sees the 5 minutes pass. Scale 1 is
 * real time, which is what a real Milvus needs.
 */
export class ScaledClock implements LocalClock {
  private readonly scale: number;
  private readonly fixedStart: boolean;
  private runStart: number;
  /** The real time at which the run began; until then the clock stands still at `runStart`. */
  private realStart: number | undefined;
  private readonly followers: ((timing: ScaledClockTiming) => Promise<void>)[] = [];
  private following: Promise<unknown> = Promise.resolve();

  /**
   * @param start the run time at which the run begins (epoch ms); by default, the real time at
   *   which {@link begin} is first called, so a run's names and times are the time it was started
   */
  public constructor(scale: number, start?: number) {
    if (!(scale > 0)) throw new RangeError(`time scale must be greater than 0, got ${scale}`);
    this.scale = scale;
    this.fixedStart = start !== undefined;
    // Local runs are about "now": the machine's clock is the natural start of a run's time.
    this.runStart = start ?? Date.now();
  }

  public get msPerSecond(): number {
    return 1000 * this.scale;
  }

  public begin(): void {
    if (this.realStart !== undefined) return;
    // Never backwards: the emulator may already have stamped data with the standing time.
    if (!this.fixedStart) this.runStart = Math.max(this.runStart, Date.now());
    this.realStart = Date.now();
    const timing = this.timing();
    this.following = Promise.all(this.followers.map((follower) => follower(timing)));
  }

  public now(): number {
    return scaledTime(this.timing(), Date.now());
  }

  /** Where the clock stands now (see {@link scaledTime}). */
  public timing(): ScaledClockTiming {
    return {
      scale: this.scale,
      runStart: this.runStart,
      ...(this.realStart === undefined ? {} : { realStart: this.realStart }),
    };
  }

  /**
   * Has `follower` told when the run begins (at once, if it has begun), for a process that keeps
   * this clock's time: {@link settled} waits for what it returns.
   */
  public follow(follower: (timing: ScaledClockTiming) => Promise<void>): void {
    this.followers.push(follower);
    if (this.realStart !== undefined) {
      this.following = Promise.all([this.following, follower(this.timing())]);
    }
  }

  public async settled(): Promise<void> {
    await this.following;
  }

  public async sleep(seconds: number): Promise<void> {
    this.begin();
    await sleepReal(Math.max(0, seconds * 1000 * this.scale));
  }
}

/**
 * Virtual time: it stands still while steps run and jumps forward by the length of each Wait.
 * Exact and instant for one collection at a time (benchmarks use it to count polls); with several
 * collections waiting at once, their waits add up, so time runs ahead of a real run.
 */
export class VirtualClock implements LocalClock {
  private current: number;

  public constructor(start: number) {
    this.current = start;
  }

  public readonly msPerSecond = 0;

  /** Virtual time moves only by waits: there is nothing to start. */
  public begin(): void {}

  public now(): number {
    return this.current;
  }

  /** Moves the clock to `ms` (forward or back), e.g. to the next day of a simulated schedule. */
  public set(ms: number): void {
    this.current = ms;
  }

  public async sleep(seconds: number): Promise<void> {
    this.current += Math.max(0, seconds * 1000);
    // Let other work (other collections, the emulator's sockets) run, as a real wait would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
