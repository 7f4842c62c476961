import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_BLOCKS, generateBlock, readBlock, writeBlocks } from '../../../lib/docs/readme-blocks';
import { exampleConfig, PROJECT_ROOT } from '../fixtures';

/**
 * A sample block runs `npm run local` in-process, one to three times (the first synthesizes the
 * stack too): seconds alone, much more beside other tests on a busy machine.
 */
const SAMPLE_RUNS_MS = 180_000;

describe('the README sections generated from the synthesized definition and from sample runs', () => {
  it.each(GENERATED_BLOCKS)(
    '%s is up to date (npm run docs)',
    async (name) => {
      const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
      const block = await generateBlock(name, exampleConfig());
      expect(readBlock(readme, name)).toBe(block);
    },
    SAMPLE_RUNS_MS,
  );

  it('replaces only what is between the markers', () => {
    const document = [
      'before',
      '<!-- generated:cost-table (npm run docs; do not edit) -->',
      'old',
      '<!-- /generated:cost-table -->',
      'after',
    ].join('\n');
    const updated = writeBlocks(document, { 'cost-table': 'new\n', 'state-machine-diagram': 'ignored\n' });
    expect(updated).toBe(
      [
        'before',
        '<!-- generated:cost-table (npm run docs; do not edit) -->',
        'new',
        '<!-- /generated:cost-table -->',
        'after',
      ].join('\n'),
    );
    expect(readBlock(updated, 'cost-table')).toBe('new\n');
    expect(readBlock(updated, 'state-machine-diagram')).toBeUndefined();
  });
});
