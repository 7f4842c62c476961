import { MAX_PUBLISHED_BYTES } from '../functions/build-report/build-report';
import {
  countTransitions,
  MAX_STATE_BYTES,
  maxCollectionsPerRun,
  PRICE_PER_TRANSITION,
} from '../lib/docs/run-cost';
import {
  countRun,
  type ExecutionCount,
  INLINE_MAP_EVENTS,
  INLINE_MAP_EVENTS_PER_ITEM,
  MAX_HISTORY_EVENTS,
} from '../local/history-events';
import type { RunEvent } from '../local/run-local';
import { benchWorld, DRILL_COLLECTION } from './bench-world';
import { type BenchmarkResult, type Figure, formatNumber, jsonBytes, round } from './figures';

/** Step Functions' limit on a state machine definition. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;
/** The restore every drill of this benchmark waits for. */
const RESTORE_MS = 30_000;
/** Targets of issue 7. */
const MAX_BACKUP_TRANSITIONS = 12;
const MIN_COLLECTIONS_PER_RUN = 1000;

/** One payload that grows with the number of collections, fitted as `fixed + perCollection × n`. */
export interface PayloadGrowth {
  readonly payload: string;
  readonly fixedBytes: number;
  readonly bytesPerCollection: number;
  readonly limitBytes: number;
  /** The most collections for which it stays within its limit. */
  readonly maxCollections: number;
}

/**
 * Benchmark 1: state transitions and history events per collection for each mode, counted from the
 * local runner's event log on the emulator; what they cost; and how many collections one execution
 * can carry, from the sizes of the real payloads.
 */
export async function transitionsBenchmark(options: { quick: boolean }): Promise<BenchmarkResult> {
  const started = performance.now();
  const world = await benchWorld();
  const { definition } = world.synthesized;
  world.emulator.faults.load({ restore: { durationMs: RESTORE_MS } });

  const modes = ['backup', 'drill', 'full'] as const;
  const measured: Record<string, { parent: ExecutionCount; child: ExecutionCount; polls: number }> = {};
  for (const mode of modes) {
    // Every event, the child executions' included: a run's result keeps only its own.
    const events: RunEvent[] = [];
    await world.run({ mode, collections: [DRILL_COLLECTION] }, (e) => {
      events.push(e);
    });
    const { parent, children } = countRun(events, definition);
    const child = children.get(0);
    if (!child || children.size !== 1)
      throw new Error(`a ${mode} run of one collection had ${children.size} children`);
    measured[mode] = { parent, child, polls: child.path.filter((s) => s === 'PollRestore').length };
  }

  // The estimate the README's cost table is generated from, on the same paths.
  const estimate: Record<string, number> = {};
  for (const mode of modes) {
    const polls = measured[mode]?.polls ?? 0;
    estimate[mode] = (await countTransitions(definition, { mode, polls: Math.max(1, polls) })).perCollection;
  }

  // Capacity: the same backup over 1 and over n collections; every state of the run measured.
  const n = options.quick ? 5 : 20;
  const small = await capacityRun(world, 1);
  const large = await capacityRun(world, n);
  const growth = payloadGrowth(small, large, 1, n);
  const configured = configGrowth(world.synthesized.definition);
  const limits = [...growth, ...configured].sort((a, b) => a.maxCollections - b.maxCollections);
  const binding = limits[0];
  if (!binding) throw new Error('no payload grows with the number of collections');
  const parentEvents = { one: small.count.parent.historyEvents, many: large.count.parent.historyEvents };
  const childBackupEvents = measured.backup?.child.historyEvents ?? 0;
  const inlineFixed = parentEvents.one - 6 + INLINE_MAP_EVENTS;
  const inlineMax = Math.floor(
    (MAX_HISTORY_EVENTS - inlineFixed) / (childBackupEvents - 2 + INLINE_MAP_EVENTS_PER_ITEM),
  );

  const figures: Figure[] = [];
  const add = (f: Omit<Figure, 'benchmark'>) => figures.push({ benchmark: 'transitions', ...f });
  for (const mode of modes) {
    const m = measured[mode];
    if (!m) continue;
    const what = mode === 'backup' ? 'backup' : `${mode} (30 s restore, ${m.polls} polls)`;
    add({
      id: `transitions.${mode}.perCollection`,
      label: `${what}: transitions per collection`,
      value: m.child.transitions,
      unit: 'count',
      ...(mode === 'backup'
        ? { target: `≤ ${MAX_BACKUP_TRANSITIONS}`, pass: m.child.transitions <= MAX_BACKUP_TRANSITIONS }
        : {}),
    });
    add({
      id: `transitions.${mode}.historyEvents`,
      label: `${what}: history events per collection (child execution)`,
      value: m.child.historyEvents,
      unit: 'count',
    });
    add({
      id: `transitions.${mode}.costPer1000`,
      label: `${what}: cost per 1,000 collection-runs`,
      value: round(m.child.transitions * 1000 * PRICE_PER_TRANSITION, 4),
      unit: '$',
    });
  }
  add({
    id: 'transitions.perRun',
    label: 'transitions of the run itself (any size)',
    value: measured.backup?.parent.transitions ?? 0,
    unit: 'count',
  });
  add({
    id: 'transitions.parentHistoryEvents',
    label: `run's own history events, 1 or ${n} collections`,
    value: parentEvents.many,
    unit: 'count',
    target: `< ${MAX_HISTORY_EVENTS.toLocaleString('en-US')}, flat`,
    pass: parentEvents.many === parentEvents.one && parentEvents.many < MAX_HISTORY_EVENTS,
  });
  add({
    id: 'transitions.maxCollectionsPerRun',
    label: `collections one run carries (bound: ${binding.payload})`,
    value: binding.maxCollections,
    unit: 'count',
    target: `≥ ${MIN_COLLECTIONS_PER_RUN.toLocaleString('en-US')}`,
    pass: binding.maxCollections >= MIN_COLLECTIONS_PER_RUN,
  });

  const cappedStates = [...large.capped].map((k) => k.split(' ')[0]).filter((v, i, a) => a.indexOf(v) === i);
  const publishedGrowth =
    ((large.sizes.get('BuildReport output') ?? 0) - (small.sizes.get('BuildReport output') ?? 0)) / (n - 1);
  const runContext = large.runContextBytes;
  const estimatedMax = maxCollectionsPerRun(runContext, 20);
  const agree = modes.every((m) => estimate[m] === measured[m]?.child.transitions);
  const notes = [
    `Transitions counted from the event log of real runs on the emulator (${DRILL_COLLECTION}; drills restore in 30 s of virtual time).`,
    agree
      ? `lib/docs/run-cost.ts (the README's cost table) gives the same counts on the same paths: ${modes.map((m) => `${m} ${estimate[m]}`).join(', ')}.`
      : `lib/docs/run-cost.ts disagrees: ${modes.map((m) => `${m} estimated ${estimate[m]}, measured ${measured[m]?.child.transitions}`).join('; ')}.`,
    `The run's own history has ${parentEvents.one} events with 1 collection and ${parentEvents.many} with ${n}: the Distributed Map keeps every collection's states in its child execution, so history never limits a run. ` +
      `An inline Map would hold about ${formatNumber(inlineMax)} backed-up collections before 25,000 events.`,
    `What bounds a run is the 256 KB state: ${sameSize(limits)
      .slice(0, 3)
      .map(
        (l) =>
          `${l.payload} ${formatNumber(l.fixedBytes)} B + ${formatNumber(l.bytesPerCollection)} B per collection → ${formatNumber(l.maxCollections)}`,
      )
      .join(
        '; ',
      )}. lib/docs/run-cost.ts estimates ${formatNumber(estimatedMax)} for 20-character names (the README's figure).`,
    `BuildReport's notifications (${cappedStates.join(', ')}) grow ${formatNumber(publishedGrowth)} B per collection but are trimmed to ${formatNumber(MAX_PUBLISHED_BYTES)} B by design (collections left out of the message, all of them in the stored report): they never fail a run.`,
  ];
  return {
    name: 'transitions',
    figures,
    notes,
    seconds: (performance.now() - started) / 1000,
    details: {
      restoreSeconds: RESTORE_MS / 1000,
      collection: DRILL_COLLECTION,
      measured: Object.fromEntries(
        modes.map((m) => [
          m,
          {
            perCollection: measured[m]?.child,
            perRun: measured[m]?.parent,
            estimatedByRunCost: estimate[m],
            costPer1000CollectionRuns: round(
              (measured[m]?.child.transitions ?? 0) * 1000 * PRICE_PER_TRANSITION,
              4,
            ),
          },
        ]),
      ),
      pricePerTransition: PRICE_PER_TRANSITION,
      history: {
        parentEventsWithOneCollection: parentEvents.one,
        [`parentEventsWith${n}Collections`]: parentEvents.many,
        maxCollectionsByHistory: null,
        inlineMapEquivalentMaxCollections: inlineMax,
      },
      capacity: { limits, largestChildStateBytes: large.largestChildState },
    },
  };
}

interface CapacityRun {
  readonly count: ReturnType<typeof countRun>;
  /** Bytes of each top-level state's input and output, by `State input|output`. */
  readonly sizes: Map<string, number>;
  /** Payloads holding BuildReport's notifications, which it trims to MAX_PUBLISHED_BYTES. */
  readonly capped: Set<string>;
  /** The run context PrepareRun made, serialized. */
  readonly runContextBytes: number;
  readonly largestChildState: number;
}

async function capacityRun(world: Awaited<ReturnType<typeof benchWorld>>, n: number): Promise<CapacityRun> {
  const events: RunEvent[] = [];
  await world.run({ mode: 'backup', collections: world.benchKeys.slice(0, n) }, (e) => {
    events.push(e);
  });
  const sizes = new Map<string, number>();
  const capped = new Set<string>();
  let largestChildState = 0;
  let runContextBytes = 0;
  for (const event of events) {
    if (event.type !== 'StateEntered' && event.type !== 'StateExited') continue;
    const child = 'index' in event && event.index !== undefined;
    const value = event.type === 'StateEntered' ? event.state.input : event.state.output;
    const bytes = jsonBytes(value);
    if (child) {
      largestChildState = Math.max(largestChildState, bytes);
      continue;
    }
    const key = `${event.state.name} ${event.type === 'StateEntered' ? 'input' : 'output'}`;
    sizes.set(key, Math.max(sizes.get(key) ?? 0, bytes));
    if (value !== null && typeof value === 'object' && 'published' in value) capped.add(key);
    if (event.state.name === 'Collections' && event.type === 'StateEntered') {
      runContextBytes = jsonBytes((value as { run?: unknown } | null)?.run);
    }
  }
  return {
    count: countRun(events, world.synthesized.definition),
    sizes,
    capped,
    runContextBytes,
    largestChildState,
  };
}

/** Fits each top-level state's size between the two runs; keeps those that grow. */
function payloadGrowth(small: CapacityRun, large: CapacityRun, n1: number, n2: number): PayloadGrowth[] {
  const out: PayloadGrowth[] = [];
  for (const [payload, s2] of large.sizes) {
    const s1 = small.sizes.get(payload);
    if (s1 === undefined || large.capped.has(payload)) continue;
    const perCollection = (s2 - s1) / (n2 - n1);
    if (perCollection < 1) continue;
    const fixed = s1 - perCollection * n1;
    out.push({
      payload,
      fixedBytes: Math.round(fixed),
      bytesPerCollection: round(perCollection, 1),
      limitBytes: MAX_STATE_BYTES,
      maxCollections: Math.floor((MAX_STATE_BYTES - fixed) / perCollection),
    });
  }
  return out;
}

/** Payloads of the same size are the same data passed on (a state's output is the next one's input): one line for them. */
function sameSize(limits: readonly PayloadGrowth[]): PayloadGrowth[] {
  const out: PayloadGrowth[] = [];
  for (const l of limits) {
    const twin = out.findIndex(
      (o) => o.fixedBytes === l.fixedBytes && o.bytesPerCollection === l.bytesPerCollection,
    );
    const existing = out[twin];
    if (existing) out[twin] = { ...existing, payload: `${existing.payload} = ${l.payload}` };
    else out.push(l);
  }
  return out;
}

/**
 * What grows with the number of configured collections: the configuration is embedded in the
 * definition (1 MB limit) and passed to PrepareRun as its task input (256 KB).
 */
function configGrowth(definition: { readonly States: Record<string, unknown> }): PayloadGrowth[] {
  const prepare = definition.States.PrepareRun as { Parameters?: { config?: { collections?: unknown[] } } };
  const config = prepare.Parameters?.config;
  const collections = config?.collections ?? [];
  if (!config || collections.length === 0) return [];
  const perCollection =
    collections.reduce<number>((sum, c) => sum + jsonBytes(c) + 1, 0) / collections.length;
  // The task input adds the execution input and name around the configuration (about 150 bytes).
  const prepareInput = jsonBytes(config) + 150;
  const growthOf = (payload: string, total: number, limit: number): PayloadGrowth => {
    const fixed = total - perCollection * collections.length;
    return {
      payload,
      fixedBytes: Math.round(fixed),
      bytesPerCollection: round(perCollection, 1),
      limitBytes: limit,
      maxCollections: Math.floor((limit - fixed) / perCollection),
    };
  };
  return [
    growthOf('PrepareRun task input (the configuration)', prepareInput, MAX_STATE_BYTES),
    growthOf('state machine definition (1 MB)', jsonBytes(definition), MAX_DEFINITION_BYTES),
  ];
}
