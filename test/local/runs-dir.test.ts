import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir } from '../../local/runs-dir';

describe('removeDir', () => {
  it('removes a runs directory something is still writing into, where a plain rm fails with ENOTEMPTY', async () => {
    // Prepare: a run's reports, and a writer still adding to them until their directory is gone
    const runsDir = await mkdtemp(join(tmpdir(), 'remove-dir-'));
    const reports = join(runsDir, 'reports', '2026', '11', '21');
    await mkdir(reports, { recursive: true });
    for (let i = 0; i < 50; i++) await writeFile(join(reports, `earlier-${i}.json`), '{}');
    // The writer stops by itself after a while, as a run that is ending does (a writer that never
    // stops would win against any number of retries).
    let written = 0;
    const writer = (async () => {
      while (written < 500) {
        try {
          await writeFile(join(reports, `late-${written}.json`), '{}');
          written += 1;
        } catch {
          return;
        }
      }
    })();

    // Act
    await removeDir(runsDir);
    await writer;

    // Assess
    expect(written).toBeGreaterThan(0);
    expect(existsSync(runsDir)).toBe(false);
  });

  it('does nothing for a directory that is not there', async () => {
    // Act
    const removing = removeDir(join(tmpdir(), 'remove-dir-never-made'));

    // Assess
    await expect(removing).resolves.toBeUndefined();
  });
});
