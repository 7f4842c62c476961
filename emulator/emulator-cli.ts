import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { SeedCollectionSpec } from './collection-seed';
import { DEFAULT_DATABASE } from './database';
import {
  CollectionSeedError,
  DemoSeedError,
  EmulatorOptionsError,
  EmulatorStartError,
  EmulatorStateError,
  FaultPlanError,
} from './errors';
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
  readonly stateFile?: string;
  readonly seedCollection: readonly SeedCollectionSpec[];
}

/**
 * `milvus-emulator --port 19530 [--host H] [--token T] [--faults f.json] [--seed-demo]
 * [--state-file state.json] [--seed-collection db.name:rows:dim ...]`: starts the emulator
 * (from the state file when it exists), prints `Milvus emulator listening on <host>:<port>` on
 * stdout once it accepts connections, runs until asked to stop, then saves the state file.
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
    .option(
      '--state-file <file>',
      'start from this state file when it exists, and save the state to it on stop',
    )
    .option(
      '--seed-collection <database.name[:rows[:dim]]>',
      'create a collection with a generic schema (repeatable; default rows 100, dim 8)',
      (value: string, previous: readonly SeedCollectionSpec[]) => [...previous, parseSeedFlag(value)],
      [] as readonly SeedCollectionSpec[],
    )
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
      seedCollections: options.seedCollection,
      ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
      logError: (message) => io.stderr.write(`${message}\n`),
    });
  } catch (error) {
    if (error instanceof EmulatorStateError) {
      io.stderr.write(`milvus-emulator: ${error.message}\n`);
      return USAGE_ERROR_EXIT_CODE;
    }
    if (
      error instanceof EmulatorStartError ||
      error instanceof EmulatorOptionsError ||
      error instanceof DemoSeedError ||
      error instanceof CollectionSeedError
    ) {
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
  if (options.stateFile !== undefined) {
    io.stderr.write(
      `state file ${options.stateFile}: ${emulator.inspect.collections().length} collection(s)\n`,
    );
  }

  const signal = await io.stopRequested;
  await emulator.stop();
  let exitCode = 0;
  if (options.stateFile !== undefined) {
    try {
      await emulator.saveState();
      io.stderr.write(`state saved to ${options.stateFile}\n`);
    } catch (error) {
      if (!(error instanceof EmulatorStateError)) {
        throw error;
      }
      io.stderr.write(`milvus-emulator: ${error.message}\n`);
      exitCode = 1;
    }
  }
  io.stderr.write(`Milvus emulator stopped (${signal})\n`);
  return exitCode;
}

/** `analytics.events:5000:64`, `events` (default database), `events:10`. */
function parseSeedFlag(value: string): SeedCollectionSpec {
  const [qualified = '', rows, dim, ...rest] = value.split(':');
  const dot = qualified.indexOf('.');
  const database = dot === -1 ? DEFAULT_DATABASE : qualified.slice(0, dot);
  const name = dot === -1 ? qualified : qualified.slice(dot + 1);
  const count = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) {
      throw new InvalidArgumentError(
        `${what} must be a whole number, got ${JSON.stringify(text)} in ${value}`,
      );
    }
    return Number(text);
  };
  if (name === '' || database === '' || rest.length > 0) {
    throw new InvalidArgumentError(`expected database.name[:rows[:dim]], got ${value}`);
  }
  const rowCount = count(rows, 'rows');
  const dimension = count(dim, 'dim');
  return {
    database,
    name,
    ...(rowCount === undefined ? {} : { rows: rowCount }),
    ...(dimension === undefined ? {} : { dim: dimension }),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`expected an integer from 0 to 65535, got ${value}`);
  }
  return port;
}
