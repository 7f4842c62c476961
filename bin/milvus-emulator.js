#!/usr/bin/env node
// Installed command `milvus-emulator`: the wire-compatible Milvus emulator. The project ships
// TypeScript sources, so the launcher registers tsx (a dependency) and loads the entry point.
import { register } from 'tsx/esm/api';

register();
await import('./milvus-emulator.ts');
