import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMilvusEmulator } from '../emulator';
import { parseDeploymentConfig } from '../lib/config/load-config';
import { ScaledClock } from '../local/local-clock';
import { runLocally } from '../local/run-local';
import { createBenchCollections } from './bench-world';
import { scaleCollectionName } from './scale-names';
const n = Number(process.argv[2] ?? 30);
const clock = new ScaledClock(0.01);
const emulator = await startMilvusEmulator({ clock });
const names = Array.from({ length: n }, (_, i) => scaleCollectionName(i + 1));
await createBenchCollections(emulator.address, names);
const config = parseDeploymentConfig({ milvus: { address: 'm:1' }, collections: names.map((name) => ({ name })), schedules: {}, retention: { default: { keepDaily: 7 } } }, 'x');
const entered = new Map<string, number>();
const per = new Map<string, number[]>();
const r = await runLocally({ config, input: { mode: 'backup' }, clock, reportsDir: await mkdtemp(join(tmpdir(), 'tt-')), milvus: { address: emulator.address }, logLevel: 'SILENT',
  onEvent: (e: any) => {
    const k = `${e.execution ?? ''}:${e.state?.name}`;
    if (e.type === 'StateEntered') entered.set(k, e.timestamp);
    if (e.type === 'StateExited' || e.type === 'StateFailed') { const t = entered.get(k); if (t !== undefined) { const a = per.get(e.state.name) ?? []; a.push(e.timestamp - t); per.set(e.state.name, a); } }
    if (e.type === 'StateRetried') console.log('retry', e.state.name);
  } });
console.log(r.status, r.wallMs);
for (const [k, v] of per) console.log(k.padEnd(24), v.length, Math.round(v.reduce((a, b) => a + b, 0) / v.length));
await emulator.stop(); process.exit(0);
