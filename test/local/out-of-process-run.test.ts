import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMilvus } from '../../functions/shared/milvus/milvus-connection';
import { loadDeploymentConfig } from '../../lib/config/load-config';
import { type EmulatorProcess, startEmulatorProcess } from '../../local/emulator-process';
import { ScaledClock } from '../../local/local-clock';
import { runLocally } from '../../local/run-local';
import { removeDir } from '../../local/runs-dir';

/**
 * A run as the scale benchmark makes it: the emulator in a process of its own, sharing the run's
 * clock, and the definition synthesized in a child process as the run starts.
 */
// Two child processes start (the emulator's, the synthesis'): allow for a busy machine.
describe('a local run against an emulator in another process', { timeout: 120_000 }, () => {
  let emulator: EmulatorProcess | undefined;
  let reportsDir: string | undefined;
  afterEach(async () => {
    await emulator?.stop();
    if (reportsDir) await removeDir(reportsDir);
  });

  it('backs up every collection, with the X-Ray SDK left without its async hook', async () => {
    // Prepare
    const clock = new ScaledClock(0.001);
    emulator = await startEmulatorProcess({ clock, seedDemo: true });
    reportsDir = await mkdtemp(join(tmpdir(), 'out-of-process-'));

    // Act
    const result = await runLocally({
      // Read directly, not through test/lib/fixtures.ts: that loads the construct, and with it
      // the handlers' Powertools Tracer, before the run.
      config: loadDeploymentConfig({
        path: join(import.meta.dirname, '..', '..', 'examples', 'scheduler.config.json'),
      }).config,
      input: { mode: 'backup' },
      clock,
      reportsDir,
      milvus: { address: emulator.address, clusterId: 'emulator-test' },
      logLevel: 'SILENT',
    });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const statuses = result.report?.collections.map((c) => [`${c.database}.${c.collection}`, c.status]);
    expect(statuses?.sort()).toEqual([
      ['analytics.user_events', 'SUCCEEDED'],
      ['default.products', 'SUCCEEDED'],
      ['default.support_tickets', 'SUCCEEDED'],
    ]);
    const milvus = await connectMilvus(
      { address: emulator.address, tls: false, timeoutMs: 5_000 },
      undefined,
    );
    try {
      const snapshot = result.report?.collections.find((c) => c.collection === 'products')?.backup
        ?.snapshotName;
      expect(await milvus.listSnapshots({ database: 'default', collection: 'products' })).toContain(snapshot);
    } finally {
      await milvus.close();
    }
    const namespaces = (process as { namespaces?: Record<string, unknown> }).namespaces ?? {};
    expect(Object.keys(namespaces)).not.toContain('AWSXRay');
  });
});
