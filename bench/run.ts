import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeBenchWorld, PROJECT_ROOT } from './bench-world';
import { coldStartBenchmark } from './cold-start';
import { type BenchmarkResult, renderTable } from './figures';
import { machineInfo } from './machine';
import { overheadBenchmark } from './overhead';
import { pollingBenchmark } from './polling';
import { scaleBenchmark } from './scale';
import { throughputBenchmark } from './throughput';
import { transitionsBenchmark } from './transitions';

/**
 * `npm run bench`: the five benchmarks of issue 7, and issue 13's run of 10,000 collections, on the real definition, the real handlers and the
 * real bundles. Prints a table and writes bench/results.json (a full run) or bench/out/results.json
 * (`--quick` or `--only`, so a partial run never replaces the committed figures).
 */
const BENCHMARKS = {
  // First, while this process is still idle: it times other processes.
  'cold-start': coldStartBenchmark,
  transitions: transitionsBenchmark,
  polling: pollingBenchmark,
  throughput: throughputBenchmark,
  overhead: overheadBenchmark,
  scale: scaleBenchmark,
} as const;
type BenchmarkName = keyof typeof BENCHMARKS;

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    collections: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const names = Object.keys(BENCHMARKS) as BenchmarkName[];
if (values.help) {
  process.stdout.write(
    `usage: npm run bench [-- --quick] [-- --only <${names.join('|')}>]\n` +
      '  --quick  a fast smoke pass (fewer collections and repetitions)\n' +
      '  --only   run one benchmark (repeat for several)\n' +
      '  --collections N  the scale benchmark backs up N collections (its targets hold for 10,000)\n',
  );
  process.exit(0);
}
const unknown = (values.only ?? []).filter((n) => !names.includes(n as BenchmarkName));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${names.join(', ')}\n`);
  process.exit(2);
}
// The handlers' Powertools loggers read these when first imported (the local runner sets the same).
Object.assign(process.env, {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const collections = values.collections === undefined ? undefined : Number(values.collections);
if (collections !== undefined && !(Number.isInteger(collections) && collections >= 1)) {
  process.stderr.write(`--collections must be a whole number of at least 1, got ${values.collections}\n`);
  process.exit(2);
}
const selected = values.only ? names.filter((n) => values.only?.includes(n)) : names;
const quick = values.quick ?? false;
const machine = machineInfo();
const startedAt = new Date();
const began = performance.now();

process.stdout.write(
  `Benchmarks${quick ? ' (quick)' : ''} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (load ${machine.loadAverage})\n`,
);
const results: BenchmarkResult[] = [];
try {
  for (const name of selected) {
    process.stdout.write(`  ${name}…`);
    const result = await BENCHMARKS[name]({ quick, ...(collections ? { collections } : {}) });
    results.push(result);
    process.stdout.write(` ${result.seconds.toFixed(1)} s\n`);
  }
} finally {
  await closeBenchWorld();
}

const figures = results.flatMap((r) => r.figures);
process.stdout.write(`\n${renderTable(figures)}\n`);
for (const result of results) {
  if (result.notes.length === 0) continue;
  process.stdout.write(`\n${result.name}:\n${result.notes.map((n) => `  - ${n}`).join('\n')}\n`);
}
const seconds = (performance.now() - began) / 1000;
const missed = figures.filter((f) => f.pass === false);
process.stdout.write(
  `\n${figures.filter((f) => f.pass === true).length} targets met, ${missed.length} missed${missed.length ? ` (${missed.map((f) => f.id).join(', ')})` : ''}; ${seconds.toFixed(0)} s in all.\n`,
);

const partial = quick || values.only !== undefined || collections !== undefined;
const file = partial
  ? join(PROJECT_ROOT, 'bench', 'out', 'results.json')
  : join(PROJECT_ROOT, 'bench', 'results.json');
mkdirSync(join(file, '..'), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify(
    {
      generatedBy: `npm run bench${quick ? ' -- --quick' : ''}${values.only ? ` -- ${values.only.map((o) => `--only ${o}`).join(' ')}` : ''}${collections ? ` --collections ${collections}` : ''}`,
      date: startedAt.toISOString(),
      seconds: Math.round(seconds),
      machine,
      figures: figures.map((f) =>
        f.ratio === undefined ? f : { ...f, ratio: Math.round(f.ratio * 1000) / 1000 },
      ),
      details: Object.fromEntries(
        results.map((r) => [r.name, { seconds: Math.round(r.seconds), ...r.details }]),
      ),
    },
    null,
    2,
  )}\n`,
);
// Formatted as Biome formats JSON, so that the committed file passes `npm run check` as written.
spawnSync(
  process.execPath,
  [join(PROJECT_ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'format', '--write', file],
  {
    cwd: PROJECT_ROOT,
    stdio: 'ignore',
  },
);
process.stdout.write(`Written to ${file.slice(PROJECT_ROOT.length + 1)}\n`);
// The SDK's gRPC channels and the emulator's timers must not keep the process alive.
process.exit(0);
