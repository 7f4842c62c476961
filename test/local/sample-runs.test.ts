import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleTranscripts } from '../../local/sample-runs';
import { PROJECT_ROOT } from '../lib/fixtures';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'scheduler.config.json');

/** Two chained runs of one collection: a backup, then a drill of it, some minutes later. */
const RUNS = [
  { args: ['--mode', 'backup', '--collections', 'products'], startsAt: '2030-01-01T00:00:00.000Z' },
  { args: ['--mode', 'drill', '--collections', 'products'], startsAt: '2030-01-01T00:05:00.000Z' },
];

describe('the README sample runs', () => {
  const tmpdirOfRun = process.env.TMPDIR;
  afterEach(() => {
    process.env.TMPDIR = tmpdirOfRun;
  });

  it('print the same every time, dated by their start, on one emulator kept between them, leaving no directory behind', async () => {
    // Prepare: a temporary directory of this test's own, to see what the runs leave in it
    const scratch = mkdtempSync(join(tmpdir(), 'sample-runs-'));
    process.env.TMPDIR = scratch;

    // Act
    const first = await sampleTranscripts(EXAMPLE, RUNS);
    const again = await sampleTranscripts(EXAMPLE, RUNS);

    // Assess
    expect(again).toEqual(first);
    const [backup, drill] = first;
    expect(backup?.command).toBe('npm run local -- --mode backup --collections products');
    expect(backup?.code).toBe(0);
    expect(backup?.output).toMatch(
      /^Local run of examples\/scheduler\.config\.json: backup run of 1 of 3 configured collection\(s\) \(products\) on the built-in Milvus emulator \(127\.0\.0\.1:\d+, new, kept in \.local-runs\/emulator, seeded /,
    );
    expect(backup?.output).toContain('snapshot manual_20300101_000000 (2000 rows)');
    expect(backup?.output).toMatch(
      /^Report: \.local-runs\/reports\/2030\/01\/01\/local-20300101T000000000Z-[0-9a-f]{8}\.json$/m,
    );
    expect(drill?.output).toContain('kept in .local-runs/emulator: 1 snapshot(s)');
    expect(drill?.output).toContain('started restore into drill_products_20300101_000500_');
    // Polled on the drill's backoff, 5, 15 and 35 s after the restore started, at x100
    expect(drill?.output).toMatch(
      / {3}0\.1s {2}default\.products +restore Executing 0% → wait, next poll in 10 s\n/,
    );
    expect(drill?.output).toMatch(/ {3}0\.3s {2}default\.products +restore Completed 100% → completed\n/);
    expect(readdirSync(scratch)).toEqual([]);
  }, 120_000);
});
