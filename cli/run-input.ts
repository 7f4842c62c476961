import { type ExecutionInput, parseExecutionInput } from '../functions/shared/contracts/execution-input';
import { CliError } from './cli-error';
import type { CliIo } from './cli-io';
import { readJsonInput } from './read-json-input';

/** The `start` flags that make up the execution input. */
export interface RunInputOptions {
  readonly mode?: string;
  readonly collections?: string;
  readonly dryRun?: boolean;
  readonly snapshot?: string;
  readonly schedule?: string;
  /** A JSON file (or `-`) with the input; the flags above are laid over it. */
  readonly input?: string;
}

/**
 * Builds the execution input from `--input` and the flags (flags win), exactly as it will be sent.
 *
 * @throws CliError (exit 2) when the input file cannot be read
 */
export async function buildRunInput(options: RunInputOptions, io: CliIo): Promise<unknown> {
  const flags: Record<string, unknown> = {};
  if (options.schedule !== undefined) flags.schedule = options.schedule;
  if (options.mode !== undefined) flags.mode = options.mode;
  if (options.collections !== undefined) {
    flags.collections = options.collections
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
  }
  if (options.dryRun) flags.dryRun = true;
  if (options.snapshot !== undefined) flags.snapshot = options.snapshot;
  if (options.input === undefined) return flags;

  const { value } = await readJsonInput(options.input, io);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  // A file that is not an object is sent to validation as it is: its message says what is wrong.
  if (!isObject) return Object.keys(flags).length === 0 ? value : flags;
  return { ...value, ...flags };
}

/**
 * Validates an execution input as PrepareRun's schema check does, with the same message.
 *
 * @throws CliError (exit 2): `invalid execution input: mode: …`, and nothing is started
 */
export function validateRunInput(input: unknown): ExecutionInput {
  return parseExecutionInput(input, (message) => new CliError(`${message}\nNothing was started.`));
}
