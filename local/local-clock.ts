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
  /**
   * Runs one step's work (a Lambda handler's invocation). A clock that keeps a run's order of
   * events the same every time ({@link LockstepClock}) runs them one at a time, in the order they
   * are asked for, and never moves while one runs; a clock without it lets them run side by side.
   */
  step?<T>(work: () => Promise<T>): Promise<T>;
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

  /** Returns once at least `seconds` of run time have passed, as a Wait state does. */
  public async sleep(seconds: number): Promise<void> {
    this.begin();
    const until = this.now() + Math.max(0, seconds * 1000);
    await sleepReal(Math.max(0, seconds * 1000 * this.scale));
    // Node.js times a timer from its event loop's clock, which can stand a millisecond behind
    // Date.now(): the timer may fire before the run time reaches its end (a millisecond of real
    // time is a second of run time at scale 0.001). Wait out what is left.
    for (let left = until - this.now(); left > 0; left = until - this.now()) {
      await sleepReal(Math.max(1, Math.ceil(left * this.scale)));
    }
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

/**
 * Run time for a run whose output must be the same on every machine and every day, such as the
 * README's sample runs (`npm run docs`): it stands still while steps run and moves only when the
 * whole run is waiting, straight to the end of the earliest wait, so that waits side by side
 * overlap as they do in Step Functions (a {@link VirtualClock} adds them up). Steps run one at a
 * time ({@link step}), in the order they are started, and sleepers due at the same time wake in
 * the order they slept: the run's events come in one order, whatever the machine's speed.
 *
 * The run is "waiting" when no step runs or is queued and the event loop has turned with nothing
 * new: a timer a little later than the retry pauses of a run at this clock (`msPerSecond` 0
 * makes them 0 ms) and then one more turn, so a retry about to start a step starts it first.
 */
export class LockstepClock implements LocalClock {
  private current: number;
  private readonly sleepers: { readonly at: number; readonly order: number; readonly wake: () => void }[] =
    [];
  private slept = 0;
  private readonly queue: (() => void)[] = [];
  private running = false;
  /** Moves on every change (a step starting or ending, a sleep), so a check can tell nothing happened. */
  private generation = 0;
  private checking = false;

  public constructor(start: number) {
    this.current = start;
  }

  public readonly msPerSecond = 0;

  /** Time moves only by waits: there is nothing to start. */
  public begin(): void {}

  public now(): number {
    return this.current;
  }

  public sleep(seconds: number): Promise<void> {
    return new Promise<void>((wake) => {
      this.sleepers.push({ at: this.current + Math.max(0, seconds * 1000), order: this.slept++, wake });
      this.changed();
    });
  }

  public async step<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) await new Promise<void>((turn) => this.queue.push(turn));
    this.running = true;
    this.changed();
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running = false;
      this.changed();
    }
  }

  private changed(): void {
    this.generation += 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.checking) return;
    this.checking = true;
    const seen = this.generation;
    // A timer, then a turn of the loop: due timers (a retry's pause) run before the check does.
    setTimeout(() => setImmediate(() => this.check(seen)), LOCKSTEP_SETTLE_MS);
  }

  private check(seen: number): void {
    this.checking = false;
    if (this.generation !== seen) {
      this.schedule();
      return;
    }
    if (this.running || this.sleepers.length === 0) return;
    this.current = Math.max(
      this.current,
      this.sleepers.reduce((earliest, s) => Math.min(earliest, s.at), Number.POSITIVE_INFINITY),
    );
    const due = this.sleepers
      .filter((s) => s.at <= this.current)
      .sort((a, b) => a.at - b.at || a.order - b.order);
    for (const sleeper of due) this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
    for (const sleeper of due) sleeper.wake();
    // What the woken do comes first; if they leave the run waiting still, the next wait is due.
    if (this.sleepers.length > 0) this.changed();
  }
}

/** How long (real ms) a {@link LockstepClock} lets the event loop run before it deems the run waiting. */
const LOCKSTEP_SETTLE_MS = 2;
