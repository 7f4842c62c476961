import * as z from 'zod';
import { latestVerifiedSchema } from '../shared/contracts/latest-verified';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { backupResultSchema } from '../shared/contracts/run-report';
import { NoSnapshotToDrillError, NoSnapshotToRestoreError, SnapshotNotFoundError } from '../shared/errors';
import {
  ownershipOf,
  type SnapshotContents,
  SnapshotLedger,
  type SnapshotRecord,
  snapshotContentsSchema,
} from '../shared/ledger/snapshot-ledger';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from '../shared/milvus/milvus-gateway';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';

/** ChooseSnapshot's input: the run, the collection, and the backup when this run just made one. */
export const chooseSnapshotInputSchema = collectionStepBaseSchema.extend({
  backup: backupResultSchema.optional(),
});

/** ChooseSnapshot's input. */
export type ChooseSnapshotInput = z.infer<typeof chooseSnapshotInputSchema>;

/** The snapshot a drill restores, and what the ledger recorded it holds (`$.drillSource`). */
export const drillSourceSchema = z
  .object({
    snapshotName: z.string().min(1),
    /** Creation time from the snapshot's `create_ts` (ISO 8601). */
    createdAt: z.iso.datetime(),
    /** What the snapshot holds, as recorded when it was taken: what the restored copy must hold. */
    contents: snapshotContentsSchema,
  })
  .strict();

/** The snapshot a drill restores. */
export type DrillSource = z.infer<typeof drillSourceSchema>;

/** What ChooseSnapshot needs. */
export interface ChooseSnapshotDependencies {
  readonly milvus: Pick<MilvusGateway, 'describeSnapshot'>;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
}

/**
 * Picks the snapshot to drill: the one named in the run (`run.drillSnapshot`), else the one this
 * run just created (`backup`), else the newest snapshot of the collection that this deployment's
 * ledger proves its own. Only such a snapshot can be drilled: the ledger holds what it contains,
 * which is what the drill checks the restored copy against. A named snapshot that is missing or
 * not this deployment's, or a collection without any, fails with {@link NoSnapshotToDrillError}.
 */
export async function chooseSnapshot(
  input: ChooseSnapshotInput,
  { milvus, store }: ChooseSnapshotDependencies,
): Promise<DrillSource> {
  const ref: CollectionRef = { database: input.target.database, collection: input.target.collection };
  const ledger = new SnapshotLedger(store, recordScopeOf(input.run));
  const deploymentId = input.run.deployment.id;
  if (input.run.mode === 'restore') return chooseForRestore(input, ref, ledger, milvus, store);
  const named = input.run.drillSnapshot ?? input.backup?.snapshotName;
  if (named !== undefined) {
    const why = input.run.drillSnapshot !== undefined ? 'named in the run input' : 'created by this run';
    const snapshot = await describeIfExists(milvus, ref, named);
    if (!snapshot) {
      throw new NoSnapshotToDrillError(`snapshot ${named} (${why}) does not exist in ${where(ref)}`);
    }
    const ownership = ownershipOf(
      snapshot,
      await ledger.read(ref.database, ref.collection, named),
      deploymentId,
    );
    if (!ownership.ours) {
      throw new NoSnapshotToDrillError(
        `snapshot ${named} (${why}) of ${where(ref)} is not this deployment's (${ownership.reason}), ` +
          'so a drill cannot know what it must contain',
      );
    }
    return toDrillSource(snapshot, ownership.record.contents);
  }

  const { records } = await ledger.list(ref.database, ref.collection);
  for (const record of records.filter((r) => r.state !== 'dropping').sort(newestFirst)) {
    const snapshot = await describeIfExists(milvus, ref, record.snapshotName);
    if (snapshot && ownershipOf(snapshot, record, deploymentId).ours)
      return toDrillSource(snapshot, record.contents);
  }
  throw new NoSnapshotToDrillError(
    `${where(ref)} has no snapshot of this deployment to drill; ` +
      'run a backup first (mode "backup" or "full"), or name a snapshot with "snapshot" in the execution input',
  );
}

/**
 * The snapshot an operator's restore restores: the one named in the run, else the collection's
 * newest verified one (the newest that passed a drill, as RecordDrill recorded it). Either must be
 * this deployment's snapshot of this collection; anything else is refused with
 * {@link NoSnapshotToRestoreError} before anything changes.
 */
async function chooseForRestore(
  input: ChooseSnapshotInput,
  ref: CollectionRef,
  ledger: SnapshotLedger,
  milvus: ChooseSnapshotDependencies['milvus'],
  store: ChooseSnapshotDependencies['store'],
): Promise<DrillSource> {
  const scope = recordScopeOf(input.run);
  let name = input.run.restore?.snapshot;
  let why = 'named in the run input';
  if (name === undefined) {
    const verified = latestVerifiedSchema.safeParse(
      await store.getJson(ReportKeys.latestVerified(scope, ref.database, ref.collection)),
    );
    if (!verified.success) {
      throw new NoSnapshotToRestoreError(
        `${where(ref)} has no snapshot that passed a restore drill; name the snapshot to restore with "snapshot" ` +
          "(the CLI's `snapshots list` shows them)",
      );
    }
    name = verified.data.snapshotName;
    why = 'the newest verified';
  }
  const snapshot = await describeIfExists(milvus, ref, name);
  if (!snapshot) {
    throw new NoSnapshotToRestoreError(
      `snapshot ${name} (${why}) does not exist in ${where(ref)}; snapshots belong to one collection: ` +
        "is it a snapshot of another one? The CLI's `snapshots list` shows this collection's",
    );
  }
  const ownership = ownershipOf(
    snapshot,
    await ledger.read(ref.database, ref.collection, name),
    input.run.deployment.id,
  );
  if (!ownership.ours) {
    throw new NoSnapshotToRestoreError(
      `snapshot ${name} (${why}) of ${where(ref)} is not this deployment's (${ownership.reason}), so nothing says what it must contain`,
    );
  }
  return toDrillSource(snapshot, ownership.record.contents);
}

/** Newest first by Milvus' `create_ts` (exact, as a BigInt), then by intent time; the name breaks a tie. */
function newestFirst(a: SnapshotRecord, b: SnapshotRecord): number {
  const ta = BigInt(a.createTs ?? '0');
  const tb = BigInt(b.createTs ?? '0');
  if (ta !== tb) return ta > tb ? -1 : 1;
  if (a.intentAt !== b.intentAt) return a.intentAt > b.intentAt ? -1 : 1;
  return a.snapshotName > b.snapshotName ? -1 : 1;
}

async function describeIfExists(
  milvus: Pick<MilvusGateway, 'describeSnapshot'>,
  ref: CollectionRef,
  name: string,
): Promise<SnapshotDescription | undefined> {
  try {
    return await milvus.describeSnapshot(ref, name);
  } catch (error) {
    // Dropped meanwhile (a concurrent retention run), or never there.
    if (error instanceof SnapshotNotFoundError) return undefined;
    throw error;
  }
}

function toDrillSource(snapshot: SnapshotDescription, contents: SnapshotContents): DrillSource {
  return { snapshotName: snapshot.name, createdAt: snapshot.createdAt.toISOString(), contents };
}

function where(ref: CollectionRef): string {
  return `${ref.database}.${ref.collection}`;
}
