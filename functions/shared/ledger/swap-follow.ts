import { latestVerifiedSchema } from '../contracts/latest-verified';
import { snapshotDrillSchema } from '../contracts/snapshot-drill';
import { CollectionNotFoundError } from '../errors';
import { describeSnapshots } from '../milvus/describe-snapshots';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from '../milvus/milvus-gateway';
import { type RecordScope, ReportKeys, type ReportStore } from '../reports/report-store';
import { ownershipOf, SnapshotLedger, type SnapshotRecord, sameSnapshot } from './snapshot-ledger';
import { type SwapRecord, swapNames } from './swap-ledger';

/**
 * Keeps the snapshot ledger filed where Milvus keeps the snapshots after a swap. Milvus keeps a
 * snapshot with its collection through a rename; the ledger files its record by collection name.
 * So after a swap the original's records are moved to the name the original was set aside under,
 * and after a swap undone by renaming back they are moved back: each record goes to the collection
 * of the swap that holds its snapshot.
 *
 * Nothing a name can fake decides a move. A record moves only to a collection whose Milvus id is
 * one of the two the swap recorded (the original, the restored copy), and only when that
 * collection holds a snapshot the record proves — its marker repeats the record's nonce and its
 * `create_ts` is the recorded one, which no one can give a snapshot of their own. A neighbour's
 * collection that took one of the names, or a snapshot with a copied description, takes no
 * record; a record whose snapshot is in no collection of the swap stays where it is (retention
 * then finds it vanished, as before).
 */

/** What following a swap needs. */
export interface SwapFollowDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'hasCollection' | 'describeCollection' | 'listSnapshots' | 'describeSnapshot'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

/** One record filed (or, in a dry run, to be filed) under another collection. */
export interface RecordMove {
  readonly snapshotName: string;
  readonly from: string;
  readonly to: string;
}

/** What following a swap did. */
export interface SwapFollow {
  /** Records filed under the collection that now holds their snapshot. */
  readonly moved: readonly RecordMove[];
  /** Records whose snapshot another collection of the swap holds, left where they are, and why. */
  readonly left: ReadonlyArray<RecordMove & { readonly reason: string }>;
}

/**
 * Moves the records of the swap's names to the collection of the swap that holds their snapshot
 * (see the module comment). Idempotent: a record is copied before it is removed, a retry finds the
 * copy and removes what is left, and a record in place is not touched. The snapshot's last drill
 * and, when it names the snapshot, the collection's newest verified one move with the record.
 *
 * @param options.dryRun plan only: nothing is written, `moved` lists what would be
 */
export async function followSwap(
  swap: SwapRecord,
  scope: RecordScope,
  deps: SwapFollowDependencies,
  options: { readonly runId: string; readonly dryRun?: boolean },
): Promise<SwapFollow> {
  const ledger = new SnapshotLedger(deps.store, scope);
  const names = swapNames(swap);
  const ref = (collection: string): CollectionRef => ({ database: swap.database, collection });
  const held = new Map<string, Map<string, SnapshotDescription>>();
  for (const name of await holdersOf(swap, deps.milvus)) {
    const listed = await deps.milvus.listSnapshots(ref(name)).catch(absentAs<string[]>([]));
    const described = await describeSnapshots(deps.milvus, ref(name), listed);
    held.set(name, new Map(described.map((d) => [d.name, d])));
  }
  const proves = (record: SnapshotRecord, collection: string) => {
    const snapshot = held.get(collection)?.get(record.snapshotName);
    return snapshot !== undefined && ownershipOf(snapshot, record, scope.deploymentId).ours;
  };

  const moved: RecordMove[] = [];
  const left: Array<RecordMove & { reason: string }> = [];
  for (const from of names) {
    const { records } = await ledger.list(swap.database, from);
    for (const record of records) {
      // Without its create_ts a record proves nothing a copied description could not.
      if (record.createTs === undefined || proves(record, from)) continue;
      const to = [...held.keys()].filter((name) => name !== from && proves(record, name));
      if (to.length !== 1 || to[0] === undefined) continue;
      const move: RecordMove = { snapshotName: record.snapshotName, from, to: to[0] };
      const there = await ledger.read(swap.database, move.to, record.snapshotName);
      if (there && !sameSnapshot(there, record)) {
        left.push({
          ...move,
          reason: `${swap.database}.${move.to}'s ledger already has another record of a snapshot named ${record.snapshotName}`,
        });
        continue;
      }
      if (!options.dryRun) {
        // The drill records first, the snapshot's record last: a retry finds the record where it
        // was until everything that goes with it has moved.
        await moveDrillRecords(deps.store, scope, swap.database, record, move);
        if (!(await ledger.move(record, move.to, options.runId, deps.now()))) {
          left.push({
            ...move,
            reason: `another record of ${record.snapshotName} was filed there meanwhile`,
          });
          continue;
        }
      }
      moved.push(move);
    }
  }
  return { moved, left };
}

/**
 * The names of the swap whose collection is one of the two the swap recorded, by Milvus id: only
 * those can take records. A name a neighbour's collection holds now, or no collection, takes none.
 */
async function holdersOf(swap: SwapRecord, milvus: SwapFollowDependencies['milvus']): Promise<string[]> {
  const ours = new Set([swap.originalId, swap.restoredId]);
  const holders: string[] = [];
  for (const name of swapNames(swap)) {
    const ref = { database: swap.database, collection: name };
    if (!(await milvus.hasCollection(ref))) continue;
    const id = await milvus
      .describeCollection(ref)
      .then((c) => c.id)
      .catch(absentAs<string | undefined>(undefined));
    if (id !== undefined && ours.has(id)) holders.push(name);
  }
  return holders;
}

/** The snapshot's last drill, and the collection's newest verified snapshot when it is this one. */
async function moveDrillRecords(
  store: SwapFollowDependencies['store'],
  scope: RecordScope,
  database: string,
  record: SnapshotRecord,
  move: RecordMove,
): Promise<void> {
  const drillFrom = ReportKeys.snapshotDrill(scope, database, move.from, move.snapshotName);
  const drill = snapshotDrillSchema.safeParse(await store.getJson(drillFrom));
  if (drill.success) {
    // A drill already filed there is of the same snapshot: it stays.
    await store.createJson(ReportKeys.snapshotDrill(scope, database, move.to, move.snapshotName), drill.data);
    await store.delete(drillFrom);
  }
  const verifiedFrom = ReportKeys.latestVerified(scope, database, move.from);
  const verified = latestVerifiedSchema.safeParse(await store.getJson(verifiedFrom));
  if (!verified.success || verified.data.snapshotName !== record.snapshotName) return;
  const verifiedTo = ReportKeys.latestVerified(scope, database, move.to);
  const there = latestVerifiedSchema.safeParse(await store.getJson(verifiedTo));
  // As RecordDrill does: the protection never moves to an older snapshot.
  const newer =
    there.success &&
    there.data.snapshotName !== record.snapshotName &&
    Date.parse(there.data.snapshotCreatedAt) > Date.parse(verified.data.snapshotCreatedAt);
  if (newer) return;
  await store.putJson(verifiedTo, verified.data);
  await store.delete(verifiedFrom);
}

/** A catch handler: a collection dropped or renamed meanwhile reads as `value`; anything else is thrown. */
function absentAs<T>(value: T): (error: unknown) => T {
  return (error: unknown) => {
    if (error instanceof CollectionNotFoundError) return value;
    throw error;
  };
}
