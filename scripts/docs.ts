import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeploymentConfig } from '../lib/config/load-config';
import { generateBlocks, writeBlocks } from '../lib/docs/readme-blocks';
import { apiReferenceMarkdown } from '../lib/package/api-reference';
import { API_MODEL, rollUpDeclarations } from '../lib/package/package-build';

// Regenerates the README's generated blocks (`npm run docs`): the state machine diagram and cost
// table from the synthesized definition of the example configuration, and the sample output of
// `npm run local` from real runs of it. A test fails while the committed README differs.
const root = join(import.meta.dirname, '..');
const { config } = loadDeploymentConfig({ path: join(root, 'examples', 'scheduler.config.json') });
const readme = join(root, 'README.md');
const before = readFileSync(readme, 'utf8');
const after = writeBlocks(before, await generateBlocks(config));
if (after !== before) writeFileSync(readme, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n');

// docs/API.md from the TSDoc of lib/index.ts: the declarations' API model, as `npm run build` makes it.
rollUpDeclarations((line) => process.stderr.write(`${line}\n`));
const apiPath = join(root, 'docs', 'API.md');
const apiBefore = readFileSync(apiPath, { encoding: 'utf8', flag: 'a+' });
const apiAfter = apiReferenceMarkdown(API_MODEL);
if (apiAfter !== apiBefore) writeFileSync(apiPath, apiAfter);
process.stdout.write(apiAfter === apiBefore ? 'docs/API.md is up to date\n' : 'docs/API.md updated\n');
