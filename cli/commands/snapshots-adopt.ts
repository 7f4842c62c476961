import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { normaliseCollectionRef } from '../../functions/shared/contracts/runtime-config';
import {
  newNonce,
  ownershipOf,
  SnapshotLedger,
  type SnapshotRecord,
  snapshotRecordSchema,
} from '../../functions/shared/ledger/snapshot-ledger';
import type { MilvusGateway, SnapshotDescription } from '../../functions/shared/milvus/milvus-gateway';
import { type RecordScope, ReportKeys, type ReportStore } from '../../functions/shared/reports/report-store';
import { parseSnapshotMarker } from '../../functions/shared/snapshot-marker';
import { AwsSession } from '../aws/aws-session';
import { CliError, EXIT_CODES } from '../cli-error';
import type { CliIo } from '../cli-io';
import { describeAll, readStore, writeStore } from '../deployment-records';
import { formatTable } from '../format/text-table';
import { formatUtc } from '../format/time-format';
import {
  addMilvusSourceOptions,
  type MilvusSource,
  type MilvusSourceOptions,
  milvusSourceOf,
  withMilvus,
} from '../milvus-source';

interface AdoptOptions extends MilvusSourceOptions {
  readonly collection: string;
  readonly snapshot?: string[];
  readonly beforeLedger?: boolean;
  readonly yes?: boolean;
}

/** A snapshot that can be adopted, and the record that would make it this deployment's. */
interface Adoptable {
  readonly snapshot: SnapshotDescription;
  readonly record: SnapshotRecord;
}

/**
 * Adds `snapshots adopt`: makes snapshots this tool made, but that this deployment's ledger does
 * not hold, its own again — those of a release before the ledger (version 1 markers, which carry
 * no nonce) and those whose record was lost (a version 2 marker naming this deployment). Nothing
 * else can be adopted: a snapshot a person or another deployment made stays theirs.
 *
 * A marker can be copied, so adoption is the operator's decision, never the tool's inference: the
 * snapshots are named (`--snapshot`), or are the version 1 snapshots created before this
 * deployment's ledger began (`--before-ledger`; one created later cannot come from a release
 * before the ledger). Without `--yes` it only shows what it would adopt.
 */
export function registerSnapshotsAdoptCommand(snapshots: Command, io: CliIo): void {
  const command = snapshots
    .command('adopt')
    .description(
      "record snapshots this tool made (before the ledger, or whose record was lost) as this deployment's, " +
        'so its retention manages them; shows what it would do unless --yes',
    )
    .requiredOption('--collection <database.name>', 'the collection (a name alone means database "default")')
    .option('--snapshot <name...>', 'adopt these snapshots')
    .option(
      '--before-ledger',
      "adopt every snapshot with a version 1 marker created before this deployment's ledger began (the upgrade)",
    )
    .option('--yes', 'adopt them (without it, nothing is changed)');
  addMilvusSourceOptions(command).action(async (options: AdoptOptions) => {
    const key = normaliseCollectionRef(options.collection);
    const [database = '', collection = '', extra] = key.split('.');
    if (!database || !collection || extra !== undefined) {
      throw new CliError(`--collection must be database.name or name, got "${options.collection}"`);
    }
    if (!options.snapshot && !options.beforeLedger) {
      throw new CliError('name the snapshots to adopt with --snapshot, or pass --before-ledger');
    }
    const ref = { database, collection };
    const aws = new AwsSession(options);
    try {
      const source = await milvusSourceOf(options, io, aws, false);
      if (!source.store) {
        throw new CliError(
          "adopting writes to the deployment's ledger: pass --reports (a directory or s3://bucket) or --stack",
        );
      }
      const scrub = (text: string) => (source.token ? text.replaceAll(source.token, '***') : text);
      await withMilvus(source, scrub, async (milvus) => {
        const adoptable = await adoptableSnapshots(milvus, source, ref, options.snapshot);
        if (adoptable.length === 0) {
          io.stdout.write(
            `${key}: nothing to adopt: every snapshot made by this tool is already this deployment's.\n`,
          );
          return;
        }
        io.stdout.write(`${formatAdoptable(key, adoptable)}\n`);
        if (adoptable.some((a) => a.record.adopted?.marker === 2)) {
          io.stdout.write(
            'A marker can be copied: adopt a snapshot whose record was lost only if you know this deployment made it.\n',
          );
        }
        if (adoptable.some((a) => a.record.adopted?.marker === 1)) {
          io.stdout.write(
            'Version 1 markers do not name a deployment: if two deployments backed up this collection before the ' +
              'upgrade, adopt it from the one that made these snapshots.\n',
          );
        }
        if (!options.yes) {
          io.stdout.write(`Nothing was changed: pass --yes to adopt ${adoptable.length} snapshot(s).\n`);
          return;
        }
        const proven = await adopt(milvus, source, ref, adoptable);
        io.stdout.write(
          `Adopted ${proven.length} of ${adoptable.length}: the next run's retention treats them as this deployment's ` +
            `(preview it: npm run -s cli -- retention preview --collection ${key}).\n`,
        );
        if (proven.length < adoptable.length) {
          throw new CliError(
            `${adoptable.length - proven.length} snapshot(s) were not adopted (changed in Milvus meanwhile, or recorded by another run); run adopt again to see why`,
            EXIT_CODES.internal,
          );
        }
      });
    } finally {
      aws.destroy();
    }
  });
}

async function adoptableSnapshots(
  milvus: MilvusGateway,
  source: MilvusSource,
  ref: { database: string; collection: string },
  named: readonly string[] | undefined,
): Promise<Adoptable[]> {
  const store = source.store;
  if (!store) return [];
  const described = await describeAll(milvus, ref, await milvus.listSnapshots(ref));
  const ledger = new SnapshotLedger(store, source.scope);
  const { records } = await readStore(source.storeOptions, () => ledger.list(ref.database, ref.collection));
  const recorded = new Set(records.map((r) => r.snapshotName));
  // When the ledger began: no release since writes version 1 markers. Its own record is lasting;
  // a ledger from before that record existed is dated by its oldest records, of any collection
  // (retention removes records, so a collection's own may all be younger than the upgrade).
  const oldest = (rs: readonly SnapshotRecord[]) =>
    rs
      .filter((r) => r.adopted === undefined)
      .reduce<number>((min, r) => Math.min(min, Date.parse(r.intentAt)), Infinity);
  const began = await readStore(source.storeOptions, () => ledger.began());
  const ledgerBegan = Math.min(
    oldest(records),
    began?.getTime() ?? oldest(await readStore(source.storeOptions, () => allRecords(store, source.scope))),
  );
  // A nonce is one snapshot's: a marker repeating the nonce of another recorded snapshot (of any
  // collection) is a copy of its marker.
  const nonces = new Map(records.map((r) => [r.nonce, r.snapshotName]));
  if (described.some((s) => named?.includes(s.name) && parseSnapshotMarker(s.description)?.version === 2)) {
    for (const r of await readStore(source.storeOptions, () => allRecords(store, source.scope))) {
      if (r.database !== ref.database || r.collection !== ref.collection)
        nonces.set(r.nonce, `${r.database}.${r.collection}.${r.snapshotName}`);
    }
  }
  const why = (snapshot: SnapshotDescription) =>
    refusal(snapshot, recorded.has(snapshot.name), source.scope.deploymentId, ledgerBegan, nonces);
  const byName = new Map(described.map((s) => [s.name, s]));
  const refusals: string[] = [];
  for (const name of named ?? []) {
    const snapshot = byName.get(name);
    const reason = snapshot ? why(snapshot) : `no such snapshot of ${ref.database}.${ref.collection}`;
    if (reason) refusals.push(`${name}: ${reason}`);
  }
  if (refusals.length > 0)
    throw new CliError(`cannot adopt:\n  ${refusals.join('\n  ')}\nNothing was changed.`);
  const chosen = named
    ? described.filter((s) => named.includes(s.name))
    : described.filter((s) => parseSnapshotMarker(s.description)?.version === 1 && why(s) === undefined);
  if (chosen.length === 0) return [];

  const { primaryIsString } = await milvus.describeCollection(ref);
  const now = new Date();
  const runId = `adopt-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
  const by = `cli:${safeUser()}`;
  const out: Adoptable[] = [];
  for (const snapshot of chosen) {
    const marker = parseSnapshotMarker(snapshot.description);
    if (!marker) continue;
    out.push({
      snapshot,
      record: {
        schemaVersion: 1,
        kind: 'snapshot',
        deploymentId: source.scope.deploymentId,
        clusterKey: source.scope.clusterKey,
        database: ref.database,
        collection: ref.collection,
        snapshotName: snapshot.name,
        runId,
        // A version 2 marker already carries the nonce its lost record held.
        nonce: marker.version === 2 && marker.nonce ? marker.nonce : newNonce(),
        state: 'created',
        intentAt: now.toISOString(),
        createTs: snapshot.createTs,
        createdAt: snapshot.createdAt.toISOString(),
        // What the marker says it held: a drill checks the rows and the schema against it.
        contents: {
          rows: marker.rows,
          segments: null,
          visibleRows: null,
          sampleKeys: [],
          primaryIsString,
          schema: marker.schema,
        },
        adopted: { at: now.toISOString(), by, marker: marker.version },
        updatedBy: runId,
        updatedAt: now.toISOString(),
      },
    });
  }
  return out;
}

/** Every snapshot record of the deployment on this cluster, of any collection. */
async function allRecords(store: ReportStore, scope: RecordScope): Promise<SnapshotRecord[]> {
  const keys = await store.list(ReportKeys.ledgerAllSnapshots(scope));
  const values = await Promise.all(keys.map((key) => store.getJson(key)));
  return values.flatMap((value) => {
    const parsed = snapshotRecordSchema.safeParse(value);
    return parsed.success &&
      parsed.data.deploymentId === scope.deploymentId &&
      parsed.data.clusterKey === scope.clusterKey
      ? [parsed.data]
      : [];
  });
}

/** Why a snapshot cannot be adopted by this deployment, or undefined when it can. */
function refusal(
  snapshot: SnapshotDescription,
  recorded: boolean,
  deploymentId: string,
  ledgerBegan: number,
  nonces: ReadonlyMap<string, string>,
): string | undefined {
  if (recorded) return "already in this deployment's ledger";
  const marker = parseSnapshotMarker(snapshot.description);
  if (!marker) return 'not made by milvus-snapshot-scheduler (its description has no marker): it stays yours';
  if (marker.version === 2 && marker.deployment !== deploymentId) {
    return `made by deployment ${marker.deployment}: adopt it there, with that deployment's id`;
  }
  const original = marker.version === 2 && marker.nonce ? nonces.get(marker.nonce) : undefined;
  if (original !== undefined) {
    return `its marker is a copy of the one of ${original}, which this deployment's ledger holds: someone else made it`;
  }
  if (marker.version === 1 && snapshot.createdAt.getTime() > ledgerBegan) {
    return (
      `its version 1 marker is dated ${formatUtc(snapshot.createdAt)}, after this deployment's ledger began ` +
      `(${formatUtc(new Date(ledgerBegan))}): no release since writes version 1 markers, so someone else wrote it`
    );
  }
  return undefined;
}

/** Records each snapshot, then reads back what the ledger and Milvus hold: only proven ones count. */
async function adopt(
  milvus: MilvusGateway,
  source: MilvusSource,
  ref: { database: string; collection: string },
  adoptable: readonly Adoptable[],
): Promise<string[]> {
  const store = source.store;
  if (!store) return [];
  const ledger = new SnapshotLedger(store, source.scope);
  for (const { record } of adoptable) {
    // Only where there is no record: a run that recorded the name meanwhile keeps its own.
    await writeStore(source.storeOptions, () => ledger.create(record));
  }
  const after = await describeAll(
    milvus,
    ref,
    adoptable.map((a) => a.snapshot.name),
  );
  const proven: string[] = [];
  for (const snapshot of after) {
    const record = await readStore(source.storeOptions, () =>
      ledger.read(ref.database, ref.collection, snapshot.name),
    );
    if (ownershipOf(snapshot, record, source.scope.deploymentId).ours) proven.push(snapshot.name);
  }
  return proven;
}

function formatAdoptable(key: string, adoptable: readonly Adoptable[]): string {
  const rows = adoptable.map(({ snapshot, record }) => [
    snapshot.name,
    formatUtc(snapshot.createdAt),
    String(record.contents.rows),
    `v${record.adopted?.marker}`,
    record.adopted?.marker === 1 ? 'made before the ledger' : 'its ledger record was lost',
  ]);
  return `${key}: ${adoptable.length} snapshot(s) to adopt\n${formatTable(
    [
      { header: 'snapshot' },
      { header: 'created' },
      { header: 'rows', alignRight: true },
      { header: 'marker' },
      { header: 'why' },
    ],
    rows,
  )}`;
}

function safeUser(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_.@-]/g, '_') || 'unknown';
  } catch {
    return 'unknown';
  }
}
