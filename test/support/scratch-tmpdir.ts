import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every test's temporary files and directories (`os.tmpdir()`, `mkdtemp`,
 * esbuild and CDK scratch space) go under one directory of this run, removed when the run ends,
 * so the suite leaves nothing in the machine's /tmp however a test ends (a timeout or a crash
 * skips its own cleanup). The workers are started after this and inherit `TMPDIR`.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const scratch = mkdtempSync(join(tmpdir(), 'milvus-snapshot-scheduler-tests-'));
  process.env.TMPDIR = scratch;
  return () => {
    rmSync(scratch, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
