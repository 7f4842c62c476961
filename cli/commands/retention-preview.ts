import { type Command, Option } from 'commander';
import { snapshotsInDrills } from '../../functions/enforce-retention/enforce-retention';
import { planRetention, type RetentionPlan } from '../../functions/enforce-retention/retention-planner';
import { describeSelector, selectorFor } from '../../functions/shared/collection-selection';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import { latestVerifiedSchema } from '../../functions/shared/contracts/latest-verified';
import {
  type CollectionConfig,
  collectionKey,
  normaliseCollectionRef,
} from '../../functions/shared/contracts/runtime-config';
import { DrillLedger } from '../../functions/shared/ledger/drill-ledger';
import {
  SnapshotLedger,
  type SortedSnapshots,
  sortByOwnership,
} from '../../functions/shared/ledger/snapshot-ledger';
import { connectMilvus, milvusConnectionSchema } from '../../functions/shared/milvus/milvus-connection';
import type { SnapshotDescription } from '../../functions/shared/milvus/milvus-gateway';
import { type RecordScope, ReportKeys, type ReportStore } from '../../functions/shared/reports/report-store';
import {
  describeRetentionPolicy,
  InvalidRetentionPolicyError,
  parseRetentionPolicy,
  type RetentionPolicy,
} from '../../functions/shared/retention-policy';
import { parseSnapshotMarker } from '../../functions/shared/snapshot-marker';
import { drillCollectionTime } from '../../functions/shared/snapshot-naming';
import { describeIssues, ownEntry } from '../../functions/shared/validation';
import { DEFAULT_LOCAL_DEPLOYMENT_ID, type DeploymentConfig } from '../../lib/config/deployment-config';
import { type AwsOptions, AwsSession, addAwsOptions } from '../aws/aws-session';
import { CliError, EXIT_CODES } from '../cli-error';
import type { CliIo } from '../cli-io';
import { describeAll, milvusCliError, parseInstant, readStore, reportStoreOf } from '../deployment-records';
import { formatTable } from '../format/text-table';
import { formatUtc } from '../format/time-format';
import { loadCliConfig } from '../milvus-source';
import { readJsonInput } from '../read-json-input';

interface PreviewOptions extends AwsOptions {
  readonly collection: string;
  readonly deploymentId?: string;
  readonly milvusUri?: string;
  readonly milvusToken?: string;
  readonly config?: string;
  readonly policy?: string;
  readonly at?: Date;
  readonly verified?: string;
  readonly reports?: string;
  readonly json?: boolean;
}

/**
 * The plan as EnforceRetention would carry it out now: the policy's drops, less the snapshots a
 * drill or restore in progress holds (`skipped`, as the run reports them).
 */
interface PreviewPlan extends RetentionPlan {
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** What the preview is of: the collection, its policy and protected names, and where they came from. */
interface PreviewTarget {
  readonly database: string;
  readonly collection: string;
  readonly policy: RetentionPolicy;
  readonly policySource: string;
  readonly protect: readonly string[];
  readonly config?: DeploymentConfig;
}

/**
 * Adds `retention preview`: lists a collection's snapshots from Milvus, reads ownership from
 * their markers, and prints what the collection's retention policy would keep and drop, with
 * every reason. Read-only: it lists and describes snapshots, nothing else.
 */
export function registerRetentionPreviewCommand(retention: Command, io: CliIo): void {
  const command = retention
    .command('preview')
    .description(
      "show what a collection's retention policy would keep and drop among its snapshots in Milvus, " +
        'with reasons (nothing is changed)',
    )
    .requiredOption('--collection <database.name>', 'the collection (a name alone means database "default")')
    .addOption(
      new Option('--milvus-uri <uri>', 'Milvus address (default: milvus.address of the configuration)').env(
        'MILVUS_URI',
      ),
    )
    .addOption(new Option('--milvus-token <token>', 'Milvus token (never printed)').env('MILVUS_TOKEN'))
    .option(
      '--config <file>',
      'the configuration file (default: SNAPSHOT_SCHEDULER_CONFIG, scheduler.config.json, the example)',
    )
    .option(
      '--policy <json|file>',
      "a retention policy to preview instead of the collection's configured one",
    )
    .addOption(
      new Option('--at <time>', 'evaluate the policy at this time (default: now)').argParser(parseInstant),
    )
    .option('--verified <snapshot>', 'the newest snapshot a restore drill verified (always kept)')
    .option(
      '--reports <dir|s3://bucket>',
      "the deployment's report store: its ledger says which snapshots are its own, and its drill records the newest verified (default: .local-runs when it exists)",
    )
    .option(
      '--deployment-id <id>',
      `the deployment whose ledger to read (default: deploymentId of the configuration, else ${DEFAULT_LOCAL_DEPLOYMENT_ID})`,
    )
    .option('--json', 'print { keep, drop } as JSON, the shape `retention plan` prints');
  addAwsOptions(command).action(async (options: PreviewOptions) => {
    const token = options.milvusToken || undefined;
    const scrub = (text: string) => (token ? text.replaceAll(token, '***') : text);
    const target = await previewTarget(options, io);
    const address = options.milvusUri ?? target.config?.milvus.address;
    if (!address) {
      throw new CliError(
        'no Milvus address: pass --milvus-uri, set MILVUS_URI, or set milvus.address in the configuration',
      );
    }
    const connection = milvusConnectionSchema.safeParse({
      address,
      // A URI given on the command line says its own TLS (https://); the configuration's applies to its address.
      tls: options.milvusUri === undefined ? (target.config?.milvus.tls ?? false) : false,
      timeoutMs: target.config?.milvus.timeoutMs ?? 15_000,
    });
    if (!connection.success) throw new CliError(`--milvus-uri: ${describeIssues(connection.error.issues)}`);

    const scope: RecordScope = {
      deploymentId: options.deploymentId ?? target.config?.deploymentId ?? DEFAULT_LOCAL_DEPLOYMENT_ID,
      clusterKey: clusterIdentity(address, target.config?.milvus.clusterId).key,
    };
    const aws = new AwsSession(options);
    try {
      const store = reportStoreOf(options, io, aws);
      const verified =
        options.verified ?? (store ? await newestVerified(store, options, target, scope, io) : undefined);
      const ref = { database: target.database, collection: target.collection };
      let snapshots: SnapshotDescription[];
      try {
        const milvus = await connectMilvus(connection.data, token);
        try {
          snapshots = await describeAll(milvus, ref, await milvus.listSnapshots(ref));
        } finally {
          await milvus.close();
        }
      } catch (error) {
        throw milvusCliError(error, address, scrub);
      }
      const now = options.at ?? new Date();
      const records = store
        ? (
            await readStore(options, () =>
              new SnapshotLedger(store, scope).list(ref.database, ref.collection),
            )
          ).records
        : [];
      // What a drill or an operator's restore of a run not yet over holds: retention skips those.
      const holds = store
        ? await readStore(options, () =>
            snapshotsInDrills(
              [new DrillLedger(store, scope), new DrillLedger(store, scope, 'restore')],
              ref,
              now,
            ),
          )
        : new Map<string, string>();
      if (!store) {
        io.stderr.write(
          "note: no --reports given: without the ledger no snapshot is proven this deployment's, so none would be dropped\n",
        );
      }
      const sorted = sortByOwnership(snapshots, records, scope.deploymentId);

      const planned = planRetention({
        now: now.toISOString(),
        policy: target.policy,
        snapshots: snapshots.map((s) => ({
          name: s.name,
          createdAt: s.createdAt.toISOString(),
          owned: sorted.ours.has(s.name),
          verified: s.name === verified,
        })),
        protect: [...target.protect],
      });
      const plan: PreviewPlan = {
        keep: planned.keep,
        drop: planned.drop.filter((d) => !holds.has(d.name)),
        skipped: planned.drop.flatMap((d) => {
          const holder = holds.get(d.name);
          return holder ? [{ name: d.name, reason: `${holder} is using it; retried next run` }] : [];
        }),
      };
      if (verified !== undefined && !snapshots.some((s) => s.name === verified)) {
        io.stderr.write(`note: the verified snapshot ${verified} is not among the collection's snapshots\n`);
      }
      if (options.json) {
        // `retention plan`'s shape, and `skipped` when a drill or restore holds a snapshot.
        const { skipped, ...shape } = plan;
        io.stdout.write(`${JSON.stringify(skipped.length > 0 ? plan : shape, null, 2)}\n`);
        return;
      }
      io.stdout.write(formatPreview(target, snapshots, plan, now, verified, sorted));
    } finally {
      aws.destroy();
    }
  });
}

async function previewTarget(options: PreviewOptions, io: CliIo): Promise<PreviewTarget> {
  const key = normaliseCollectionRef(options.collection);
  const [database = '', collection = '', extra] = key.split('.');
  if (!database || !collection || extra !== undefined) {
    throw new CliError(`--collection must be database.name or name, got "${options.collection}"`);
  }
  const override = options.policy === undefined ? undefined : await readPolicy(options.policy, io);

  // With a policy of its own, the preview needs the configuration only for what it can add.
  const { config, configPath } = loadCliConfig(options.config, io, override === undefined);

  const configured: CollectionConfig | undefined = config?.collections.find((c) => collectionKey(c) === key);
  if (override !== undefined) {
    return {
      database,
      collection,
      policy: override,
      policySource: '--policy',
      protect: configured?.protect ?? [],
      ...(config ? { config } : {}),
    };
  }
  // Not named: the selector a run would take it by, as PrepareRun resolves it.
  const match = configured || !config ? undefined : selectorFor(config.selectors, database, collection);
  const bySelector =
    match &&
    match.excludedBy === undefined &&
    drillCollectionTime(config?.drill.prefix ?? 'drill', collection) === undefined
      ? match
      : undefined;
  const entry = configured ?? (bySelector && { retention: bySelector.selector.retention, protect: [] });
  if (!config || !entry) {
    const known =
      [
        ...(config?.collections.map((c) => collectionKey(c)) ?? []),
        ...(config?.selectors.map((s) => `selector ${describeSelector(s)}`) ?? []),
      ].join(', ') || 'none';
    const excluded =
      match?.excludedBy !== undefined
        ? `; selector ${match.index + 1} excludes it ("${match.excludedBy}")`
        : '';
    throw new CliError(
      `collection ${key} is not in ${configPath ?? 'the configuration'} (configured: ${known}${excluded}); ` +
        'pass --policy to preview it with a policy of your own',
    );
  }
  const policy = ownEntry(config.retention, entry.retention);
  if (!policy) {
    throw new CliError(
      `collection ${key} names retention policy "${entry.retention}", which ${configPath} does not define`,
    );
  }
  const how = bySelector
    ? ` (selector ${bySelector.index + 1}: ${describeSelector(bySelector.selector)})`
    : '';
  return {
    database,
    collection,
    policy,
    policySource: `policy "${entry.retention}" of ${configPath}${how}`,
    protect: entry.protect,
    config,
  };
}

async function readPolicy(value: string, io: CliIo): Promise<RetentionPolicy> {
  let raw: unknown;
  let source: string;
  if (value.trim().startsWith('{')) {
    source = '--policy';
    try {
      raw = JSON.parse(value);
    } catch (error) {
      throw new CliError(
        `--policy is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } else {
    const input = await readJsonInput(value, io);
    source = input.source;
    raw = input.value;
  }
  try {
    return parseRetentionPolicy(raw);
  } catch (error) {
    if (!(error instanceof InvalidRetentionPolicyError)) throw error;
    const lines = error.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new CliError(`${source}: invalid retention policy\n${lines.join('\n')}`, undefined, {
      cause: error,
    });
  }
}

async function newestVerified(
  store: ReportStore,
  options: PreviewOptions,
  target: PreviewTarget,
  scope: RecordScope,
  io: CliIo,
): Promise<string | undefined> {
  const key = ReportKeys.latestVerified(scope, target.database, target.collection);
  const value = await readStore(options, () => store.getJson(key));
  if (value === undefined) {
    if (options.reports !== undefined) {
      io.stderr.write(
        `note: ${options.reports} has no verified snapshot of ${target.database}.${target.collection}\n`,
      );
    }
    return undefined;
  }
  const parsed = latestVerifiedSchema.safeParse(value);
  if (!parsed.success)
    throw new CliError(`${key} in the report store is not a verified-snapshot record`, EXIT_CODES.internal);
  return parsed.data.snapshotName;
}

function formatPreview(
  target: PreviewTarget,
  snapshots: readonly SnapshotDescription[],
  plan: PreviewPlan,
  now: Date,
  verified: string | undefined,
  sorted: SortedSnapshots,
): string {
  const header = [
    `${target.database}.${target.collection}: ${target.policySource}`,
    `  ${describeRetentionPolicy(target.policy)}`,
    `  as of ${formatUtc(now)}; newest verified snapshot: ${verified ?? 'not given (pass --verified or --reports)'}`,
    `  protected: ${target.protect.length > 0 ? target.protect.join(', ') : 'none'}`,
    'Preview only: nothing is dropped.',
    '',
  ].join('\n');
  if (snapshots.length === 0) return `${header}\nThe collection has no snapshots.\n`;

  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const notOurs = new Map(sorted.notOurs.map((n) => [n.name, n.reason]));
  const decisions = [
    ...plan.keep.map((k) => ({
      name: k.name,
      decision: 'keep',
      why: notOurs.get(k.name) ?? k.reasons.join(', '),
    })),
    ...plan.drop.map((d) => ({ name: d.name, decision: 'drop', why: d.reason })),
    ...plan.skipped.map((s) => ({ name: s.name, decision: 'skip', why: s.reason })),
  ].sort((a, b) => {
    const ta = byName.get(a.name)?.createdAt.getTime() ?? 0;
    const tb = byName.get(b.name)?.createdAt.getTime() ?? 0;
    return tb - ta || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  const table = formatTable(
    [
      { header: 'snapshot' },
      { header: 'created' },
      { header: 'made by' },
      { header: 'decision' },
      { header: 'why' },
    ],
    decisions.map((d) => {
      const record = sorted.ours.get(d.name);
      const marker = parseSnapshotMarker(byName.get(d.name)?.description);
      const maker = record
        ? `this deployment (${marker?.schedule ?? record.runId})`
        : marker?.deployment
          ? `${marker.deployment} (marker only)`
          : 'someone else';
      return [d.name, formatUtc(byName.get(d.name)?.createdAt), maker, d.decision, d.why];
    }),
  );
  const skipped = plan.skipped.length > 0 ? `, skip ${plan.skipped.length} (in use)` : '';
  return `${header}\n${table}\nWould keep ${plan.keep.length}, drop ${plan.drop.length}${skipped}.\n`;
}
