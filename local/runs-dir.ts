import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** The runs directory cannot be used; the message says why, in the user's words for the path. */
export class RunsDirError extends Error {
  public override readonly name = 'RunsDirError';
}

/**
 * Makes sure `path` is a directory this process can write to, creating it (and its missing
 * parents) when needed, before the run changes anything anywhere.
 *
 * Node's own `mkdir(path, { recursive: true })` never settles for a path under `/proc`, so the
 * missing directories are created one at a time.
 *
 * @param shown the path as the user wrote it, for the message
 * @throws RunsDirError naming the path and what is wrong with it
 */
export async function ensureWritableDir(path: string, shown: string, cwd: string): Promise<void> {
  try {
    await makeDirs(path);
    const probe = join(path, `.write-check-${randomUUID().slice(0, 8)}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new RunsDirError(`--runs-dir ${shown}: ${describe(error, cwd)}`, { cause: error });
  }
}

async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const found = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      // ENOTDIR: a file further up is in the way; go on up to name it.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (found) {
      if (!found.isDirectory())
        throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR', path: dir });
      break;
    }
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) await mkdir(dir);
}

function describe(error: unknown, cwd: string): string {
  const e = error as NodeJS.ErrnoException;
  const where =
    e.path === undefined
      ? undefined
      : relative(cwd, e.path).startsWith('..')
        ? e.path
        : relative(cwd, e.path);
  switch (e.code) {
    case 'ENOTDIR':
      return `${where ?? 'a part of it'} is a file, not a directory; pass a directory`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${where ? ` (${where})` : ''}; pass a directory you can write to`;
    case 'EROFS':
      return 'the file system is read-only; pass a directory you can write to';
    case 'ENOENT':
      return `cannot be created (${where ?? 'its parent'} does not accept new directories); pass a directory you can write to`;
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return e.message ?? String(error);
  }
}

/**
 * How often {@link removeDir} tries again while the directory is not empty or busy. Node waits
 * `attempt × retryDelay` between tries: 100, 200, … 1,000 ms, 5.5 s in all.
 */
const REMOVE_RETRIES = { maxRetries: 10, retryDelay: 100 } as const;

/**
 * Removes a directory and everything in it, as `rm -rf` does, and tries again for a few seconds
 * while it fails with `ENOTEMPTY`, `EBUSY` or `EPERM`: what something still writing into it (a run
 * that is ending: its last report, the emulator's state file) makes a plain recursive removal
 * fail with. A writer that never stops still wins: wait for it to end first.
 */
export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, ...REMOVE_RETRIES });
}
