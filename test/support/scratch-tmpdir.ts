import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir } from '../../local/runs-dir';

/**
 * Vitest global setup: every test's temporary files and directories (`os.tmpdir()`, `mkdtemp`,
 * esbuild and CDK scratch space) go under one directory of this run, removed when the run ends,
 * so the suite leaves nothing in the machine's /tmp however a test ends (a timeout or a crash
 * skips its own cleanup). The workers are started after this and inherit `TMPDIR`.
 *
 * A test that timed out may have left something that still writes there as the run ends (a
 * synthesis or emulator child process on its way out): the removal tries again for a few seconds
 * ({@link removeDir}), and if that is not enough says which directory is left rather than failing
 * a run whose tests passed.
 */
export default function setup(): () => Promise<void> {
  const previous = process.env.TMPDIR;
  const scratch = mkdtempSync(join(tmpdir(), 'milvus-snapshot-scheduler-tests-'));
  process.env.TMPDIR = scratch;
  return async () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await removeDir(scratch).catch((error: unknown) => {
      process.stderr.write(`warning: the suite's scratch directory ${scratch} is left: ${String(error)}\n`);
    });
  };
}
