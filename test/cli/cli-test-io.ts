import type { CliIo } from '../../cli/cli-io';

/** An in-memory {@link CliIo}: what the program printed, and stdin to feed it. */
export interface MemoryIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/** Builds in-memory streams for running the program in-process. */
export function memoryIo(options: { readonly stdin?: string; readonly cwd: string }): MemoryIo {
  const out: string[] = [];
  const err: string[] = [];
  async function* stdin(): AsyncGenerator<string> {
    if (options.stdin !== undefined) yield options.stdin;
  }
  return {
    io: {
      stdin: stdin(),
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      cwd: options.cwd,
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
