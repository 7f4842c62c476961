import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../lib/config/json-schemas';

// Regenerates schemas/*.json from the zod schemas (`npm run schemas`). A test fails while they differ.
const dir = join(import.meta.dirname, '..', 'schemas');
for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${file}\n`);
}
