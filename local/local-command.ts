import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { jsonSyntaxReason } from '../cli/json-error';
import {
  EmulatorOptionsError,
  EmulatorStateError,
  type FaultPlan,
  loadFaultPlanFile,
  type SeedCollectionSpec,
  seedCollectionSpecSchema,
} from '../emulator';
import { prepareRun } from '../functions/prepare-run/prepare-run';
import { clusterIdentity } from '../functions/shared/contracts/deployment';
import { type ExecutionInput, parseExecutionInput } from '../functions/shared/contracts/execution-input';
import type { RunReport } from '../functions/shared/contracts/run-report';
import { RUN_MODES } from '../functions/shared/contracts/runtime-config';
import { InvalidInputError, WorkflowError } from '../functions/shared/errors';
import { connectMilvus } from '../functions/shared/milvus/milvus-connection';
import { TOKEN_VARIABLE_HINT } from '../functions/shared/milvus/milvus-status';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import { DeploymentConfigError, loadDeploymentConfig } from '../lib/config/load-config';
import { type SynthesizedRun, synthesizeRun } from '../lib/state-machine/synthesized-definition';
import { type LocalClock, type LockstepClock, ScaledClock } from './local-clock';
import { DEMO_RESTORE_MS, emulatorDirOf, type LocalEmulator, startLocalEmulator } from './local-emulator';
import { ProgressFilter, progressLine, quotaLines, runSummaryLine, summaryTable } from './progress';
import {
  type LocalMilvus,
  type LocalRunEvent,
  type LocalRunResult,
  RUN_INTERRUPTED_ERROR,
  runLocally,
} from './run-local';
import { ensureWritableDir, RunsDirError } from './runs-dir';

export { DEMO_RESTORE_MS };

/** Where the command writes, and what it reads from its surroundings. */
export interface LocalCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /**
   * Calls `listener` on every Ctrl-C (SIGINT) until the returned function is called. The bin
   * wires it to the process; without it the command cannot be interrupted.
   */
  onInterrupt?(listener: () => void): () => void;
  /** The running Node.js version. @default process.versions.node */
  readonly nodeVersion?: string;
  /**
   * Fixes what a run otherwise takes from the machine, so that its output is the same on every
   * machine and every day: the README's sample runs (`npm run docs`) set it, and no flag does.
   */
  readonly fixed?: FixedRun;
}

/** What {@link LocalCommandIo.fixed} fixes of a run. */
export interface FixedRun {
  /**
   * The run's clock (a {@link LockstepClock}), in place of one that starts with the machine's
   * time and runs at the time scale. The times on the left of the progress lines, and the run's
   * duration, are then its run time at the time scale: what a run whose steps took no time shows.
   */
  readonly clock: LocalClock;
  /** The execution name, in place of `local-<start>-<random>`. */
  readonly runId: string;
}

/** Exit codes: the run succeeded, the run failed, the command was used wrongly, or Ctrl-C stopped it. */
export const EXIT = { succeeded: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The time scale used on the emulator when none is given: 100 run seconds per real second. */
export const EMULATOR_TIME_SCALE = 0.01;

/** The oldest Node.js major version the run works on (the functions use Node 22 APIs). */
export const MIN_NODE_MAJOR = 22;

/** After Ctrl-C, how long (real time) the drills in flight get to clean up before they are abandoned. */
export const INTERRUPT_GRACE_MS = 60_000;

/**
 * A second SIGINT this soon (real time) after the first is the same Ctrl-C: the terminal signals
 * every process of the group, and `npm run` forwards the signal to its child, so one key press
 * can arrive more than once within milliseconds.
 */
export const SIGNAL_ECHO_MS = 300;

/** The parsed command line. */
export interface LocalOptions {
  readonly config?: string;
  readonly mode?: string;
  readonly collections?: string[];
  readonly schedule?: string;
  readonly snapshot?: string;
  readonly dryRun?: boolean;
  readonly scheduledTime?: string;
  readonly target?: string;
  readonly alias?: string;
  readonly swap?: boolean;
  readonly cleanupOnFailure?: boolean;
  readonly input?: string;
  readonly milvusUri?: string;
  readonly milvusToken?: string;
  readonly faults?: string;
  readonly seed?: string;
  readonly fresh?: boolean;
  readonly timeScale?: number;
  readonly reportFile?: string;
  readonly runsDir: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

class UsageError extends Error {
  public override readonly name = 'UsageError';
}

/**
 * `npm run local`: runs the deployed state machine's exact definition on this machine, against
 * the built-in Milvus emulator (kept in the runs directory between runs, seeded with the
 * configured collections) or a real Milvus.
 *
 * Everything the run needs (Node.js 22, a writable runs directory, a valid input, a Milvus that
 * answers and accepts the token) is checked before anything in Milvus changes; a problem is one
 * `error:` line and exit 2.
 *
 * @returns the exit code: 0 when the run's report says SUCCEEDED, 1 when FAILED, 2 on bad usage,
 *   configuration or input, 130 when Ctrl-C stopped it
 */
export async function runLocalCommand(argv: readonly string[], io: LocalCommandIo): Promise<number> {
  let options: LocalOptions;
  try {
    options = parseArguments(argv, io);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.succeeded : EXIT.usage;
    throw error;
  }
  const progress = options.json ? io.stderr : io.stdout;
  let local: LocalEmulator | undefined;
  const interrupt = new Interrupt(io, progress);
  try {
    checkNode(io.nodeVersion ?? process.versions.node);
    const { config, source } = loadConfig(options, io);
    const milvusUri = options.milvusUri ?? io.env.MILVUS_URI;
    const token = options.milvusToken ?? io.env.MILVUS_TOKEN;
    if (milvusUri && (options.faults || options.seed || options.fresh)) {
      const flag = options.faults ? '--faults' : options.seed ? '--seed' : '--fresh';
      throw new UsageError(`${flag} applies to the built-in emulator only; drop --milvus-uri to use it`);
    }
    const input = await executionInput(options, io);
    const runsDir = resolve(io.cwd, options.runsDir);
    await ensureWritableDir(runsDir, options.runsDir, io.cwd);
    const faults = options.faults ? await loadFaults(options.faults, io) : undefined;
    const seeds = options.seed ? await loadSeeds(options.seed, io) : undefined;

    const scale = options.timeScale ?? (milvusUri ? 1 : EMULATOR_TIME_SCALE);
    // Synthesize first: the run's clock starts with the run, not with the CDK synthesis before it.
    const synthesized = synthesizedFor(config);
    checkInput(synthesized, input);
    const clock: LocalClock = io.fixed?.clock ?? new ScaledClock(scale);
    // Real time, for the times on the left and the run's duration (see FixedRun for a fixed run).
    const realNow = io.fixed ? () => clock.now() * scale : Date.now;

    let milvus: LocalMilvus;
    let where: string;
    if (milvusUri) {
      milvus = { address: milvusUri, ...(token ? { token } : {}), tls: milvusUri.startsWith('https://') };
      where = `Milvus at ${milvusUri}`;
      await preflight(milvus, config);
    } else {
      local = await startEmulator({ runsDir, fresh: options.fresh ?? false, clock, config, seeds, faults });
      milvus = { address: local.emulator.address, clusterId: local.clusterId };
      where = `the built-in Milvus emulator (${local.emulator.address}, ${emulatorState(local, runsDir, io.cwd)})`;
    }

    progress.write(
      `Local run of ${shown(source, io.cwd)}: ${describeInput(input, config)} on ${where}, ` +
        `${scale === 1 ? 'real time' : `time x${Math.round(1 / scale)}`}\n`,
    );
    if (!milvusUri) {
      progress.write(
        `  (the configuration's milvus.address, ${config.milvus.address}, is not used: pass --milvus-uri to run against it)\n`,
      );
    }
    const started = realNow();
    const filter = new ProgressFilter({ verbose: options.verbose ?? false });
    const drills = new DrillsInFlight();
    const run = runLocally({
      config,
      input,
      milvus,
      clock,
      synthesized,
      reportsDir: runsDir,
      logLevel: options.verbose ? 'INFO' : 'ERROR',
      interrupt: interrupt.signal,
      abandon: interrupt.abandonSignal,
      ...(io.fixed ? { runId: io.fixed.runId } : {}),
      onEvent: (event) => {
        drills.see(event);
        const now = realNow();
        if (!filter.shows(event, now)) return;
        const line = progressLine(event, now - started);
        if (line) progress.write(`${line}\n`);
      },
    });
    interrupt.arm();
    const outcome = await Promise.race([run, interrupt.abandoned]);
    if (outcome === 'abandoned') {
      // Stop the execution itself (in a process of its own the exit would; in-process it must).
      interrupt.stopRun();
      await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
      const left = drills.list();
      io.stderr.write(
        `Abandoned the run: no report was written. ${
          left.length > 0
            ? `May be left behind in Milvus (the next drill's orphan sweep removes them): ${left.join(', ')}`
            : 'No drill was in flight.'
        }\n`,
      );
      return EXIT.interrupted;
    }
    const code = await finish(outcome, realNow() - started, options, io, progress);
    if (!interrupt.signal.aborted) return code;
    io.stderr.write(`${interruptedRunLine(outcome.report)}\n`);
    return EXIT.interrupted;
  } catch (error) {
    const message = usageMessage(error);
    if (message !== undefined) {
      io.stderr.write(`error: ${message}\n`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    interrupt.disarm();
    if (local) {
      // Kept for the next run, whatever happened to this one (a Ctrl-C included).
      await local.save().catch((error: unknown) => {
        io.stderr.write(`warning: the emulator's state could not be saved: ${String(error)}\n`);
      });
      await local.emulator.stop();
    }
  }
}

/**
 * The one line that ends a run Ctrl-C stopped: what its report holds (the collections it
 * interrupted are FAILED with RunInterruptedError, the others as they ended) and what the drills
 * and restores it stopped may have left in Milvus.
 */
export function interruptedRunLine(report: RunReport | undefined): string {
  if (!report) return 'Stopped by Ctrl-C before the run wrote its report.';
  const stopped = report.collections.filter((c) => c.error?.name === RUN_INTERRUPTED_ERROR).length;
  const left = report.collections.flatMap((c) => (c.drill ?? c.restore)?.leftBehind ?? []);
  const held =
    stopped === 0
      ? 'every collection had finished: the report holds them all'
      : `the report holds what the run did before, and the ${stopped} of ${report.collections.length} collection(s) it interrupted as FAILED (${RUN_INTERRUPTED_ERROR})`;
  const milvus =
    left.length > 0
      ? `left behind in Milvus: ${left.join('; ')}`
      : report.mode === 'restore'
        ? 'the table says which restored collections are kept'
        : 'nothing the drills made is left behind';
  return `Stopped by Ctrl-C: ${held}; ${milvus}.`;
}

/** The one-line message of an error the user can fix, or undefined for a bug (which is rethrown). */
function usageMessage(error: unknown): string | undefined {
  if (
    error instanceof UsageError ||
    error instanceof DeploymentConfigError ||
    error instanceof WorkflowError ||
    error instanceof RunsDirError ||
    error instanceof EmulatorOptionsError
  ) {
    return error.message;
  }
  if (error instanceof EmulatorStateError) {
    return `${error.message}; pass --fresh to start the emulator over (its snapshots are lost)`;
  }
  return undefined;
}

async function startEmulator(options: {
  runsDir: string;
  fresh: boolean;
  clock: LocalClock;
  config: DeploymentConfig;
  seeds: readonly SeedCollectionSpec[] | undefined;
  faults: FaultPlan | undefined;
}): Promise<LocalEmulator> {
  return startLocalEmulator({
    runsDir: options.runsDir,
    fresh: options.fresh,
    clock: options.clock,
    config: options.config,
    ...(options.seeds ? { seeds: options.seeds } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

function emulatorState(local: LocalEmulator, runsDir: string, cwd: string): string {
  const dir = shown(emulatorDirOf(runsDir), cwd);
  const snapshots = local.emulator.inspect
    .databases()
    .flatMap((db) => local.emulator.inspect.collections(db).map((c) => ({ db, name: c.name })))
    .reduce((n, c) => n + local.emulator.inspect.snapshots(c.db, c.name).length, 0);
  const seeded = local.seeded.length > 0 ? `, seeded ${local.seeded.join(', ')}` : '';
  return local.resumed
    ? `kept in ${dir}: ${snapshots} snapshot(s)${seeded}; --fresh starts over`
    : `new, kept in ${dir}${seeded}`;
}

async function finish(
  result: LocalRunResult,
  wallMs: number,
  options: LocalOptions,
  io: LocalCommandIo,
  progress: LocalCommandIo['stdout'],
): Promise<number> {
  if (!result.report) {
    if (result.error?.name === 'InvalidInputError') {
      // PrepareRun refused the input before anything ran; its message says what to fix.
      io.stderr.write(`error: ${result.error.cause}\n`);
      return EXIT.usage;
    }
    io.stderr.write(
      `error: the run stopped before it could build its report: ${
        result.error ? `${result.error.name}: ${result.error.cause}` : 'no report was produced'
      }\n`,
    );
    return EXIT.failed;
  }
  if (options.reportFile) {
    const path = resolve(io.cwd, options.reportFile);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result.report, null, 2)}\n`, 'utf8');
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
  } else {
    progress.write(`\n${summaryTable(result.report)}\n`);
  }
  progress.write(`${runSummaryLine(result.report)}, in ${(wallMs / 1000).toFixed(1)} s\n`);
  if (result.reportPath) progress.write(`Report: ${shown(result.reportPath, io.cwd)}\n`);
  if (options.verbose) for (const line of quotaLines(result)) progress.write(`${line}\n`);
  if (options.reportFile) progress.write(`Report copied to ${options.reportFile}\n`);
  return result.report.status === 'SUCCEEDED' ? EXIT.succeeded : EXIT.failed;
}

function parseArguments(argv: readonly string[], io: LocalCommandIo): LocalOptions {
  const program = new Command('npm run local --')
    .description(
      'Run the scheduler state machine, exactly as deployed, on this machine: against the built-in ' +
        'Milvus emulator (default; kept in the runs directory between runs) or a real Milvus 3.x.',
    )
    .option(
      '--config <file>',
      'configuration file (default: scheduler.config.json, else examples/scheduler.config.json)',
    )
    .addOption(
      new Option('--mode <mode>', "what the run does (default: full, or the schedule's mode)").choices(
        RUN_MODES,
      ),
    )
    .option(
      '--collections <list>',
      'only these collections, comma-separated (database.collection, or a pattern such as prod.*)',
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--schedule <name>',
      'run as this configured schedule (its mode, snapshot prefix and collections)',
    )
    .option(
      '--snapshot <name>',
      'drill (or restore) this snapshot instead of the newest one (newest verified, for a restore)',
    )
    .option('--target <name>', 'a restore: the new collection (default: <collection>_restored_<UTC stamp>)')
    .option('--alias <alias>', 'a restore: point this alias at the restored collection once verified')
    .option(
      '--swap',
      'a restore: give the restored collection the original name, keeping the original as <name>_replaced_<stamp>',
    )
    .option('--cleanup-on-failure', 'a restore: drop the restored collection if it does not verify')
    .option('--dry-run', 'change nothing in Milvus: only report what retention would keep and drop')
    .option(
      '--scheduled-time <time>',
      'the schedule slot (ISO 8601, e.g. 2026-11-21T03:00:00Z): snapshot names are built from it',
    )
    .option(
      '--input <json|file>',
      'the execution input, as JSON or a JSON file (the flags above are laid over it)',
    )
    .option(
      '--milvus-uri <uri>',
      'a real Milvus (host:port or https://…); default: $MILVUS_URI, else the emulator',
    )
    .option('--milvus-token <token>', 'its token (user:password works too); default: $MILVUS_TOKEN')
    .option('--faults <file>', 'fault plan for the emulator, for this run (see README, The Milvus emulator)')
    .option(
      '--seed <file>',
      'JSON list of collections to seed in the emulator, [{"database", "name", "rows", "dim"}]; ' +
        'configured collections not in it get the demo data or the generic seed',
    )
    .option('--fresh', 'start the emulator over: forget its kept state and cluster id')
    .option(
      '--time-scale <n>',
      'real seconds per run second (default: 0.01 on the emulator, 1 on a real Milvus)',
      (v) => {
        const n = Number(v);
        if (!(n > 0 && n <= 1))
          throw new InvalidArgumentError(`expected a number greater than 0 and at most 1, got ${v}`);
        return n;
      },
    )
    .option('--report-file <path>', 'also write the run report (JSON) here')
    .option('--runs-dir <dir>', 'where results, reports, the ledger and the emulator are kept', '.local-runs')
    .option('--json', 'print the run report as JSON on stdout (progress goes to stderr)')
    .option(
      '--verbose',
      "show the functions' logs, every collection's steps in a large run, and the largest payload and history the run saw",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.parse([...argv], { from: 'user' });
  return program.opts<LocalOptions>();
}

function checkNode(version: string): void {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    throw new UsageError(
      `Node.js ${MIN_NODE_MAJOR} or newer is needed, this is ${version.replace(/^v?/, 'v')}: run "source scripts/use-node22.sh" first (README, On an older Node.js)`,
    );
  }
}

function loadConfig(options: LocalOptions, io: LocalCommandIo): { config: DeploymentConfig; source: string } {
  const named = options.config;
  if (named !== undefined) {
    // Said here rather than by the loader, which words it for `cdk synth -c config=…`.
    const path = resolve(io.cwd, named);
    const loaded = (() => {
      try {
        return loadDeploymentConfig({ cwd: io.cwd, env: io.env, path });
      } catch (error) {
        if (error instanceof DeploymentConfigError && /the file does not exist/.test(error.message)) {
          throw new UsageError(`--config ${named}: no such file`);
        }
        throw error;
      }
    })();
    return { config: loaded.config, source: loaded.path };
  }
  const loaded = loadDeploymentConfig({ cwd: io.cwd, env: io.env });
  return { config: loaded.config, source: loaded.path };
}

async function loadFaults(file: string, io: LocalCommandIo): Promise<FaultPlan> {
  try {
    return await loadFaultPlanFile(resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function loadSeeds(file: string, io: LocalCommandIo): Promise<SeedCollectionSpec[]> {
  const value = await readJson(file, io, '--seed');
  const parsed = seedCollectionSpecSchema.array().safeParse(value);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
    throw new UsageError(`--seed ${file}: ${where ? `${where.replace(/^\./, '')}: ` : ''}${issue?.message}`);
  }
  return parsed.data;
}

async function readJson(fileOrJson: string, io: LocalCommandIo, flag: string): Promise<unknown> {
  const inline = fileOrJson.trimStart().startsWith('{') || fileOrJson.trimStart().startsWith('[');
  let text = fileOrJson;
  if (!inline) {
    try {
      text = await readFile(resolve(io.cwd, fileOrJson), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        `${flag} ${fileOrJson}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error)}`,
      );
    }
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const where = inline ? '' : ` ${fileOrJson}`;
    throw new UsageError(`${flag}${where}: not valid JSON: ${jsonSyntaxReason(error, text)}`);
  }
}

/** Proves the Milvus is reachable and accepts the token before anything runs. */
async function preflight(
  milvus: { address: string; token?: string; tls?: boolean },
  config: DeploymentConfig,
) {
  const gateway = await connectMilvus(
    { address: milvus.address, tls: milvus.tls ?? false, timeoutMs: config.milvus.timeoutMs },
    milvus.token,
    TOKEN_VARIABLE_HINT,
  );
  await gateway.close();
}

/**
 * The execution input: `--input` (JSON or a file), with the flags laid over it, checked as
 * PrepareRun checks it, so a mistake is one line before anything starts.
 */
async function executionInput(options: LocalOptions, io: LocalCommandIo): Promise<Record<string, unknown>> {
  const base = options.input === undefined ? {} : await readJson(options.input, io, '--input');
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new UsageError(`--input ${options.input}: expected a JSON object, e.g. {"mode": "drill"}`);
  }
  const input = executionInputOf(base as Record<string, unknown>, options);
  parseExecutionInput(input, (message) => new InvalidInputError(message));
  return input;
}

/**
 * The execution input the flags ask for, laid over `given` (the `--input` object): each flag
 * set replaces that key, so one place maps the command line to the state machine's input
 * ({@link ExecutionInput}'s keys). A restore flag without `--mode restore` is refused by the
 * input's own check, as the Step Functions console would refuse it.
 */
export function executionInputOf(
  given: Readonly<Record<string, unknown>>,
  flags: Pick<
    LocalOptions,
    | 'schedule'
    | 'mode'
    | 'collections'
    | 'dryRun'
    | 'snapshot'
    | 'scheduledTime'
    | 'target'
    | 'alias'
    | 'swap'
    | 'cleanupOnFailure'
  >,
): Record<string, unknown> {
  if (flags.alias !== undefined && flags.swap) {
    throw new UsageError(
      '--alias and --swap exclude each other: point an alias at the restored copy, or swap names',
    );
  }
  const input: Record<string, unknown> = {
    ...given,
    ...(flags.schedule ? { schedule: flags.schedule } : {}),
    ...(flags.mode ? { mode: flags.mode } : {}),
    ...(flags.collections ? { collections: flags.collections } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.snapshot ? { snapshot: flags.snapshot } : {}),
    ...(flags.scheduledTime ? { scheduledTime: flags.scheduledTime } : {}),
    ...(flags.target ? { target: flags.target } : {}),
    ...(flags.alias ? { alias: flags.alias } : {}),
    ...(flags.swap ? { swap: true } : {}),
    ...(flags.cleanupOnFailure ? { cleanupOnFailure: true } : {}),
  };
  // Locally, a run with neither a mode nor a schedule does everything (deployed, it backs up).
  if (input.mode === undefined && input.schedule === undefined) input.mode = 'full';
  return input;
}

/** Definitions synthesized in this process, by configuration: a synthesis takes a few seconds. */
const synthesisCache = new Map<string, SynthesizedRun>();

function synthesizedFor(config: DeploymentConfig): SynthesizedRun {
  const key = JSON.stringify(config);
  let synthesized = synthesisCache.get(key);
  if (!synthesized) {
    synthesized = synthesizeRun(config);
    // Only the latest few: a long-lived process (a test suite) runs many configurations.
    if (synthesisCache.size >= 4) synthesisCache.delete(synthesisCache.keys().next().value as string);
    synthesisCache.set(key, synthesized);
  }
  return synthesized;
}

/**
 * Checks the input as PrepareRun will, against the configuration embedded in the definition, so
 * a refused input is one line before the emulator starts (PrepareRun checks it again in the run).
 */
function checkInput(synthesized: SynthesizedRun, input: unknown): void {
  const parameters = (synthesized.definition.States.PrepareRun?.Parameters ?? {}) as {
    config?: unknown;
    configGzip?: string;
    deployment?: { id?: string; runTimeoutMinutes?: number };
  };
  prepareRun(
    {
      input,
      execution: { name: 'input-check', startTime: new Date().toISOString() },
      ...(parameters.configGzip ? { configGzip: parameters.configGzip } : { config: parameters.config }),
      deployment: { id: parameters.deployment?.id ?? 'input-check', runTimeoutMinutes: 720 },
    },
    clusterIdentity('localhost:19530'),
  );
}

/** A path as the user would type it: relative to the working directory when inside it. */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function describeInput(input: Record<string, unknown>, config: DeploymentConfig): string {
  const schedule = typeof input.schedule === 'string' ? config.schedules[input.schedule] : undefined;
  const mode = (input.mode as string | undefined) ?? schedule?.mode ?? 'backup';
  const what = [input.dryRun ? 'dry' : undefined, mode, 'run'].filter(Boolean).join(' ');
  const named = (input.collections as string[] | undefined) ?? schedule?.collections;
  const total = config.collections.length;
  // Selectors are resolved against Milvus by PrepareRun, in the run: here they can only be counted.
  const selectors = config.selectors.length;
  const matched = selectors > 0 ? `, and what ${selectors} selector(s) match in Milvus` : '';
  const of = named
    ? `${named.length} of ${total} configured collection(s) (${named.join(', ')})`
    : `every configured collection (${total})${matched}`;
  const at = input.scheduledTime ? ` for the slot ${input.scheduledTime}` : '';
  return `${input.schedule ? `schedule ${input.schedule}: ` : ''}${what} of ${of}${at}`;
}

/** The drill collections a run has started and not yet cleaned up, from its events. */
class DrillsInFlight {
  private readonly open = new Map<string, string>();

  public see(event: LocalRunEvent): void {
    if (event.type !== 'StateExited' || !('state' in event)) return;
    const state = event.state as { name: string; output?: unknown };
    const output = state.output as
      | {
          target?: { database?: string; collection?: string };
          restore?: { targetCollection?: string };
          cleanup?: { cleanedUp?: boolean };
        }
      | undefined;
    const who = `${output?.target?.database}.${output?.target?.collection}`;
    if (state.name === 'StartRestore' && output?.restore?.targetCollection) {
      this.open.set(who, `${output.target?.database}.${output.restore.targetCollection} (drill of ${who})`);
    }
    if (state.name === 'CleanupDrill' && output?.cleanup?.cleanedUp) this.open.delete(who);
  }

  public list(): string[] {
    return [...this.open.values()];
  }
}

/**
 * Ctrl-C: the first one aborts the run's signal (no new work; drills in flight clean up, then
 * the report is written) and gives it {@link INTERRUPT_GRACE_MS}; a second one, or the end of
 * that time, abandons the run.
 */
class Interrupt {
  private readonly controller = new AbortController();
  private readonly abandonController = new AbortController();
  private remove: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private abandon: (() => void) | undefined;
  private firstAt = 0;
  public readonly abandoned: Promise<'abandoned'>;

  public constructor(
    private readonly io: LocalCommandIo,
    private readonly progress: LocalCommandIo['stdout'],
  ) {
    this.abandoned = new Promise((resolve) => {
      this.abandon = () => resolve('abandoned');
    });
  }

  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborted when the run is abandoned: the execution stops at once. */
  public get abandonSignal(): AbortSignal {
    return this.abandonController.signal;
  }

  public stopRun(): void {
    this.abandonController.abort();
  }

  public arm(): void {
    this.remove = this.io.onInterrupt?.(() => this.onInterrupt());
  }

  public disarm(): void {
    this.remove?.();
    this.remove = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  private onInterrupt(): void {
    if (this.controller.signal.aborted && Date.now() - this.firstAt < SIGNAL_ECHO_MS) return;
    if (this.controller.signal.aborted) {
      this.io.stderr.write('Ctrl-C again: abandoning the drills in flight.\n');
      this.abandon?.();
      return;
    }
    this.progress.write(
      `\nInterrupted: starting no new work; drills in flight clean up and the report is written (at most ${INTERRUPT_GRACE_MS / 1000} s). Ctrl-C again to abandon them.\n`,
    );
    this.firstAt = Date.now();
    this.controller.abort();
    this.timer = setTimeout(() => {
      this.io.stderr.write(`The drills did not clean up within ${INTERRUPT_GRACE_MS / 1000} s.\n`);
      this.abandon?.();
    }, INTERRUPT_GRACE_MS);
    this.timer.unref();
  }
}
