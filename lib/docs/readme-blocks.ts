import { simulatePolls } from '../../functions/poll-restore/poll-backoff';
import { prepareRun } from '../../functions/prepare-run/prepare-run';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
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

/** The README blocks generated from the synthesized definition (`npm run docs`). */
export const GENERATED_BLOCKS = ['state-machine-diagram', 'cost-table'] as const;

/** A generated block's name. */
export type GeneratedBlock = (typeof GENERATED_BLOCKS)[number];

const start = (name: string) => `<!-- generated:${name} (npm run docs; do not edit) -->`;
const end = (name: string) => `<!-- /generated:${name} -->`;

/** The content of each generated block, from the configuration's synthesized state machine. */
export async function generateBlocks(config: DeploymentConfig): Promise<Record<GeneratedBlock, string>> {
  const run = synthesizeRun(config);
  const notes = Object.fromEntries(
    Object.entries(run.tasks).map(([state, task]) => [
      state,
      STEP_CATALOG[task.step].milvus ? 'Milvus · retried when unavailable' : 'no Milvus',
    ]),
  );
  return {
    'state-machine-diagram': `\`\`\`mermaid\n${stateMachineDiagram(run.definition, notes)}\`\`\`\n`,
    'cost-table': `${costMarkdown(await costTable(run.definition, config.drill), {
      nameLength: 20,
      collections: maxCollectionsPerRun(runContextBytes(config), 20),
    })}\n${await operatingCost(config, run.definition)}`,
  };
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
