import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  type FaultPlan,
  loadFaultPlanFile,
  type RunningMilvusEmulator,
  startMilvusEmulator,
} from '../emulator';
import { RUN_MODES } from '../functions/shared/contracts/runtime-config';
import { WorkflowError } from '../functions/shared/errors';
import { connectMilvus } from '../functions/shared/milvus/milvus-connection';
import type { DeploymentConfig } from '../lib/config/deployment-config';
import { DeploymentConfigError, loadDeploymentConfig } from '../lib/config/load-config';
import { synthesizeRun } from '../lib/state-machine/synthesized-definition';
import { type LocalClock, ScaledClock } from './local-clock';
import { ProgressFilter, progressLine, quotaLines, summaryTable } from './progress';
import { type LocalMilvus, type LocalRunResult, runLocally } from './run-local';

/** Where the command writes. */
export interface LocalCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Exit codes: the run succeeded, the run failed, or the command was used wrongly. */
export const EXIT = { succeeded: 0, failed: 1, usage: 2 } as const;

/** The time scale used on the emulator when none is given: 100 run seconds per real second. */
export const EMULATOR_TIME_SCALE = 0.01;

/** How long a restore takes on the emulator in local runs (run time): long enough to be polled a few times. */
export const DEMO_RESTORE_MS = 30_000;

interface LocalOptions {
  readonly config?: string;
  readonly mode?: string;
  readonly collections?: string[];
  readonly schedule?: string;
  readonly snapshot?: string;
  readonly dryRun?: boolean;
  readonly milvusUri?: string;
  readonly milvusToken?: string;
  readonly faults?: string;
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
 * the built-in Milvus emulator (seeded with demo collections) or a real Milvus.
 *
 * @returns the exit code: 0 when the run's report says SUCCEEDED, 1 when FAILED, 2 on bad usage,
 *   configuration or input
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
  let emulator: RunningMilvusEmulator | undefined;
  try {
    const { config, source } = loadConfig(options, io);
    const milvusUri = options.milvusUri ?? io.env.MILVUS_URI;
    const token = options.milvusToken ?? io.env.MILVUS_TOKEN;
    if (milvusUri && options.faults) {
      throw new UsageError('--faults applies to the built-in emulator only; drop --milvus-uri to use it');
    }
    const scale = options.timeScale ?? (milvusUri ? 1 : EMULATOR_TIME_SCALE);
    // Synthesize first: the run's clock starts with the run, not with the CDK synthesis before it.
    const synthesized = synthesizeRun(config);
    const clock: LocalClock = new ScaledClock(scale);

    let milvus: LocalMilvus;
    let where: string;
    if (milvusUri) {
      milvus = { address: milvusUri, ...(token ? { token } : {}), tls: milvusUri.startsWith('https://') };
      where = `Milvus at ${milvusUri}`;
      await preflight(milvus, config);
    } else {
      const faults = options.faults ? await loadFaults(options.faults, io) : undefined;
      emulator = await startMilvusEmulator({
        clock,
        seedDemo: true,
        defaultRestoreDurationMs: DEMO_RESTORE_MS,
        ...(faults ? { faults } : {}),
      });
      // A fresh emulator is a new cluster: records of earlier emulators (other ports, other data) never apply.
      milvus = { address: emulator.address, clusterId: `emulator-${randomUUID().slice(0, 8)}` };
      where = `the built-in Milvus emulator (${emulator.address}, demo collections)`;
    }

    const input = executionInput(options);
    const runsDir = resolve(io.cwd, options.runsDir);
    progress.write(
      `Local run of ${relative(io.cwd, source) || source}: ${describeInput(input)} on ${where}, ` +
        `${scale === 1 ? 'real time' : `time x${Math.round(1 / scale)}`}\n`,
    );
    const started = Date.now();
    const filter = new ProgressFilter({ verbose: options.verbose ?? false });
    const result = await runLocally({
      config,
      input,
      milvus,
      clock,
      synthesized,
      reportsDir: runsDir,
      logLevel: options.verbose ? 'INFO' : 'ERROR',
      onEvent: (event) => {
        const now = Date.now();
        if (!filter.shows(event, now)) return;
        const line = progressLine(event, now - started);
        if (line) progress.write(`${line}\n`);
      },
    });
    return await finish(result, options, io, progress);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof DeploymentConfigError ||
      error instanceof WorkflowError
    ) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    await emulator?.stop();
  }
}

async function finish(
  result: LocalRunResult,
  options: LocalOptions,
  io: LocalCommandIo,
  progress: LocalCommandIo['stdout'],
): Promise<number> {
  if (!result.report) {
    // The run stopped before it could report: the input or configuration was refused.
    io.stderr.write(`error: the run was refused: ${result.error?.cause ?? 'no report was produced'}\n`);
    return result.error?.name === 'InvalidInputError' ? EXIT.usage : EXIT.failed;
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
  const { summary } = result.report;
  progress.write(
    `${result.report.status}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped; ` +
      `${summary.snapshotsCreated} snapshot(s) created, ${summary.snapshotsDropped} dropped, ` +
      `${summary.drillsVerified} drill(s) verified, ${summary.drillsFailed} failed, in ${(result.wallMs / 1000).toFixed(1)} s\n`,
  );
  progress.write(`Report: ${relative(io.cwd, result.reportPath ?? '') || result.reportPath}\n`);
  if (options.verbose) for (const line of quotaLines(result)) progress.write(`${line}\n`);
  if (options.reportFile) progress.write(`Report copied to ${options.reportFile}\n`);
  return result.report.status === 'SUCCEEDED' ? EXIT.succeeded : EXIT.failed;
}

function parseArguments(argv: readonly string[], io: LocalCommandIo): LocalOptions {
  const program = new Command('npm run local --')
    .description(
      'Run the scheduler state machine, exactly as deployed, on this machine: against the built-in ' +
        'Milvus emulator (default) or a real Milvus 3.x.',
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
    .option('--collections <list>', 'only these collections, comma-separated (database.collection)', (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option(
      '--schedule <name>',
      'run as this configured schedule (its mode, snapshot prefix and collections)',
    )
    .option('--snapshot <name>', 'drill this snapshot instead of the newest one')
    .option('--dry-run', 'change nothing in Milvus: only report what retention would keep and drop')
    .option(
      '--milvus-uri <uri>',
      'a real Milvus (host:port or https://…); default: $MILVUS_URI, else the emulator',
    )
    .option('--milvus-token <token>', 'its token (user:password works too); default: $MILVUS_TOKEN')
    .option('--faults <file>', 'fault plan for the emulator (see README, The Milvus emulator)')
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
    .option('--runs-dir <dir>', 'where results and reports are kept', '.local-runs')
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

function loadConfig(options: LocalOptions, io: LocalCommandIo): { config: DeploymentConfig; source: string } {
  const loaded = loadDeploymentConfig({
    cwd: io.cwd,
    env: io.env,
    ...(options.config ? { path: options.config } : {}),
  });
  return { config: loaded.config, source: loaded.path };
}

async function loadFaults(file: string, io: LocalCommandIo): Promise<FaultPlan> {
  try {
    return await loadFaultPlanFile(resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
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
  );
  await gateway.close();
}

function executionInput(options: LocalOptions): Record<string, unknown> {
  return {
    ...(options.schedule ? { schedule: options.schedule } : {}),
    ...(options.mode ? { mode: options.mode } : options.schedule ? {} : { mode: 'full' }),
    ...(options.collections ? { collections: options.collections } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
  };
}

function describeInput(input: Record<string, unknown>): string {
  const what = [input.dryRun ? 'dry' : undefined, input.mode ?? undefined, 'run'].filter(Boolean).join(' ');
  const of = input.collections ? (input.collections as string[]).join(', ') : 'every configured collection';
  return `${input.schedule ? `schedule ${input.schedule}: ` : ''}${what} of ${of}`;
}
