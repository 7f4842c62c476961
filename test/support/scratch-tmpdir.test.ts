import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the suite scratch directory', () => {
  it("puts every test's temporary directory under the run's own, which the run removes", () => {
    const made = mkdtempSync(join(tmpdir(), 'probe-'));
    expect(dirname(made)).toMatch(/[/\\]milvus-snapshot-scheduler-tests-[^/\\]+$/);
  });
});
