#!/usr/bin/env node
// Installed command `milvus-snapshot-scheduler`: the operations CLI. The project ships TypeScript
// sources, so the launcher registers tsx (a dependency) and loads the entry point.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
