/** Exit codes of the CLI: scripts can tell a bad input from a bug. */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** Something unexpected failed inside the CLI. */
  internal: 1,
  /** The command line, an input file or its content is wrong; the message says where. */
  usage: 2,
} as const;

/**
 * An error meant for the person at the terminal: its message is printed as is (never a stack
 * trace) and the process exits with `exitCode`.
 */
export class CliError extends Error {
  /** Exit code the process ends with. */
  public readonly exitCode: number;

  public constructor(message: string, exitCode: number = EXIT_CODES.usage, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
