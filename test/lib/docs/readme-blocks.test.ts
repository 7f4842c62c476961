import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_BLOCKS, generateBlocks, readBlock, writeBlocks } from '../../../lib/docs/readme-blocks';
import { exampleConfig, PROJECT_ROOT } from '../fixtures';

describe('the README sections generated from the synthesized definition', () => {
  it.each(GENERATED_BLOCKS)('%s is up to date (npm run docs)', async (name) => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const blocks = await generateBlocks(exampleConfig());
    expect(readBlock(readme, name)).toBe(blocks[name]);
  });

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
