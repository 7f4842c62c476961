import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError } from './cli-error';
import type { CliIo } from './cli-io';
import { jsonSyntaxReason } from './json-error';

/** A JSON document read for a command, with the name to show in messages about it. */
export interface JsonInput {
  /** The path as the user wrote it, or `<stdin>`. */
  readonly source: string;
  readonly value: unknown;
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function describeReadFailure(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads and parses a JSON document from a file, or from stdin when `path` is `-`.
 *
 * @throws CliError (exit code 2) naming the file when it cannot be read or is not JSON
 */
export async function readJsonInput(path: string, io: CliIo): Promise<JsonInput> {
  const source = path === '-' ? '<stdin>' : path;
  let text: string;
  try {
    text = path === '-' ? await readAll(io.stdin) : await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${source}: ${describeReadFailure(error)}`, undefined, { cause: error });
  }
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
    return { source, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${jsonSyntaxReason(error, text)}`, undefined, {
      cause: error,
    });
  }
}
