import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeRun } from '../../../lib/state-machine/synthesized-definition';
import { exampleConfig } from '../fixtures';

describe('synthesizeRun', () => {
  const tmpdirOfRun = process.env.TMPDIR;
  afterEach(() => {
    process.env.TMPDIR = tmpdirOfRun;
  });

  it('returns the definition and its handlers, and leaves no cloud assembly in the temporary directory', () => {
    // Prepare: a temporary directory of this test's own, to see what synthesis leaves in it
    const scratch = mkdtempSync(join(tmpdir(), 'synthesize-run-'));
    process.env.TMPDIR = scratch;

    // Act
    const run = synthesizeRun(exampleConfig());

    // Assess
    expect(run.definition.StartAt).toBe('PrepareRun');
    expect(Object.values(run.tasks).map((t) => t.step)).toContain('CreateSnapshot');
    expect(readdirSync(scratch)).toEqual([]);
  });
});
