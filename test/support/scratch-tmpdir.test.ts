import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup from './scratch-tmpdir';

describe('the suite scratch directory', () => {
  const tmpdirOfRun = process.env.TMPDIR;
  afterEach(() => {
    process.env.TMPDIR = tmpdirOfRun;
  });

  it("puts every test's temporary directory under the run's own, which the run removes", () => {
    const made = mkdtempSync(join(tmpdir(), 'probe-'));
    expect(dirname(made)).toMatch(/[/\\]milvus-snapshot-scheduler-tests-[^/\\]+$/);
  });

  it('is removed at the end of a run, with what a timed-out test left in it, and TMPDIR is put back', async () => {
    // Prepare: a run's scratch directory with a timed-out run's reports in it
    const teardown = setup();
    const scratch = tmpdir();
    const reports = join(scratch, 'local-command-x', 'runs', 'reports');
    mkdirSync(reports, { recursive: true });
    writeFileSync(join(reports, 'local-1.json'), '{}');

    // Act
    await teardown();

    // Assess
    expect(dirname(scratch)).toBe(tmpdirOfRun);
    expect(existsSync(scratch)).toBe(false);
    expect(process.env.TMPDIR).toBe(tmpdirOfRun);
  });
});
