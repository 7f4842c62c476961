import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { type SynthesizedRun, synthesizeRun } from '../../lib/state-machine/synthesized-definition';
import { VirtualClock } from '../../local/local-clock';
import { holdMilvusConnection, runLocally } from '../../local/run-local';
import { exampleConfig } from '../lib/fixtures';

const CONFIG = exampleConfig();
const clock = new VirtualClock(Date.parse('2026-11-21T03:00:00Z'));
let emulator: RunningMilvusEmulator;
let synthesized: SynthesizedRun;
let reportsDir: string;

beforeAll(async () => {
  emulator = await startMilvusEmulator({ clock, seedDemo: true });
  synthesized = synthesizeRun(CONFIG);
  reportsDir = await mkdtemp(join(tmpdir(), 'connection-hold-'));
});
afterAll(async () => {
  await emulator.stop();
});

/** A backup of one collection on the next day; how many connections Milvus saw it open. */
async function backupConnects(): Promise<number> {
  clock.set(clock.now() + 86_400_000);
  emulator.calls.reset();
  const result = await runLocally({
    config: CONFIG,
    input: { mode: 'backup', collections: ['default.products'] },
    clock,
    reportsDir,
    synthesized,
    milvus: { address: emulator.address },
  });
  expect(result.status).toBe('SUCCEEDED');
  return emulator.calls.count('Connect');
}

describe('the Milvus connection of local runs', () => {
  it('is opened by each run and closed at its end, so the process can exit', async () => {
    expect(await backupConnects()).toBe(1);
    expect(await backupConnects()).toBe(1);
  });

  it('is kept from one run to the next while held, as warm Lambdas keep theirs, and closed on release', async () => {
    const release = holdMilvusConnection();
    try {
      expect(await backupConnects()).toBe(1);
      expect(await backupConnects()).toBe(0);
    } finally {
      await release();
    }
    expect(await backupConnects()).toBe(1);
  });
});
