import * as z from 'zod';
import { latestVerifiedSchema } from '../shared/contracts/latest-verified';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { backupResultSchema } from '../shared/contracts/run-report';
import { NoSnapshotToDrillError, NoSnapshotToRestoreError, SnapshotNotFoundError } from '../shared/errors';
import {
  dropInFlight,
  ownershipOf,
  type SnapshotContents,
  SnapshotLedger,
  type SnapshotRecord,
  snapshotContentsSchema,
} from '../shared/ledger/snapshot-ledger';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from '../shared/milvus/milvus-gateway';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { holdSnapshot } from './target-record';

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
  readonly milvus: Pick<MilvusGateway, 'describeSnapshot' | 'hasCollection'>;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

/** A snapshot that could not be chosen, and why (a phrase that follows its name). */
type Refusal = { readonly chosen: false; readonly why: string; readonly notOurs: boolean };

/**
 * Picks the snapshot to drill: the one named in the run (`run.drillSnapshot`), else the one this
 * run just created (`backup`), else the newest snapshot of the collection that this deployment's
 * ledger proves its own. Only such a snapshot can be drilled: the ledger holds what it contains,
 * which is what the drill checks the restored copy against. A named snapshot that is missing or
 * not this deployment's, or a collection without any, fails with {@link NoSnapshotToDrillError}.
 *
 * The choice is held before it is made known: the run's target record (see target-record.ts) is
 * written first, naming the snapshot, and only then is the snapshot proven present and not being
 * dropped. Retention honours the record from then on, and checks for it again after it marks a
 * drop and before it drops (enforce-retention.ts), so between this step and the restore job's
 * own pin no retention run can drop the snapshot: either retention sees the hold and keeps it, or
 * this step sees the drop marked and chooses another. CleanupDrill releases the hold on every
 * path; once the run is over it holds nothing whatever happened.
 */
export async function chooseSnapshot(
  input: ChooseSnapshotInput,
  deps: ChooseSnapshotDependencies,
): Promise<DrillSource> {
  const ref: CollectionRef = { database: input.target.database, collection: input.target.collection };
  const ledger = new SnapshotLedger(deps.store, recordScopeOf(input.run));
  if (input.run.mode === 'restore') return chooseForRestore(input, ref, ledger, deps);
  const named = input.run.drillSnapshot ?? input.backup?.snapshotName;
  if (named !== undefined) {
    const why = input.run.drillSnapshot !== undefined ? 'named in the run input' : 'created by this run';
    const held = await holdAndProve(input, ref, ledger, deps, named);
    if (!held.chosen) {
      throw new NoSnapshotToDrillError(
        `snapshot ${named} (${why}) ${held.why}${held.notOurs ? ', so a drill cannot know what it must contain' : ''}`,
      );
    }
    return held.source;
  }

  const { records } = await ledger.list(ref.database, ref.collection);
  for (const record of records.filter((r) => r.state !== 'dropping').sort(newestFirst)) {
    const held = await holdAndProve(input, ref, ledger, deps, record.snapshotName);
    if (held.chosen) return held.source;
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
 * {@link NoSnapshotToRestoreError} before anything changes in Milvus. It is held as a drill's is.
 */
async function chooseForRestore(
  input: ChooseSnapshotInput,
  ref: CollectionRef,
  ledger: SnapshotLedger,
  deps: ChooseSnapshotDependencies,
): Promise<DrillSource> {
  const scope = recordScopeOf(input.run);
  let name = input.run.restore?.snapshot;
  let why = 'named in the run input';
  if (name === undefined) {
    const verified = latestVerifiedSchema.safeParse(
      await deps.store.getJson(ReportKeys.latestVerified(scope, ref.database, ref.collection)),
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
  const held = await holdAndProve(input, ref, ledger, deps, name);
  if (!held.chosen) {
    throw new NoSnapshotToRestoreError(
      `snapshot ${name} (${why}) ${held.why}${held.notOurs ? ', so nothing says what it must contain' : ''}`,
    );
  }
  return held.source;
}

/**
 * Holds `name` for the run, then proves it can be restored: Milvus has it, the ledger proves it
 * this deployment's, and no retention run is dropping it. Both reads come after the hold is
 * written, which is what makes the hold safe against a retention run working at the same time.
 */
async function holdAndProve(
  input: ChooseSnapshotInput,
  ref: CollectionRef,
  ledger: SnapshotLedger,
  deps: ChooseSnapshotDependencies,
  name: string,
): Promise<{ readonly chosen: true; readonly source: DrillSource } | Refusal> {
  await holdSnapshot(input.run, input.target, name, deps);
  const [snapshot, record] = await Promise.all([
    describeIfExists(deps.milvus, ref, name),
    ledger.read(ref.database, ref.collection, name),
  ]);
  if (!snapshot) {
    return {
      chosen: false,
      notOurs: false,
      why:
        input.run.mode === 'restore'
          ? `does not exist in ${where(ref)}; snapshots belong to one collection: is it a snapshot of another one? The CLI's \`snapshots list\` shows this collection's`
          : `does not exist in ${where(ref)}`,
    };
  }
  const ownership = ownershipOf(snapshot, record, input.run.deployment.id);
  if (!ownership.ours) {
    return {
      chosen: false,
      notOurs: true,
      why: `of ${where(ref)} is not this deployment's (${ownership.reason})`,
    };
  }
  if (dropInFlight(ownership.record, deps.now())) {
    return {
      chosen: false,
      notOurs: false,
      why: `of ${where(ref)} is being dropped by retention (run ${ownership.record.updatedBy}); name another snapshot`,
    };
  }
  return { chosen: true, source: toDrillSource(snapshot, ownership.record.contents) };
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
