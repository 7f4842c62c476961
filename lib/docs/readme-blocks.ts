import { join } from 'node:path';
import { simulatePolls } from '../../functions/poll-restore/poll-backoff';
import { prepareRun } from '../../functions/prepare-run/prepare-run';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import { type SampleRun, type SampleTranscript, sampleTranscripts } from '../../local/sample-runs';
import type { DeploymentConfig } from '../config/deployment-config';
import { runtimeConfigOf, scheduleFreshness } from '../config/deployment-config';
import { synthesizeRun } from '../state-machine/synthesized-definition';
import { STEP_CATALOG } from '../step-catalog';
import { operatingCostMarkdown } from './operating-cost';
import {
  costMarkdown,
  costTable,
  countTransitions,
  lambdaInvocations,
  maxCollectionsPerRun,
} from './run-cost';
import { stateMachineDiagram } from './state-machine-diagram';

/**
 * The README blocks `npm run docs` generates: from the synthesized definition, and from real runs
 * of `npm run local` with the example configuration (see {@link sampleTranscripts}).
 */
export const GENERATED_BLOCKS = [
  'quick-start-runs',
  'local-run',
  'state-machine-diagram',
  'cost-table',
] as const;

/** A generated block's name. */
export type GeneratedBlock = (typeof GENERATED_BLOCKS)[number];

const start = (name: string) => `<!-- generated:${name} (npm run docs; do not edit) -->`;
const end = (name: string) => `<!-- /generated:${name} -->`;

/** The example configuration, which the sample runs copy into a directory of their own. */
const EXAMPLE_CONFIG = join(import.meta.dirname, '..', '..', 'examples', 'scheduler.config.json');

/**
 * The README's first runs, as its quick start has them, one after the other on the same kept
 * emulator: a backup, a drill of it, and a dry run of retention among its snapshots, each a few
 * minutes after the one before.
 */
export const QUICK_START_RUNS: readonly SampleRun[] = [
  { args: ['--mode', 'backup'], startsAt: '2026-11-21T13:04:09.649Z' },
  { args: ['--mode', 'drill'], startsAt: '2026-11-21T13:06:31.207Z' },
  { args: ['--dry-run'], startsAt: '2026-11-21T13:08:52.114Z' },
];

/** The README's whole sample run: `npm run local` right after `npm ci`, a `full` run. */
export const LOCAL_RUN: SampleRun = { args: [], startsAt: '2026-11-21T13:04:09.649Z' };

const GENERATORS: Record<GeneratedBlock, (config: DeploymentConfig) => Promise<string>> = {
  'quick-start-runs': async () => quickStartBlock(await samples(QUICK_START_RUNS)),
  'local-run': async () => {
    const [run] = await samples([LOCAL_RUN]);
    return `\`\`\`\n${transcriptText(run as SampleTranscript)}\`\`\`\n`;
  },
  'state-machine-diagram': async (config) => {
    const run = synthesizeRun(config);
    const notes = Object.fromEntries(
      Object.entries(run.tasks).map(([state, task]) => [
        state,
        STEP_CATALOG[task.step].milvus ? 'Milvus · retried when unavailable' : 'no Milvus',
      ]),
    );
    return `\`\`\`mermaid\n${stateMachineDiagram(run.definition, notes)}\`\`\`\n`;
  },
  'cost-table': async (config) => {
    const run = synthesizeRun(config);
    return `${costMarkdown(await costTable(run.definition, config.drill), {
      nameLength: 20,
      collections: maxCollectionsPerRun(runContextBytes(config), 20),
    })}\n${await operatingCost(config, run.definition)}`;
  },
};

/**
 * One generated block's content: the state machine's blocks from `config`'s synthesized
 * definition, the sample runs' from runs of the example configuration (they take a few seconds
 * each, and only one runs at a time in a process).
 */
export async function generateBlock(name: GeneratedBlock, config: DeploymentConfig): Promise<string> {
  return GENERATORS[name](config);
}

/** The content of every generated block, one after the other. */
export async function generateBlocks(config: DeploymentConfig): Promise<Record<GeneratedBlock, string>> {
  const blocks: Partial<Record<GeneratedBlock, string>> = {};
  for (const name of GENERATED_BLOCKS) blocks[name] = await generateBlock(name, config);
  return blocks as Record<GeneratedBlock, string>;
}

/** The sample runs' transcripts; a sample that did not succeed is a broken README, not a sample. */
async function samples(runs: readonly SampleRun[]): Promise<SampleTranscript[]> {
  const transcripts = await sampleTranscripts(EXAMPLE_CONFIG, runs);
  for (const t of transcripts) {
    if (t.code !== 0) throw new Error(`the README's sample \`${t.command}\` exited ${t.code}:\n${t.output}`);
  }
  return transcripts;
}

/** A run as a terminal shows it: the command, then what it printed. */
function transcriptText(t: SampleTranscript): string {
  return `$ ${t.command}\n${t.output}`;
}

/**
 * The quick start's runs, each as its first line (what it runs on, and what the kept emulator
 * holds), then, for its progress lines, `…`, then its summary: the table, the totals, the report.
 */
function quickStartBlock(transcripts: readonly SampleTranscript[]): string {
  const shown = transcripts.map((t) => {
    const lines = t.output.split('\n');
    const table = lines.findIndex((line) => line.startsWith('COLLECTION '));
    return [`$ ${t.command}`, lines[0], '   …', ...lines.slice(table)].join('\n');
  });
  return `\`\`\`\n${shown.join('\n')}\`\`\`\n`;
}

/** The lines on Lambda, logs, X-Ray, SNS, EventBridge, metrics and alarms, from the definition. */
async function operatingCost(
  config: DeploymentConfig,
  definition: ReturnType<typeof synthesizeRun>['definition'],
): Promise<string> {
  const polls = simulatePolls(config.drill.backoff, 30_000, config.drill.timeoutMinutes * 60_000).polls;
  const backup = await countTransitions(definition, { mode: 'backup' });
  const drill = await countTransitions(definition, { mode: 'drill', polls });
  return operatingCostMarkdown({
    invocations: {
      backup: lambdaInvocations(definition, backup.path),
      drill: lambdaInvocations(definition, drill.path),
      perRun: lambdaInvocations(definition, backup.runPath),
    },
    watchedSchedules: Object.values(config.schedules).filter(
      (s) => s.enabled && scheduleFreshness(s).windowMinutes !== undefined,
    ).length,
    coverageAlarm: config.coverage.alarm,
  });
}

/** The size of the run context PrepareRun makes from this configuration, serialized. */
function runContextBytes(config: DeploymentConfig): number {
  const { run } = prepareRun(
    {
      input: {},
      execution: { name: '00000000-0000-0000-0000-000000000000', startTime: '2026-01-01T00:00:00Z' },
      config: runtimeConfigOf(config),
      // A default deployment id (`<stack name>.<region>`) of a typical length.
      deployment: { id: 'MilvusSnapshotScheduler.eu-central-1', runTimeoutMinutes: config.runTimeoutMinutes },
    },
    clusterIdentity(config.milvus.address),
  );
  return JSON.stringify(run).length;
}

/** The current content of a generated block in a document, or `undefined` when it has none. */
export function readBlock(document: string, name: GeneratedBlock): string | undefined {
  const from = document.indexOf(start(name));
  const to = document.indexOf(end(name));
  if (from < 0 || to < from) return undefined;
  return document.slice(from + start(name).length, to).replace(/^\n/, '');
}

/** The document with each block replaced; a block with no markers yet is left out (add its markers first). */
export function writeBlocks(
  document: string,
  blocks: Readonly<Partial<Record<GeneratedBlock, string>>>,
): string {
  let out = document;
  for (const [name, content] of Object.entries(blocks)) {
    const from = out.indexOf(start(name));
    const to = out.indexOf(end(name));
    if (from < 0 || to < from) continue;
    out = `${out.slice(0, from + start(name).length)}\n${content}${out.slice(to)}`;
  }
  return out;
}

/** Empty markers for a block, to paste into a document once. */
export function blockMarkers(name: GeneratedBlock): string {
  return `${start(name)}\n${end(name)}`;
}
