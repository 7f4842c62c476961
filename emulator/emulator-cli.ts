import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EmulatorOptionsError, EmulatorStartError, FaultPlanError } from './errors';
import type { FaultPlan } from './fault-plan';
import { loadFaultPlanFile } from './fault-plan-file';
import { type RunningMilvusEmulator, startMilvusEmulator } from './start-emulator';

/** Exit code for bad command-line input (including a bad `--faults` file). */
export const USAGE_ERROR_EXIT_CODE = 2;

/** Environment variable read when `--token` is not given (keeps the token out of `ps`). */
export const TOKEN_ENV_VAR = 'MILVUS_EMULATOR_TOKEN';

/** What the CLI talks to. */
export interface EmulatorCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal name when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopRequested: Promise<string>;
}

interface CliOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly faults?: string;
  readonly seedDemo?: boolean;
}

/**
 * `milvus-emulator --port 19530 [--host H] [--token T] [--faults f.json] [--seed-demo]`: starts
 * the emulator, prints `Milvus emulator listening on <host>:<port>` on stdout once it accepts
 * connections, and runs until asked to stop.
 *
 * @returns the process exit code.
 */
export async function runEmulatorCli(argv: readonly string[], io: EmulatorCliIo): Promise<number> {
  const program = new Command()
    .name('milvus-emulator')
    .description(
      'Wire-compatible Milvus 3.0 emulator for the snapshot API (in memory, for local runs and CI)',
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free port)', parsePort, 19_530)
    .option('--token <token>', `require this token (API key or user:password); default: $${TOKEN_ENV_VAR}`)
    .option('--faults <file>', 'fault plan JSON file (latency, failing calls, restore outcomes)')
    .option('--seed-demo', 'create the demo collections (products, support_tickets, analytics.user_events)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE;
    }
    throw error;
  }
  const options = program.opts<CliOptions>();

  let faults: FaultPlan | undefined;
  if (options.faults !== undefined) {
    try {
      faults = await loadFaultPlanFile(options.faults);
    } catch (error) {
      if (error instanceof FaultPlanError) {
        io.stderr.write(`milvus-emulator: ${error.message}\n`);
        return USAGE_ERROR_EXIT_CODE;
      }
      throw error;
    }
  }
  const token = options.token ?? io.env[TOKEN_ENV_VAR];
  let emulator: RunningMilvusEmulator;
  try {
    emulator = await startMilvusEmulator({
      host: options.host,
      port: options.port,
      ...(token === undefined || token === '' ? {} : { token }),
      ...(faults === undefined ? {} : { faults }),
      seedDemo: options.seedDemo === true,
      logError: (message) => io.stderr.write(`${message}\n`),
    });
  } catch (error) {
    if (error instanceof EmulatorStartError || error instanceof EmulatorOptionsError) {
      io.stderr.write(`milvus-emulator: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  io.stdout.write(`Milvus emulator listening on ${emulator.address}\n`);
  if (token !== undefined && token !== '') {
    io.stderr.write('authentication on: calls must carry the configured token\n');
  }
  if (options.seedDemo === true) {
    const names = emulator.inspect
      .collections()
      .map((c) => `${c.database}.${c.name} (${c.rows.visible} rows)`);
    io.stderr.write(`demo collections: ${names.join(', ')}\n`);
  }
  if (faults !== undefined) {
    io.stderr.write(`fault plan ${options.faults}: ${faults.rules?.length ?? 0} rule(s)\n`);
  }

  const signal = await io.stopRequested;
  await emulator.stop();
  io.stderr.write(`Milvus emulator stopped (${signal})\n`);
  return 0;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`expected an integer from 0 to 65535, got ${value}`);
  }
  return port;
}
