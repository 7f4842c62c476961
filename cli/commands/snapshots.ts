import { type Command, Option } from 'commander';
import { DateTime } from 'luxon';
import { planRetention } from '../../functions/enforce-retention/retention-planner';
import { resolveCollections, selectorFor } from '../../functions/shared/collection-selection';
import { latestVerifiedSchema } from '../../functions/shared/contracts/latest-verified';
import {
  type CollectionConfig,
  collectionKey,
  normaliseCollectionRef,
} from '../../functions/shared/contracts/runtime-config';
import { type SnapshotDrill, snapshotDrillSchema } from '../../functions/shared/contracts/snapshot-drill';
import { CollectionNotFoundError } from '../../functions/shared/errors';
import { DrillLedger, type DrillRecord, drillIsOver } from '../../functions/shared/ledger/drill-ledger';
import { SnapshotLedger, sortByOwnership } from '../../functions/shared/ledger/snapshot-ledger';
import { SwapLedger } from '../../functions/shared/ledger/swap-ledger';
import type { MilvusGateway, RestoreJob } from '../../functions/shared/milvus/milvus-gateway';
import { readMilvusInventory } from '../../functions/shared/milvus-inventory';
import { type RecordScope, ReportKeys, type ReportStore } from '../../functions/shared/reports/report-store';
import { describeRetentionPolicy, type RetentionPolicy } from '../../functions/shared/retention-policy';
import { parseSnapshotMarker } from '../../functions/shared/snapshot-marker';
import { drillCollectionTime } from '../../functions/shared/snapshot-naming';
import { ownEntry } from '../../functions/shared/validation';
import { runtimeConfigOf } from '../../lib/config/deployment-config';
import { AwsSession } from '../aws/aws-session';
import { CliError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { describeAll, parseInstant, readStore } from '../deployment-records';
import { formatTable } from '../format/text-table';
import { formatUtc } from '../format/time-format';
import {
  addMilvusSourceOptions,
  type MilvusSource,
  type MilvusSourceOptions,
  milvusSourceOf,
  withMilvus,
} from '../milvus-source';
import { registerSnapshotsAdoptCommand } from './snapshots-adopt';

interface ListOptions extends MilvusSourceOptions {
  readonly collection?: string;
  readonly at?: Date;
  readonly json?: boolean;
}

/** Who made a snapshot, as far as can be proven. */
export type SnapshotOwner =
  | { readonly kind: 'this deployment' }
  /** A marker names another deployment: a claim, since anyone can write a description. */
  | { readonly kind: 'another deployment'; readonly deployment: string }
  | { readonly kind: 'none'; readonly reason: string };

/** One restore point, as `snapshots list --json` prints it. */
export interface RecoveryPoint {
  readonly name: string;
  readonly createdAt: string;
  /** The creation time in the retention policy's time zone (ISO 8601 with its offset). */
  readonly createdLocal: string;
  /** Rows the collection held when the snapshot was taken (this deployment's records only). */
  readonly rows: number | null;
  readonly owner: SnapshotOwner;
  /** The schedule (or `manual`) that took it, from the ledger (ours) or the marker (a claim). */
  readonly schedule: string | null;
  /** Its last drill or operator restore, or null when it was never restored. */
  readonly lastDrill: SnapshotDrill | null;
  /** Restores of it running now: each holds Milvus' pin on the snapshot. */
  readonly restoring: readonly RunningRestore[];
  /** What this deployment's retention would do with it now, and why (null: no policy applies). */
  readonly retention: { readonly decision: 'keep' | 'drop'; readonly why: string } | null;
}

/** A restore job Milvus lists as running. */
export interface RunningRestore {
  readonly jobId: string;
  readonly target: string;
  readonly state: string;
  readonly progress: number;
  /** Whether the job's target is a collection this deployment's records say restores this snapshot. */
  readonly proven: boolean;
}

/** One collection's restore points. */
export interface CollectionRecoveryPoints {
  readonly database: string;
  readonly collection: string;
  /** The retention policy that applies (the collection's in the configuration), if any. */
  readonly policy: { readonly name: string; readonly description: string; readonly timezone: string } | null;
  readonly newestVerified: string | null;
  readonly snapshots: readonly RecoveryPoint[];
  /** Why the collection could not be listed (it does not exist, say). */
  readonly problem?: string;
}

const RUNNING_STATES: ReadonlySet<RestoreJob['state']> = new Set([
  'RestoreSnapshotPending',
  'RestoreSnapshotExecuting',
  'RestoreSnapshotNone',
]);

/**
 * Adds `snapshots list`: the recovery-point catalog. For each collection, every snapshot Milvus
 * holds, who made it (proven by this deployment's ledger, or merely claimed by a marker), what it
 * held, its last drill, the restores using it now and what retention would do with it. Read-only:
 * it lists and describes, nothing else.
 */
export function registerSnapshotsCommand(program: Command, io: CliIo): void {
  const snapshots = program
    .command('snapshots')
    .description("the restore points: every snapshot of the deployment's collections, read from Milvus");
  registerSnapshotsAdoptCommand(snapshots, io);
  const command = snapshots
    .command('list')
    .description(
      'list the snapshots of a collection (or of every configured one): owner, rows, last drill, ' +
        'restores using it, what retention would do (nothing is changed)',
    )
    .option('--collection <database.name>', 'one collection (default: every collection of the configuration)')
    .addOption(
      new Option('--at <time>', 'evaluate retention at this time (default: now)').argParser(parseInstant),
    )
    .option('--json', 'print the catalog as JSON');
  addMilvusSourceOptions(command).action(async (options: ListOptions) => {
    const aws = new AwsSession(options);
    try {
      // One collection can be listed without a configuration; the retention column then stays empty.
      const source = await milvusSourceOf(options, io, aws, options.collection === undefined);
      const scrub = (text: string) => (source.token ? text.replaceAll(source.token, '***') : text);
      const named = await Promise.all(listTargets(options, source).map((t) => withSetAsidePolicy(t, source)));
      const catalog = await withMilvus(source, scrub, async (milvus) => {
        const targets =
          options.collection === undefined && source.config && source.config.selectors.length > 0
            ? [...named, ...(await matchedTargets(milvus, source))]
            : named;
        return catalogOf(milvus, source, targets, options.at ?? new Date());
      });
      if (options.json) io.stdout.write(`${JSON.stringify({ collections: catalog }, null, 2)}\n`);
      else io.stdout.write(formatCatalog(catalog, source, options.at ?? new Date()));
    } finally {
      aws.destroy();
    }
  });
}

/** The collections to list: the one named, or every configured one. */
function listTargets(
  options: ListOptions,
  source: MilvusSource,
): { database: string; collection: string; configured?: CollectionConfig }[] {
  const configured = source.config?.collections ?? [];
  if (options.collection !== undefined) {
    const key = normaliseCollectionRef(options.collection);
    const [database = '', collection = '', extra] = key.split('.');
    if (!database || !collection || extra !== undefined) {
      throw new CliError(`--collection must be database.name or name, got "${options.collection}"`);
    }
    const found =
      configured.find((c) => collectionKey(c) === key) ?? bySelector(source, database, collection);
    return [{ database, collection, ...(found && { configured: found }) }];
  }
  if (!source.config) {
    throw new CliError('no configuration to take the collections from: pass --collection or --config');
  }
  if (configured.length === 0 && source.config.selectors.length === 0) {
    throw new CliError(`${source.configPath} configures no collections: pass --collection`);
  }
  return configured.map((c) => ({ database: c.database, collection: c.name, configured: c }));
}

/**
 * A target named with `--collection` that one of this deployment's swaps set aside, with the entry
 * of the collection it was: runs prune it under that policy (a selector that matches its new name
 * does not apply to it). Any other target as it is.
 */
async function withSetAsidePolicy(
  target: ReturnType<typeof listTargets>[number],
  source: MilvusSource,
): Promise<ReturnType<typeof listTargets>[number]> {
  const { store, config } = source;
  const key = `${target.database}.${target.collection}`;
  if (!store || !config || config.collections.some((c) => collectionKey(c) === key)) return target;
  const swap = await readStore(source.storeOptions, () =>
    new SwapLedger(store, source.scope).read(target.database, target.collection),
  );
  if (!swap) return target;
  const original =
    config.collections.find((c) => collectionKey(c) === `${target.database}.${swap.original}`) ??
    bySelector(source, target.database, swap.original);
  const { configured: _selectorEntry, ...bare } = target;
  return original ? { ...bare, configured: { ...original, name: target.collection } } : bare;
}

/** A collection's entry as a selector of the configuration gives it (its policy; nothing protected by name). */
function bySelector(
  source: MilvusSource,
  database: string,
  collection: string,
): CollectionConfig | undefined {
  const config = source.config;
  if (!config || drillCollectionTime(config.drill.prefix, collection) !== undefined) return undefined;
  const match = selectorFor(config.selectors, database, collection);
  if (!match || match.excludedBy !== undefined) return undefined;
  return { database, name: collection, retention: match.selector.retention, protect: [] };
}

/** The collections the selectors match in Milvus now, as a run would resolve them (ledger included). */
async function matchedTargets(
  milvus: MilvusGateway,
  source: MilvusSource,
): Promise<{ database: string; collection: string; configured: CollectionConfig }[]> {
  if (!source.config) return [];
  const config = runtimeConfigOf(source.config);
  const inventory = await readStore(source.storeOptions, () =>
    readMilvusInventory(config, milvus, source.store, source.scope),
  );
  const resolved = resolveCollections(config, inventory);
  return [...resolved.selected.filter((s) => s.selection.by === 'selector'), ...resolved.setAside].map(
    (s) => ({
      database: s.database,
      collection: s.collection,
      configured: {
        database: s.database,
        name: s.collection,
        retention: s.retention,
        protect: [...s.protect],
      },
    }),
  );
}

async function catalogOf(
  milvus: MilvusGateway,
  source: MilvusSource,
  targets: ReturnType<typeof listTargets>,
  now: Date,
): Promise<CollectionRecoveryPoints[]> {
  const databases = [...new Set(targets.map((t) => t.database))];
  const running = new Map<string, { jobs: RestoreJob[]; records: DrillRecord[] }>();
  for (const database of databases) {
    const [jobs, records] = await Promise.all([
      milvus.listDatabaseRestoreJobs(database).catch((error: unknown) => {
        if (error instanceof CollectionNotFoundError) return [];
        throw error;
      }),
      source.store ? activeRestores(source.store, source, database, now) : Promise.resolve([]),
    ]);
    running.set(database, { jobs: jobs.filter((j) => RUNNING_STATES.has(j.state)), records });
  }
  const out: CollectionRecoveryPoints[] = [];
  for (const target of targets) {
    out.push(await collectionCatalog(milvus, source, target, running.get(target.database), now));
  }
  return out;
}

/** Drills and restores of the database that this deployment's ledger says are not over. */
async function activeRestores(
  store: ReportStore,
  source: MilvusSource,
  database: string,
  now: Date,
): Promise<DrillRecord[]> {
  const active: DrillRecord[] = [];
  for (const kind of ['drill', 'restore'] as const) {
    const ledger = new DrillLedger(store, source.scope, kind);
    for (const record of await readStore(source.storeOptions, () => ledger.list(database))) {
      if (!drillIsOver(record, now, await ledger.runEnded(record.runId))) active.push(record);
    }
  }
  return active;
}

async function collectionCatalog(
  milvus: MilvusGateway,
  source: MilvusSource,
  target: ReturnType<typeof listTargets>[number],
  running: { jobs: RestoreJob[]; records: DrillRecord[] } | undefined,
  now: Date,
): Promise<CollectionRecoveryPoints> {
  const ref = { database: target.database, collection: target.collection };
  const policyName = target.configured?.retention;
  const policy: RetentionPolicy | undefined =
    policyName === undefined || !source.config ? undefined : ownEntry(source.config.retention, policyName);
  const base = {
    database: ref.database,
    collection: ref.collection,
    policy:
      policy && policyName
        ? { name: policyName, description: describeRetentionPolicy(policy), timezone: policy.timezone }
        : null,
  };

  let described: Awaited<ReturnType<typeof describeAll>>;
  try {
    described = await describeAll(milvus, ref, await milvus.listSnapshots(ref));
  } catch (error) {
    if (!(error instanceof CollectionNotFoundError)) throw error;
    return {
      ...base,
      newestVerified: null,
      snapshots: [],
      problem: 'the collection does not exist in Milvus',
    };
  }
  const { store } = source;
  const [records, verified, drills] = store
    ? await readStore(source.storeOptions, () =>
        Promise.all([
          new SnapshotLedger(store, source.scope).list(ref.database, ref.collection).then((l) => l.records),
          store
            .getJson(ReportKeys.latestVerified(source.scope, ref.database, ref.collection))
            .then((v) => latestVerifiedSchema.safeParse(v).data?.snapshotName),
          lastDrills(store, source.scope, ref),
        ]),
      )
    : [[], undefined, new Map<string, SnapshotDrill>()];
  const sorted = sortByOwnership(described, records, source.scope.deploymentId);
  const plan = policy
    ? planRetention({
        now: now.toISOString(),
        policy,
        snapshots: described.map((s) => ({
          name: s.name,
          createdAt: s.createdAt.toISOString(),
          owned: sorted.ours.has(s.name),
          verified: s.name === verified,
        })),
        protect: [...(target.configured?.protect ?? [])],
      })
    : undefined;
  const notOurs = new Map(sorted.notOurs.map((n) => [n.name, n.reason]));
  const decisions = new Map<string, { decision: 'keep' | 'drop'; why: string }>();
  for (const k of plan?.keep ?? []) {
    decisions.set(k.name, { decision: 'keep', why: notOurs.get(k.name) ?? k.reasons.join(', ') });
  }
  for (const d of plan?.drop ?? []) decisions.set(d.name, { decision: 'drop', why: d.reason });

  const zone = policy?.timezone ?? 'UTC';
  const snapshots = described
    .map((s): RecoveryPoint => {
      const record = sorted.ours.get(s.name);
      const marker = parseSnapshotMarker(s.description);
      const owner: SnapshotOwner = record
        ? { kind: 'this deployment' }
        : marker?.deployment && marker.deployment !== source.scope.deploymentId
          ? { kind: 'another deployment', deployment: marker.deployment }
          : { kind: 'none', reason: notOurs.get(s.name) ?? 'no ledger record' };
      return {
        name: s.name,
        createdAt: s.createdAt.toISOString(),
        createdLocal: DateTime.fromJSDate(s.createdAt, { zone }).toISO() ?? s.createdAt.toISOString(),
        rows: record?.contents.rows ?? null,
        owner,
        schedule: marker?.schedule ?? null,
        lastDrill: drillOf(drills.get(s.name), s.createdAt),
        restoring: restoresOf(s.name, ref, running),
        retention: decisions.get(s.name) ?? null,
      };
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.name < b.name ? -1 : 1));
  return { ...base, newestVerified: verified ?? null, snapshots };
}

/**
 * A snapshot's last drill, if it was of this snapshot: a drill dated before the snapshot was
 * created restored an earlier snapshot of that name (dropped, and the name taken again).
 */
function drillOf(drill: SnapshotDrill | undefined, createdAt: Date): SnapshotDrill | null {
  return drill && Date.parse(drill.at) >= createdAt.getTime() ? drill : null;
}

/** The last drill of each of a collection's snapshots, by snapshot name. */
async function lastDrills(
  store: ReportStore,
  scope: RecordScope,
  ref: { database: string; collection: string },
): Promise<Map<string, SnapshotDrill>> {
  const keys = await store.list(ReportKeys.snapshotDrills(scope, ref.database, ref.collection));
  const values = await Promise.all(keys.map((key) => store.getJson(key)));
  const out = new Map<string, SnapshotDrill>();
  keys.forEach((key, i) => {
    const parsed = snapshotDrillSchema.safeParse(values[i]);
    // The key must be the record's own: a record copied under another name proves nothing.
    if (
      parsed.success &&
      ReportKeys.snapshotDrill(scope, ref.database, ref.collection, parsed.data.snapshotName) === key
    ) {
      out.set(parsed.data.snapshotName, parsed.data);
    }
  });
  return out;
}

/**
 * The running restore jobs of a snapshot. Milvus' job records name the snapshot but not its
 * collection (snapshot names are per collection), so a job counts as this snapshot's for certain
 * only when its target is a drill or restore this deployment recorded from it; any other running
 * job of that snapshot name is listed too, unproven, since it may hold the snapshot's pin.
 */
function restoresOf(
  snapshotName: string,
  ref: { database: string; collection: string },
  running: { jobs: RestoreJob[]; records: DrillRecord[] } | undefined,
): RunningRestore[] {
  if (!running) return [];
  return running.jobs
    .filter((job) => job.snapshotName === snapshotName)
    .map((job) => ({
      jobId: job.jobId,
      target: `${job.database}.${job.collection}`,
      state: job.state.replace(/^RestoreSnapshot/, ''),
      progress: job.progress,
      proven: running.records.some(
        (r) =>
          r.drillCollection === job.collection &&
          r.database === job.database &&
          r.source.collection === ref.collection &&
          r.source.snapshotName === snapshotName &&
          r.jobIds.includes(job.jobId),
      ),
    }));
}

function formatCatalog(
  catalog: readonly CollectionRecoveryPoints[],
  source: MilvusSource,
  now: Date,
): string {
  const blocks = catalog.map((c) => {
    const zone = c.policy?.timezone ?? 'UTC';
    const header = [
      `${c.database}.${c.collection}: ${c.snapshots.length} snapshot${c.snapshots.length === 1 ? '' : 's'}`,
      `  retention: ${c.policy ? `policy "${c.policy.name}": ${c.policy.description}` : 'none (the collection is not configured)'}`,
      `  newest verified: ${c.newestVerified ?? 'none recorded'}`,
      ...(zone === 'UTC' ? [] : [`  local time: ${zone} (the policy's time zone)`]),
    ];
    if (c.problem) return `${header.join('\n')}\n  ${c.problem}\n`;
    if (c.snapshots.length === 0) return `${header.join('\n')}\n`;
    const local = zone !== 'UTC';
    const columns = [
      { header: 'snapshot' },
      { header: 'created (UTC)' },
      ...(local ? [{ header: 'created (local)' }] : []),
      { header: 'rows', alignRight: true },
      { header: 'owner' },
      { header: 'schedule' },
      { header: 'last drill' },
      { header: 'restoring' },
      { header: 'retention' },
    ];
    const rows = c.snapshots.map((s) => [
      s.name,
      formatUtc(new Date(s.createdAt)),
      ...(local
        ? [DateTime.fromISO(s.createdLocal, { setZone: true }).toFormat('yyyy-MM-dd HH:mm:ssZZ')]
        : []),
      s.rows === null ? '-' : String(s.rows),
      ownerText(s.owner),
      s.schedule ?? '-',
      drillText(s.lastDrill),
      s.restoring.length === 0
        ? '-'
        : s.restoring
            .map(
              (r) =>
                `job ${r.jobId} -> ${r.target} ${r.state} ${r.progress}%${r.proven ? '' : ' (unproven)'}`,
            )
            .join('; '),
      s.retention ? `${s.retention.decision}: ${s.retention.why}` : '-',
    ]);
    const failures = c.snapshots
      .filter((s) => s.lastDrill && !s.lastDrill.verified)
      .map((s) => `  ${s.name}: ${s.lastDrill?.reason ?? 'did not verify'} (run ${s.lastDrill?.runId})\n`);
    return `${header.join('\n')}\n${formatTable(columns, rows)}${failures.join('')}`;
  });
  return [
    `Restore points on ${source.address} for deployment ${source.scope.deploymentId}, as of ${formatUtc(now)}.`,
    'Read-only: nothing was changed.',
    '',
    blocks.join('\n'),
  ].join('\n');
}

function ownerText(owner: SnapshotOwner): string {
  switch (owner.kind) {
    case 'this deployment':
      return 'this deployment';
    case 'another deployment':
      return `${owner.deployment} (marker only)`;
    case 'none':
      return 'none';
  }
}

function drillText(drill: SnapshotDrill | null): string {
  if (!drill) return 'never';
  const what = drill.kind === 'restore' ? 'restore' : 'drill';
  const when = formatUtc(new Date(drill.at));
  return drill.verified
    ? `${what === 'restore' ? 'restore ' : ''}verified ${when}`
    : `${what} failed ${when}`;
}
