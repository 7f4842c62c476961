import * as z from 'zod';
import { collectionStepBaseSchema, type RunContext } from '../shared/contracts/run-context';
import {
  backupResultSchema,
  RETENTION_LIST_LIMIT,
  type RetentionResult,
} from '../shared/contracts/run-report';
import {
  CollectionNotFoundError,
  InvalidInputError,
  SnapshotNotFoundError,
  SnapshotPinnedError,
} from '../shared/errors';
import { DrillLedger, drillIsOver } from '../shared/ledger/drill-ledger';
import {
  INTENT_STALE_MS,
  SnapshotLedger,
  type SnapshotRecord,
  sortByOwnership,
} from '../shared/ledger/snapshot-ledger';
import { followSwap } from '../shared/ledger/swap-follow';
import { SwapLedger, swapsOf } from '../shared/ledger/swap-ledger';
import { describeSnapshots } from '../shared/milvus/describe-snapshots';
import type { CollectionRef, MilvusGateway } from '../shared/milvus/milvus-gateway';
import {
  type RecordScope,
  ReportKeys,
  type ReportStore,
  recordScopeOf,
} from '../shared/reports/report-store';
import { ownEntry } from '../shared/validation';
import { planRetention } from './retention-planner';

/** Input of EnforceRetention: the run, the collection, and the snapshot this run made (if any). */
export const enforceRetentionInputSchema = collectionStepBaseSchema.extend({
  backup: backupResultSchema.optional(),
});

/** EnforceRetention's result (`$.retention`). */
export type { RetentionResult };

/** What EnforceRetention needs. */
export interface EnforceRetentionDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'listSnapshots' | 'describeSnapshot' | 'dropSnapshot' | 'hasCollection' | 'describeCollection'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

const latestVerifiedSchema = z.object({ snapshotName: z.string() }).loose();

type Named = { name: string; reason: string };

/**
 * Applies the collection's retention policy to the snapshots this deployment made.
 *
 * Only snapshots whose ledger record proves them this deployment's are candidates (see
 * {@link ownershipOf}); everything else is left alone and listed as `notOurs` with the reason.
 * The newest snapshot that passed a restore drill, the one this run just made, the configured
 * `protect` names and snapshots a drill or restore of a run not yet over holds (it chose them, or
 * restores them) are always kept.
 *
 * Each drop is recorded (`dropping`) before the DropSnapshot call, so a drop whose reply was lost
 * is recognised by the retry — or by any later run — as done: the report counts what Milvus no
 * longer holds, not what the code meant to do. The holds are read again after the drops are
 * recorded and before they are made, so a snapshot a drill chose meanwhile is kept. After the
 * drops the collection's snapshots are listed again, and a snapshot still there is reported as
 * skipped, never as dropped. A pinned snapshot (a restore is using it) is skipped and retried next
 * run.
 *
 * In a dry run nothing is changed, the ledger included, and `dropped` lists what would be.
 */
export async function enforceRetention(
  input: z.infer<typeof enforceRetentionInputSchema>,
  deps: EnforceRetentionDependencies,
): Promise<RetentionResult> {
  const { run, target } = input;
  const ref: CollectionRef = { database: target.database, collection: target.collection };
  const policy = ownEntry(run.policies, target.policy);
  if (!policy) {
    throw new InvalidInputError(
      `retention policy '${target.policy}' of ${where(ref)} is not in the run's policies ` +
        `(${Object.keys(run.policies).join(', ')})`,
    );
  }
  const scope = recordScopeOf(run);
  const ledger = new SnapshotLedger(deps.store, scope);
  const now = deps.now();

  const drillLedgers = [new DrillLedger(deps.store, scope), new DrillLedger(deps.store, scope, 'restore')];
  const setAside = target.selection?.by === 'set-aside';
  // Which collection the name is, before anything is read; compared again at the end (see
  // renamedMeanwhile).
  const identity = await collectionIdOf(deps, ref);
  const listed = await deps.milvus.listSnapshots(ref).catch((error: unknown) => {
    // A set-aside original renamed back (its records follow it below) or dropped (its snapshots
    // with it): nothing of it to keep or drop, only records to settle.
    if (setAside && error instanceof CollectionNotFoundError) return [];
    throw error;
  });
  // Read after the listing: a swap is recorded before its renames, so a swap that emptied this
  // listing is seen here, and the records it concerns are filed where their snapshots are.
  const followed = await followSwaps(deps, scope, ref, run);
  const [described, ledgerList, verified, inUse] = await Promise.all([
    describeSnapshots(deps.milvus, ref, listed),
    ledger.list(ref.database, ref.collection),
    deps.store.getJson(ReportKeys.latestVerified(scope, ref.database, ref.collection)),
    snapshotsInDrills(drillLedgers, ref, now),
  ]);
  // Listed decides presence: a snapshot that could not be described is neither planned nor forgotten.
  const present = new Set(listed);
  const verifiedName = latestVerifiedSchema.safeParse(verified).data?.snapshotName;
  const sorted = sortByOwnership(described, ledgerList.records, run.deployment.id);
  const { ours } = sorted;
  const notOurs: Named[] = [...sorted.notOurs];

  // Records whose snapshot Milvus no longer holds: drops whose reply was lost, vanished snapshots.
  const dropped: Named[] = [];
  const vanished: Named[] = [];
  // Forgotten only once the collection is known to be the one listed (at the end).
  const absent: SnapshotRecord[] = [];
  for (const record of ledgerList.records) {
    if (present.has(record.snapshotName) || followed.elsewhere.has(record.snapshotName)) continue;
    const outcome = absentRecordOutcome(record, run, now);
    if (outcome === undefined) continue;
    if (outcome.droppedByThisRun) dropped.push({ name: record.snapshotName, reason: outcome.reason });
    else vanished.push({ name: record.snapshotName, reason: outcome.reason });
    absent.push(record);
  }

  const plan = planRetention({
    now: now.toISOString(),
    policy,
    snapshots: described.map((s) => ({
      name: s.name,
      createdAt: s.createdAt.toISOString(),
      owned: ours.has(s.name),
      verified: s.name === verifiedName,
    })),
    protect: ownEntry(run.protect, `${ref.database}.${ref.collection}`) ?? [],
    justCreated: input.backup?.snapshotName,
  });
  const kept = plan.keep
    .filter((k) => ours.has(k.name))
    .map((k) => ({ name: k.name, reasons: [...k.reasons] }));
  const skipped: Named[] = [];
  const candidates: Named[] = [];
  for (const candidate of plan.drop) {
    const user = inUse.get(candidate.name);
    if (user) skipped.push({ name: candidate.name, reason: `${user} is using it; retried next run` });
    else candidates.push({ ...candidate });
  }

  if (run.dryRun) {
    const concluded = candidates.length > 0 || absent.length > 0;
    const renamed = concluded ? await renamedMeanwhile(deps, ref, identity) : undefined;
    if (renamed)
      return bounded(deps, run, ref, unsettled(true, kept, notOurs, [...candidates, ...skipped], renamed));
    return bounded(deps, run, ref, {
      dryRun: true,
      kept,
      dropped: candidates,
      skipped,
      notOurs,
      vanished,
      ...followed.list,
    });
  }

  // Each drop is marked first: if its reply is lost, whoever comes next sees a drop in flight,
  // not a vanished snapshot; and a drill choosing the snapshot from now on sees it being dropped.
  const marked: Array<{ candidate: Named; record: SnapshotRecord }> = [];
  for (const candidate of candidates) {
    const record = ours.get(candidate.name);
    if (!record) continue;
    const dropping: SnapshotRecord = {
      ...record,
      state: 'dropping',
      updatedBy: run.runId,
      updatedAt: now.toISOString(),
    };
    await ledger.write(dropping);
    marked.push({ candidate, record });
  }
  // Read again after the marks: a drill or restore that chose a snapshot since the first read
  // holds it now, and its ChooseSnapshot checked for a mark only after writing its hold, so one
  // of the two sees the other (see choose-snapshot.ts). A held snapshot gets its record back.
  const heldNow =
    marked.length > 0 ? await snapshotsInDrills(drillLedgers, ref, deps.now()) : new Map<string, string>();
  // The drops go to whatever has the name: it must still be the collection listed.
  const renamedBeforeDrops = marked.length > 0 ? await renamedMeanwhile(deps, ref, identity) : undefined;
  if (renamedBeforeDrops) {
    for (const { record } of marked) await ledger.write(record);
    return bounded(
      deps,
      run,
      ref,
      unsettled(false, kept, notOurs, [...candidates, ...skipped], renamedBeforeDrops),
    );
  }
  const attempted: Named[] = [];
  for (const { candidate, record } of marked) {
    const user = heldNow.get(candidate.name);
    if (user) {
      await ledger.write(record);
      skipped.push({ name: candidate.name, reason: `${user} is using it; retried next run` });
      continue;
    }
    try {
      await deps.milvus.dropSnapshot(ref, candidate.name);
      attempted.push(candidate);
    } catch (error) {
      if (error instanceof SnapshotPinnedError) {
        await ledger.write(record);
        skipped.push({
          name: candidate.name,
          reason: 'pinned (a restore or drill is using it); retried next run',
        });
      } else if (error instanceof SnapshotNotFoundError) {
        attempted.push({ name: candidate.name, reason: `${candidate.reason}; it was already gone` });
      } else {
        // A lost reply stays `dropping`: the retry (or the next run) finds out whether it took effect.
        throw error;
      }
    }
  }

  // What Milvus holds now decides what was dropped, if the listing is of the collection retention
  // began with: the name is checked just before it and just after it, so that a rename and its
  // undoing around the listing are seen too.
  const concluded = attempted.length > 0 || absent.length > 0;
  const renamedBeforeListing = concluded ? await renamedMeanwhile(deps, ref, identity) : undefined;
  const left =
    attempted.length > 0 && !renamedBeforeListing
      ? new Set(await deps.milvus.listSnapshots(ref))
      : new Set<string>();
  const renamed =
    renamedBeforeListing ?? (concluded ? await renamedMeanwhile(deps, ref, identity) : undefined);
  if (renamed) {
    // The drops asked for went to whatever has the name now (a snapshot that is not there is
    // reported gone), and the snapshots listed may live on under another name: the records keep
    // what they said, and the next run, which follows the rename, settles them.
    for (const { record } of marked) await ledger.write(record);
    return bounded(deps, run, ref, unsettled(false, kept, notOurs, [...attempted, ...skipped], renamed));
  }
  for (const record of absent) await ledger.remove(record);
  for (const drop of attempted) {
    const record = ours.get(drop.name);
    if (left.has(drop.name)) {
      if (record) await ledger.write(record);
      skipped.push({ name: drop.name, reason: 'Milvus still lists it after the drop; retried next run' });
    } else {
      if (record) await ledger.remove(record);
      dropped.push(drop);
    }
  }
  return bounded(deps, run, ref, {
    dryRun: false,
    kept,
    dropped,
    skipped,
    notOurs,
    vanished,
    ...followed.list,
  });
}

/**
 * Follows every swap that links the collection to other names (see swap-follow.ts): the records a
 * swap's renames took elsewhere are filed there — finishing a swap's move that did not finish, or
 * bringing records back after a swap undone — and the ones that could not be moved are named, so
 * that retention does not take a snapshot another collection holds for a vanished one.
 */
async function followSwaps(
  deps: EnforceRetentionDependencies,
  scope: RecordScope,
  ref: CollectionRef,
  run: RunContext,
): Promise<{ elsewhere: ReadonlySet<string>; list: Pick<RetentionResult, 'followed'> }> {
  const swaps = swapsOf(await new SwapLedger(deps.store, scope).list(ref.database), ref.collection);
  const elsewhere = new Set<string>();
  const followed: Named[] = [];
  for (const swap of swaps) {
    const result = await followSwap(swap, scope, deps, { runId: run.runId, dryRun: run.dryRun });
    for (const move of result.moved) {
      if (move.from === ref.collection) elsewhere.add(move.snapshotName);
      if (move.from === ref.collection || move.to === ref.collection) {
        followed.push({
          name: move.snapshotName,
          reason: `its record is filed under ${ref.database}.${move.to} (it was under ${move.from}): the swap of run ${swap.runId} took the snapshot there`,
        });
      }
    }
    for (const left of result.left) if (left.from === ref.collection) elsewhere.add(left.snapshotName);
  }
  return { elsewhere, list: followed.length > 0 ? { followed } : {} };
}

/**
 * What a ledger record whose snapshot Milvus no longer lists means: a drop that took effect though
 * its reply was lost (this run's, or an earlier run's), a snapshot removed outside this tool, or
 * an intent that never became a snapshot. `undefined` while an intent may still be in progress.
 */
function absentRecordOutcome(
  record: SnapshotRecord,
  run: RunContext,
  now: Date,
): { droppedByThisRun: boolean; reason: string } | undefined {
  switch (record.state) {
    case 'dropping':
      return record.updatedBy === run.runId
        ? {
            droppedByThisRun: true,
            reason: 'dropped by an earlier attempt of this step, whose reply was lost',
          }
        : { droppedByThisRun: false, reason: `dropped by run ${record.updatedBy}, whose reply was lost` };
    case 'created':
      return {
        droppedByThisRun: false,
        reason: 'no longer in Milvus: dropped outside this tool, or with its collection',
      };
    case 'creating':
      if (now.getTime() - Date.parse(record.updatedAt) < INTENT_STALE_MS) return undefined;
      return { droppedByThisRun: false, reason: `run ${record.runId} set out to create it, and never did` };
  }
}

/**
 * Snapshots of the collection that a drill or an operator's restore of a run not yet over holds or
 * restores, by name, with what holds it: Milvus pins a snapshot only once its restore job has
 * started, so from the drill's (or restore's) record to the job's start only this keeps retention
 * from dropping it. ChooseSnapshot writes the record (state `chosen`) before its answer names the
 * snapshot, and StartRestore carries it on; read once before planning and again after the drops
 * are marked, it leaves no moment between the choice and the pin at which a drop can land. A
 * record whose run is over (its end noted, or its deadline past) holds nothing: a run that died
 * keeps its snapshot until then at most.
 */
export async function snapshotsInDrills(
  ledgers: readonly DrillLedger[],
  ref: CollectionRef,
  now: Date,
): Promise<Map<string, string>> {
  const inUse = new Map<string, string>();
  for (const drills of ledgers) {
    for (const record of await drills.list(ref.database)) {
      if (record.source.collection !== ref.collection) continue;
      if (drillIsOver(record, now, await drills.runEnded(record.runId))) continue;
      const who = record.kind === 'drill' ? 'a restore drill' : "an operator's restore";
      inUse.set(record.source.snapshotName, `${who} (run ${record.runId})`);
    }
  }
  return inUse;
}

/**
 * The result as the state carries it: counts, and lists of at most {@link RETENTION_LIST_LIMIT}
 * entries; when a list is longer, the complete result is stored and named in `fullResult`.
 */
async function bounded(
  deps: EnforceRetentionDependencies,
  run: RunContext,
  ref: CollectionRef,
  lists: Omit<RetentionResult, 'counts' | 'fullResult'>,
): Promise<RetentionResult> {
  const counts = {
    kept: lists.kept.length,
    dropped: lists.dropped.length,
    skipped: lists.skipped.length,
    notOurs: lists.notOurs.length,
    vanished: lists.vanished.length,
    ...(lists.followed && { followed: lists.followed.length }),
  };
  const full: RetentionResult = { ...lists, counts };
  if (Object.values(counts).every((n) => n <= RETENTION_LIST_LIMIT)) return full;
  const location = await deps.store.putJson(
    ReportKeys.retentionResult(run.runId, ref.database, ref.collection),
    full,
  );
  const cap = <T>(list: readonly T[]) => list.slice(0, RETENTION_LIST_LIMIT);
  return {
    dryRun: lists.dryRun,
    counts,
    kept: cap(lists.kept),
    dropped: cap(lists.dropped),
    skipped: cap(lists.skipped),
    notOurs: cap(lists.notOurs),
    vanished: cap(lists.vanished),
    ...(lists.followed && { followed: cap(lists.followed) }),
    fullResult: location,
  };
}

/** Milvus' id of the collection the name is now, or undefined when there is none. */
async function collectionIdOf(
  deps: EnforceRetentionDependencies,
  ref: CollectionRef,
): Promise<string | undefined> {
  try {
    return (await deps.milvus.describeCollection(ref)).id;
  } catch (error) {
    if (error instanceof CollectionNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Why the name is no longer the collection retention started with, or undefined when it still is:
 * a rename while retention ran (an operator restore's swap gives the name to the restored copy
 * and sets the original aside) makes every snapshot that went missing meanwhile a question about
 * another collection, not a drop.
 */
async function renamedMeanwhile(
  deps: EnforceRetentionDependencies,
  ref: CollectionRef,
  identity: string | undefined,
): Promise<string | undefined> {
  const now = await collectionIdOf(deps, ref);
  if (now === identity) return undefined;
  const was = identity === undefined ? 'did not exist' : `was collection ${identity}`;
  const is = now === undefined ? 'it is gone' : `it is collection ${now}`;
  return `${where(ref)} ${was} when retention began, and ${is} now (renamed or replaced meanwhile, as an operator restore's swap does): nothing is counted as dropped; the next run settles it`;
}

/** The result of a retention the collection was renamed under: nothing dropped, nothing forgotten. */
function unsettled(
  dryRun: boolean,
  kept: RetentionResult['kept'],
  notOurs: Named[],
  undecided: readonly Named[],
  why: string,
): Omit<RetentionResult, 'counts' | 'fullResult'> {
  return {
    dryRun,
    kept: [...kept],
    dropped: [],
    skipped: undecided.map((u) => ({ name: u.name, reason: why })),
    notOurs,
    vanished: [],
  };
}

function where(ref: CollectionRef): string {
  return `${ref.database}.${ref.collection}`;
}
