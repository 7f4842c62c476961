import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDeploymentConfig } from '../lib/config/load-config';
import { startEmulatorProcess } from '../local/emulator-process';
import { ScaledClock } from '../local/local-clock';
import { runLocally } from '../local/run-local';
import { scaleCollectionName } from './scale-names';

/**
 * One local run in a process of its own, as `npm run local` runs it: the built-in emulator in a
 * process of its own on the run's clock (100 run seconds per real second), seeded there with
 * `--collections` small collections (10 rows each), then a backup of them all, the definition
 * synthesized in a child process as the run starts. Prints one JSON line: wall time, outcome,
 * this process's peak RSS (the runner's: the emulator's and the synthesis' are their own), the
 * largest payload and the longest history the run saw. `bench/scale.ts` starts it, so that the
 * peak RSS is this run's alone.
 */
const { values } = parseArgs({ options: { collections: { type: 'string' } } });
const n = Number(values.collections);
const clock = new ScaledClock(0.01);
const seedStarted = Date.now();
const emulator = await startEmulatorProcess({
  clock,
  seed: { module: join(import.meta.dirname, 'scale-seed.ts'), input: { collections: n } },
});
const seedMs = Date.now() - seedStarted;

const config = parseDeploymentConfig(
  {
    milvus: { address: 'milvus.bench:19530' },
    collections: Array.from({ length: n }, (_, i) => ({ name: scaleCollectionName(i + 1) })),
    schedules: {},
    retention: { default: { keepDaily: 7 } },
    // The longest a run may take (7 days of run time, 100 minutes of real time at this clock's
    // scale): on a busy shared machine the default 12 hours (7.2 minutes) can pass before the
    // last collection, and the benchmark is for measuring how long the run takes.
    runTimeoutMinutes: 7 * 24 * 60,
  },
  'scale benchmark configuration',
);
const reportsDir = await mkdtemp(join(tmpdir(), 'bench-scale-'));
try {
  const loadBefore = loadavg()[0] ?? 0;
  const cpuBefore = process.cpuUsage();
  const result = await runLocally({
    config,
    input: { mode: 'backup' },
    clock,
    reportsDir,
    milvus: { address: emulator.address },
    logLevel: 'SILENT',
  });
  const cpu = process.cpuUsage(cpuBefore);
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({
      status: result.status,
      error: result.error,
      seedMs,
      wallMs: result.wallMs,
      runnerCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      loadBefore: Math.round(loadBefore * 100) / 100,
      loadAfter: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      succeeded: result.report?.summary.succeeded ?? 0,
      failed: result.report?.summary.failed ?? 0,
      mapRuns: result.mapRuns,
      largestPayload: result.largestPayload,
      longestHistory: result.longestHistory,
      // ru_maxrss: kilobytes on Linux.
      peakRssMb: Math.round(usage.maxRSS / 1024),
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
    })}\n`,
  );
} finally {
  await emulator.stop();
  await rm(reportsDir, { recursive: true, force: true });
}
process.exit(0);
