import * as z from 'zod';
import {
  type Coverage,
  collectionRefProblem,
  describeSelector,
  type MilvusInventory,
  parseCollectionRef,
  refCovers,
  resolveCollections,
  type SelectedCollection,
  selectorFor,
} from '../shared/collection-selection';
import { type ClusterIdentity, embeddedDeploymentSchema } from '../shared/contracts/deployment';
import { embeddedConfig } from '../shared/contracts/embedded-config';
import { type ExecutionInput, parseExecutionInput } from '../shared/contracts/execution-input';
import { type CollectionTarget, type RunContext, runContextSchema } from '../shared/contracts/run-context';
import { collectionKey, type RuntimeConfig, runtimeConfigSchema } from '../shared/contracts/runtime-config';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import { hasWildcard } from '../shared/name-pattern';
import { ReportKeys, type ReportStore } from '../shared/reports/report-store';
import { drillCollectionTime, milvusNameProblem, snapshotName } from '../shared/snapshot-naming';
import { describeIssues, listNames, ownEntry } from '../shared/validation';

/**
 * What the state machine hands PrepareRun: the execution's input as given, the execution's name
 * and start time (from the context object), and the configuration embedded in the definition.
 */
export const prepareRunInputSchema = z
  .object({
    /** `$$.Execution.Input`: validated here, against the configuration. */
    input: z.unknown(),
    execution: z
      .object({
        name: z.string().min(1),
        startTime: z.iso.datetime({ offset: true }),
      })
      .strict(),
    /** The runtime configuration, as embedded in the state machine definition at synth… */
    config: z.unknown().optional(),
    /** …or, for a large one, gzipped and base64-encoded (see embedded-config.ts). */
    configGzip: z.string().min(1).optional(),
    /** The deployment's id and run timeout, as embedded in the definition at synth. */
    deployment: embeddedDeploymentSchema,
  })
  .strict();

/** PrepareRun's input. */
export type PrepareRunInput = z.infer<typeof prepareRunInputSchema>;

/** The run's plan: the run context, one item per collection, and what the run leaves out. */
export interface PreparedRun {
  readonly run: RunContext;
  readonly items: CollectionTarget[];
  /** What Milvus holds that the run does not back up; absent when Milvus was not read. */
  readonly coverage?: Coverage;
}

/**
 * Where the run's collection list is stored, as the state carries it: the Map's ItemReader reads
 * the list from `key`, so the state stays small whatever the number of collections.
 */
export const storedItemsSchema = z
  .object({
    /** The list's key in the reports bucket: a JSON array of {@link CollectionTarget}. */
    key: z.string().min(1),
    /** How many collections it lists. */
    count: z.number().int().nonnegative(),
  })
  .strict();

/** PrepareRun's result, which becomes the state. */
export interface PreparedState {
  readonly run: RunContext;
  readonly collections: z.infer<typeof storedItemsSchema>;
}

/**
 * Stores the run's collection list where the Map reads it and returns the state the run goes on
 * with. A retried PrepareRun writes the same list to the same key.
 */
export async function storeRunItems(
  prepared: PreparedRun,
  store: Pick<ReportStore, 'putJson'>,
): Promise<PreparedState> {
  const key = ReportKeys.runItems(prepared.run.runId);
  await store.putJson(key, prepared.items);
  // Beside the list, for BuildReport: complete, however long; the report holds its start.
  if (prepared.coverage) await store.putJson(ReportKeys.runCoverage(prepared.run.runId), prepared.coverage);
  return { run: prepared.run, collections: { key, count: prepared.items.length } };
}

/**
 * Validates an execution's input against the deployed configuration and plans the run: which mode,
 * which collections, which snapshot name. Anything wrong in the input — an unknown key, a bad mode,
 * a collection or schedule that is not configured — fails here with a message a person can act
 * on, before any Milvus call.
 *
 * Pure: no clock (the slot comes from the input or the execution's start time), no I/O.
 *
 * @param cluster the Milvus cluster the functions are configured for (from their environment)
 * @param inventory what Milvus and the ledger hold (see milvus-inventory.ts): the selectors are
 *   resolved against it and the coverage computed. Without it (the CLI checking an input offline)
 *   only entries by name are planned, and a name a selector covers is accepted as it stands.
 *
 * @throws InvalidInputError for a bad execution input
 * @throws ConfigurationError for an embedded configuration that does not validate (a definition
 *   edited by hand)
 */
export function prepareRun(
  prepareInput: PrepareRunInput,
  cluster: ClusterIdentity,
  inventory?: MilvusInventory,
): PreparedRun {
  const config = runConfigOf(prepareInput);
  const input = parseExecutionInput(prepareInput.input, (message) => new InvalidInputError(message));

  const scheduleName = input.schedule;
  const schedule = scheduleName === undefined ? undefined : ownEntry(config.schedules, scheduleName);
  if (scheduleName !== undefined && !schedule) {
    throw new InvalidInputError(
      `unknown schedule ${preview(scheduleName)}; configured schedules: ${listOrNone(Object.keys(config.schedules))}`,
    );
  }

  const mode = input.mode ?? schedule?.mode ?? 'backup';
  if (input.snapshot !== undefined && mode !== 'drill' && mode !== 'restore') {
    throw new InvalidInputError(
      `"snapshot" names the snapshot to drill or restore, so it needs "mode": "drill" or "restore" (the run's mode is "${mode}")`,
    );
  }
  if (input.dryRun && mode === 'drill') {
    // Rather than quietly run retention only and report SUCCEEDED; a schedule's mode is named.
    const from = input.mode === undefined ? `, from schedule ${scheduleName}` : '';
    throw new InvalidInputError(
      `a drill restores a snapshot, and a dry run changes nothing (the run's mode is "drill"${from}): drop "dryRun", or use it with "mode": "backup" or "full" to see what retention would keep and drop`,
    );
  }
  const restore = mode === 'restore' ? restoreOf(input, config) : undefined;
  const restoreOnly = (['target', 'alias', 'swap', 'cleanupOnFailure'] as const).filter(
    (k) => input[k] !== undefined,
  );
  if (mode !== 'restore' && restoreOnly.length > 0) {
    throw new InvalidInputError(
      `${restoreOnly.map((k) => `"${k}"`).join(', ')} only apply to a restore: add "mode": "restore" (the run's mode is "${mode}")`,
    );
  }

  const resolved = inventory ? resolveCollections(config, inventory) : undefined;
  const chosen = selectCollections(config, input.collections ?? schedule?.collections, resolved?.selected);
  // A run that prunes a collection also prunes the originals its swaps set aside: their snapshots
  // are the collection's history, kept under its policy (a drill or a restore has nothing to do there).
  const backsUp = mode === 'backup' || mode === 'full';
  const chosenKeys = new Set(chosen.map((c) => `${c.database}.${c.collection}`));
  const collections = [
    ...chosen,
    ...(backsUp ? (resolved?.setAside ?? []) : []).filter(
      (c) => c.selection.by === 'set-aside' && chosenKeys.has(`${c.database}.${c.selection.original}`),
    ),
  ];
  const startedAt = wholeSeconds(new Date(prepareInput.execution.startTime));
  const slot = input.scheduledTime ? wholeSeconds(new Date(input.scheduledTime)) : startedAt;
  const prefix = schedule ? (schedule.snapshotPrefix ?? scheduleName) : config.manualSnapshotPrefix;

  const policies: RunContext['policies'] = {};
  const protect: Record<string, string[]> = {};
  for (const c of collections) {
    const policy = ownEntry(config.retention, c.retention);
    if (policy) policies[c.retention] = policy;
    if (c.protect.length > 0) protect[collectionKey(c)] = [...c.protect];
  }

  const run = runContextSchema.parse({
    runId: prepareInput.execution.name,
    deployment: { ...prepareInput.deployment, cluster },
    trigger: scheduleName !== undefined && input.scheduledTime !== undefined ? 'schedule' : 'manual',
    schedule: scheduleName,
    mode,
    dryRun: input.dryRun ?? false,
    startedAt: startedAt.toISOString(),
    slot: slot.toISOString(),
    snapshotName: snapshotName(prefix ?? config.manualSnapshotPrefix, slot),
    markerSchedule: scheduleName ?? 'manual',
    drillSnapshot: mode === 'drill' ? input.snapshot : undefined,
    restore,
    policies,
    protect,
    drill: config.drill,
    flush: config.flush,
  });
  const items = collections.map((c) => ({
    database: c.database,
    collection: c.collection,
    policy: c.retention,
    selection: c.selection,
  }));
  return { run, items, ...(resolved && { coverage: resolved.coverage }) };
}

/**
 * The plan of a run whose Milvus could not be listed: the entries by name (and the names a
 * selector covers that the input gave), with a coverage that says why nothing else is known.
 */
export function unresolvedRun(offline: PreparedRun, why: string): PreparedRun {
  return {
    ...offline,
    coverage: { databases: [], unprotected: [], missing: [], skipped: [], unresolved: why },
  };
}

/**
 * What a restore run restores and does, checked before anything happens: a restore names its
 * collections (it never runs on a whole configuration by default), a target or an alias applies to
 * one collection, an alias and a swap exclude each other, and names are names Milvus accepts.
 */
function restoreOf(input: ExecutionInput, config: RuntimeConfig): RunContext['restore'] {
  const refuse = (message: string) => new InvalidInputError(`a restore ${message}`);
  if (input.schedule !== undefined) throw refuse('is started by hand, never by a schedule: drop "schedule"');
  if (input.dryRun) {
    throw refuse(
      'cannot be a dry run: to see what could be restored, list the snapshots (CLI `snapshots list`)',
    );
  }
  if (input.collections === undefined) {
    throw refuse('names the collections it restores: add "collections": ["database.collection"]');
  }
  const single = input.collections.length === 1;
  if (!single && input.target !== undefined) throw refuse('into a "target" restores one collection only');
  if (!single && input.alias !== undefined)
    throw refuse('that moves an "alias" restores one collection only');
  if (!single && input.swap) throw refuse('with "swap" restores one collection only');
  if (input.alias !== undefined && input.swap) {
    throw refuse('either points an "alias" at the restored collection or swaps names ("swap"), not both');
  }
  for (const [what, name] of [
    ['target', input.target],
    ['alias', input.alias],
  ] as const) {
    if (name === undefined) continue;
    const problem = milvusNameProblem(name);
    if (problem) throw refuse(`${what} ${JSON.stringify(name)} is not a valid Milvus name: ${problem}`);
    if (drillCollectionTime(config.drill.prefix, name) !== undefined) {
      throw refuse(`${what} ${JSON.stringify(name)} is named like a drill collection: choose another name`);
    }
  }
  return {
    ...(input.snapshot !== undefined && { snapshot: input.snapshot }),
    ...(input.target !== undefined && { target: input.target }),
    ...(input.alias !== undefined && { alias: input.alias }),
    swap: input.swap ?? false,
    cleanupOnFailure: input.cleanupOnFailure ?? false,
  };
}

function decodeConfig(prepareInput: PrepareRunInput): unknown {
  try {
    return embeddedConfig(prepareInput);
  } catch (error) {
    throw new ConfigurationError(
      `the gzipped configuration embedded in the state machine definition cannot be read (redeploy): ${(error as Error).message}`,
    );
  }
}

/** The configuration embedded in PrepareRun's input, validated. @throws ConfigurationError */
export function runConfigOf(prepareInput: PrepareRunInput): RuntimeConfig {
  return parseConfig(decodeConfig(prepareInput));
}

function parseConfig(value: unknown): RuntimeConfig {
  const result = runtimeConfigSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigurationError(
    `the configuration embedded in the state machine definition is invalid (redeploy from a valid configuration file): ${describeIssues(result.error.issues)}`,
  );
}

/**
 * The collections a run covers, each once: everything the configuration covers (entries by name
 * first, then what the selectors matched), or what `refs` names of it. A reference is a name
 * (`db.collection`, `collection` in `default`) or a pattern (`prod.*`); each must cover something.
 *
 * @param resolved the configuration resolved against Milvus; without it, only entries by name,
 *   plus each name in `refs` that a selector covers, passed through unchecked
 */
function selectCollections(
  config: RuntimeConfig,
  refs: readonly string[] | undefined,
  resolved: readonly SelectedCollection[] | undefined,
): SelectedCollection[] {
  const all: readonly SelectedCollection[] =
    resolved ??
    config.collections.map((c) => ({
      database: c.database,
      collection: c.name,
      retention: c.retention,
      protect: c.protect,
      selection: { by: 'name' },
    }));
  if (refs === undefined) return [...all];
  // Names by key, patterns tried one by one: 10,000 named refs against 10,000 collections stay linear.
  const key = (c: { database: string; collection: string }) => `${c.database}.${c.collection}`;
  const patterns = [...new Set(refs.filter(hasWildcard))];
  const names = new Set(refs.filter((ref) => !hasWildcard(ref)).map((ref) => key(parseCollectionRef(ref))));
  const covering = new Set<string>();
  const chosen = all.filter((c) => {
    if (names.has(key(c))) return covering.add(key(c));
    const pattern = patterns.find((ref) => refCovers(ref, c.database, c.collection));
    return pattern !== undefined && covering.add(pattern);
  });
  const unknown: string[] = [];
  const why: string[] = [];
  for (const ref of new Set(refs)) {
    const covered = hasWildcard(ref)
      ? covering.has(ref) || all.some((c) => refCovers(ref, c.database, c.collection))
      : covering.has(key(parseCollectionRef(ref)));
    if (covered) continue;
    // Offline, a pattern is taken as the configuration load took it: it may cover something.
    if (hasWildcard(ref) && resolved === undefined && collectionRefProblem(config, ref) === undefined)
      continue;
    const { database, collection } = parseCollectionRef(ref);
    const match = hasWildcard(ref) ? undefined : selectorFor(config.selectors, database, collection);
    if (match && match.excludedBy === undefined && resolved === undefined) {
      chosen.push({
        database,
        collection,
        retention: match.selector.retention,
        protect: [],
        selection: { by: 'selector', selector: match.index, pattern: describeSelector(match.selector) },
      });
      continue;
    }
    unknown.push(`${database}.${collection}`);
    if (match?.excludedBy !== undefined) {
      why.push(`${preview(ref)} is excluded by selector ${match.index + 1} ("${match.excludedBy}")`);
    } else if (match) {
      why.push(`selector ${match.index + 1} covers ${preview(ref)}, but Milvus has no such collection`);
    } else if (hasWildcard(ref) && resolved !== undefined) {
      why.push(`${preview(ref)} matches none of the collections the configuration covers`);
    }
  }
  if (unknown.length > 0) {
    const configured = [
      ...config.collections.map((c) => collectionKey(c)),
      ...config.selectors.map((s) => `selector ${describeSelector(s)}`),
    ];
    throw new InvalidInputError(
      `unknown collection${unknown.length > 1 ? 's' : ''} ${listNames(unknown.map(preview))}; ` +
        `configured: ${listOrNone(configured)}${why.length > 0 ? `; ${why.join('; ')}` : ''}`,
    );
  }
  return chosen;
}

function wholeSeconds(date: Date): Date {
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`not a valid time: ${String(date)}`);
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function listOrNone(names: readonly string[]): string {
  return names.length > 0 ? listNames(names) : 'none';
}

/** A name from the input as a message shows it: quoted, and cut short if it is very long. */
function preview(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
}
