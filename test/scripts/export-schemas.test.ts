import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportSchemas } from '../../scripts/export-schemas';
import { PROJECT_ROOT } from '../lib/fixtures';

describe('npm run schemas', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes, byte for byte, the committed schemas that npm run check accepts', () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'schemas-'));

    // Act
    const written = exportSchemas(dir);

    // Assess: the committed files are what Biome checks, so the same bytes pass it too
    expect(written.map((f) => basename(f)).sort()).toEqual([
      'run-report.schema.json',
      'scheduler.config.schema.json',
    ]);
    for (const file of written) {
      expect(readFileSync(file, 'utf8')).toBe(
        readFileSync(join(PROJECT_ROOT, 'schemas', basename(file)), 'utf8'),
      );
    }
  });
});
