/**
 * Everything the CLI touches outside itself. The real entry point passes the process's streams;
 * tests pass in-memory ones and run the program in-process.
 */
export interface CliIo {
  /** Read when an input path is `-`. */
  readonly stdin: AsyncIterable<string | Uint8Array>;
  /** Results, and nothing else, so they can be piped into `jq` or a file. */
  readonly stdout: { write(text: string): unknown };
  /** Errors, usage and help on error. */
  readonly stderr: { write(text: string): unknown };
  /** Directory that relative input paths are resolved against. */
  readonly cwd: string;
}
