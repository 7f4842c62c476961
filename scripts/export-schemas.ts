import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsonSchemas } from '../lib/config/json-schemas';

const ROOT = join(import.meta.dirname, '..');

/**
 * Writes the JSON Schemas of the zod schemas into `dir`, formatted by the project's own Biome
 * (as `npm run format` would), so `npm run check` accepts them as written. A test fails while the
 * committed ones differ.
 *
 * @returns the files written
 */
export function exportSchemas(dir: string = join(ROOT, 'schemas')): string[] {
  const files = Object.entries(jsonSchemas()).map(([file, schema]) => {
    const path = join(dir, file);
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    return path;
  });
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', ...files], { cwd: ROOT, stdio: 'pipe' });
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const file of exportSchemas()) process.stdout.write(`wrote ${file.slice(ROOT.length + 1)}\n`);
}
