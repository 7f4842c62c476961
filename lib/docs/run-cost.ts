import { StateMachine } from 'aws-local-stepfunctions';
import { simulatePolls } from '../../functions/poll-restore/poll-backoff';
import type { DrillSettings } from '../../functions/shared/contracts/drill-settings';
import type { RunMode } from '../../functions/shared/contracts/runtime-config';
import { allStates, type StateMachineDefinition } from '../state-machine/synthesized-definition';

/** Step Functions Standard workflows: US$ per state transition (0.025 per 1,000). */
export const PRICE_PER_TRANSITION = 0.025 / 1000;

/**
 * Transitions billed for starting one child execution: "you're charged for one state transition
 * for each child workflow execution that the Distributed Map state starts" (Step Functions
 * Developer Guide, Transitions). The child's own states come on top.
 */
export const CHILD_START_TRANSITIONS = 1;

/** One path through the run for one collection. */
export interface PathScenario {
  readonly mode: RunMode;
  readonly dryRun?: boolean;
  /** Flush-state checks until the flush is complete (1: complete at the first check). */
  readonly flushChecks?: number;
  /** Restore polls until the restore is complete (1: complete at the first poll). */
  readonly polls?: number;
  /** Waits of a deep check for the restored collection to load (0: loaded at once, or a standard check). */
  readonly loadWaits?: number;
}

/** The state transitions of one run with one collection, counted by executing the definition. */
export interface TransitionCount {
  /** Transitions of the run itself (PrepareRun, the Map, the report, the end), whatever its size. */
  readonly perRun: number;
  /** Transitions billed for one collection: starting its child execution, and the child's states. */
  readonly perCollection: number;
  /** The states one collection passes, in order. */
  readonly path: readonly string[];
  /** The states of the run itself, in order. */
  readonly runPath: readonly string[];
}

/**
 * Counts transitions by running the definition in aws-local-stepfunctions (the local runner's
 * engine) with stand-in tasks that steer it down the scenario's path: every state entered is one
 * transition, as Step Functions bills them, and so is starting each child execution. Retries
 * would add one transition each and are not counted (a run without transient failures).
 */
export async function countTransitions(
  definition: StateMachineDefinition,
  scenario: PathScenario,
): Promise<TransitionCount> {
  const flushChecks = scenario.flushChecks ?? 1;
  const polls = scenario.polls ?? 1;
  const loadWaits = scenario.loadWaits ?? 0;
  const calls = new Map<string, number>();
  const call = (state: string) => {
    const n = (calls.get(state) ?? 0) + 1;
    calls.set(state, n);
    return n;
  };
  const target = { database: 'default', collection: 'products', policy: 'default' };
  const stand: Record<string, () => unknown> = {
    PrepareRun: () => ({
      run: { mode: scenario.mode, dryRun: scenario.dryRun ?? false, flush: { pollSeconds: 1 } },
      items: [target],
    }),
    CheckFlush: () => {
      const n = call('CheckFlush');
      return { flushed: n >= flushChecks, timedOut: false };
    },
    StartRestore: () => ({ firstWaitSeconds: 1 }),
    PollRestore: () => {
      const n = call('PollRestore');
      return { decision: n >= polls ? 'completed' : 'wait', waitSeconds: 1 };
    },
    VerifyRestore: () => ({ deepPending: loadWaits > 0, verified: true, waitSeconds: 1 }),
    ContinueDeepCheck: () => {
      const n = call('ContinueDeepCheck');
      return { deepPending: n < loadWaits, verified: true, waitSeconds: 1 };
    },
    RecordCollectionResult: () => ({ ...target, status: 'SUCCEEDED' }),
    BuildReport: () => ({ status: 'SUCCEEDED', mode: scenario.mode, subject: 's', message: 'm', event: {} }),
  };
  const states = allStates(definition);
  const handlers = Object.fromEntries(
    states
      .filter(([, s]) => s.Type === 'Task')
      .map(([name]) => [name, async () => (stand[name] ?? (() => ({})))()]),
  );
  const waits = Object.fromEntries(states.filter(([, s]) => s.Type === 'Wait').map(([name]) => [name, 0]));
  const machine = new StateMachine(inlineItems(definition) as ConstructorParameters<typeof StateMachine>[0], {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(
    {},
    {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
      context: { Execution: { Name: 'count' } },
    },
  );
  const top: string[] = [];
  const child: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type !== 'StateEntered') continue;
      ('index' in event && event.index !== undefined ? child : top).push(event.state.name);
    }
  })();
  await execution.result;
  await collect;
  return {
    perRun: top.length,
    perCollection: CHILD_START_TRANSITIONS + child.length,
    path: child,
    runPath: top,
  };
}

/**
 * The definition with its Maps reading `$.items` from the state instead of an ItemReader (and
 * without a ResultWriter), which is all aws-local-stepfunctions' inline Map runs. The states and
 * transitions are the same; counting needs nothing else.
 */
function inlineItems(definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition) as StateMachineDefinition;
  for (const state of Object.values(copy.States) as Record<string, unknown>[]) {
    if (state.Type !== 'Map' || !state.ItemReader) continue;
    delete state.ItemReader;
    delete state.ResultWriter;
    state.ItemsPath = '$.items';
  }
  return copy;
}

/** One row of the cost table. */
export interface CostRow {
  readonly what: string;
  readonly transitions: number;
  /** US$ for 1,000 collection-runs (state transitions only). */
  readonly per1000: number;
}

/** The README's cost table: transitions per collection for each mode and typical restore times. */
export async function costTable(
  definition: StateMachineDefinition,
  drill: Pick<DrillSettings, 'backoff' | 'timeoutMinutes'>,
): Promise<{ perRun: number; rows: CostRow[]; flushLoop: number; pollLoop: number }> {
  const row = async (what: string, scenario: PathScenario): Promise<CostRow> => {
    const { perCollection } = await countTransitions(definition, scenario);
    return { what, transitions: perCollection, per1000: perCollection * 1000 * PRICE_PER_TRANSITION };
  };
  const pollsFor = (seconds: number) =>
    simulatePolls(drill.backoff, seconds * 1000, drill.timeoutMinutes * 60_000).polls;
  const base = await countTransitions(definition, { mode: 'backup' });
  const slowerFlush = await countTransitions(definition, { mode: 'backup', flushChecks: 2 });
  const drill1 = await countTransitions(definition, { mode: 'drill', polls: 1 });
  const drill2 = await countTransitions(definition, { mode: 'drill', polls: 2 });
  const rows = [
    await row('backup (flushed at the first check)', { mode: 'backup' }),
    await row('backup (flush needs a second check)', { mode: 'backup', flushChecks: 2 }),
    await row(`drill, 30 s restore (${pollsFor(30)} polls)`, { mode: 'drill', polls: pollsFor(30) }),
    await row(`drill, 5 min restore (${pollsFor(300)} polls)`, { mode: 'drill', polls: pollsFor(300) }),
    await row(`drill, 1 h restore (${pollsFor(3600)} polls)`, { mode: 'drill', polls: pollsFor(3600) }),
    await row(`full, 30 s restore (${pollsFor(30)} polls)`, { mode: 'full', polls: pollsFor(30) }),
    await row('dry run (retention plan only)', { mode: 'backup', dryRun: true }),
  ];
  return {
    perRun: base.perRun,
    rows,
    flushLoop: slowerFlush.perCollection - base.perCollection,
    pollLoop: drill2.perCollection - drill1.perCollection,
  };
}

/** The cost table as Markdown. */
export function costMarkdown(
  table: Awaited<ReturnType<typeof costTable>>,
  capacity?: { readonly nameLength: number; readonly collections: number },
): string {
  const money = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
  return [
    '| one collection, per run | state transitions | per 1,000 collection-runs |',
    '| --- | ---: | ---: |',
    ...table.rows.map((r) => `| ${r.what} | ${r.transitions} | ${money(r.per1000)} |`),
    '',
    `Each collection's count includes the ${CHILD_START_TRANSITIONS} transition billed for starting its child execution. ` +
      `Every run adds ${table.perRun} transitions of its own (PrepareRun, the Map, BuildReport, the SNS and EventBridge tasks, the end), whatever its size. ` +
      `Each extra flush check costs ${table.flushLoop} transitions, each extra restore poll ${table.pollLoop}; every retry of a failed step costs one.`,
    ...(capacity
      ? [
          '',
          `One run carries up to about ${capacity.collections.toLocaleString('en-US')} collections with ${capacity.nameLength}-character names: ` +
            "each collection's steps run in their own child execution (its own 25,000-event history), and what bounds a run is the 256 KB state " +
            'that holds the list of collections and their outcomes. Split larger fleets across schedules.',
        ]
      : []),
    '',
  ].join('\n');
}

/** Step Functions' limit on the state (input and output) of an execution, in bytes. */
export const MAX_STATE_BYTES = 256 * 1024;

/**
 * How many collections one run can carry: after the Map, the state holds the run context, one
 * item per collection (from PrepareRun) and one small record per collection (from the Map) — all
 * within 256 KB. Child executions keep their own histories, so the 25,000-event limit is not what
 * bounds a run.
 */
export function maxCollectionsPerRun(
  runContextBytes: number,
  nameLength: number,
  database = 'default',
): number {
  const name = 'c'.repeat(nameLength);
  const item = JSON.stringify({ database, collection: name, policy: 'default' });
  const record = JSON.stringify({ database, collection: name, status: 'SUCCEEDED' });
  // Two commas, and the keys holding the arrays.
  const perCollection = item.length + record.length + 2;
  const fixed = runContextBytes + JSON.stringify({ run: 0, items: [], results: [] }).length;
  return Math.floor((MAX_STATE_BYTES - fixed) / perCollection);
}

/** How many of these states invoke a Lambda function. */
export function lambdaInvocations(definition: StateMachineDefinition, path: readonly string[]): number {
  const lambda = new Set(
    allStates(definition)
      .filter(([, state]) => state.Type === 'Task' && String(state.Resource).includes(':lambda:'))
      .map(([name]) => name),
  );
  return path.filter((state) => lambda.has(state)).length;
}
