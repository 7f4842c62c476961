import type * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { nextWaitSeconds } from '../poll-restore/poll-backoff';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import {
  RETENTION_LIST_LIMIT,
  type SwitchoverResult,
  switchoverResultSchema,
} from '../shared/contracts/run-report';
import { InvalidInputError, MilvusUnavailableError, SwitchOverError } from '../shared/errors';
import { DrillLedger } from '../shared/ledger/drill-ledger';
import { followSwap } from '../shared/ledger/swap-follow';
import { SwapLedger, type SwapRecord } from '../shared/ledger/swap-ledger';
import type { CollectionRef, MilvusGateway } from '../shared/milvus/milvus-gateway';
import { type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { isOwnTarget } from '../start-restore/drill-target';
import { replacedName, restoreStartSchema } from '../start-restore/start-restore';
import { verificationResultSchema } from '../verify-restore/verify-restore';

/** SwitchOver's input: a verified operator restore, and the previous switch-over while the load is pending. */
export const switchOverInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema,
  restore: restoreStartSchema,
  verification: verificationResultSchema,
  switchover: switchoverResultSchema.optional(),
});

/** SwitchOver's input. */
export type SwitchOverInput = z.infer<typeof switchOverInputSchema>;

/** What SwitchOver needs. */
export interface SwitchOverDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    | 'hasCollection'
    | 'describeCollection'
    | 'loadState'
    | 'startLoad'
    | 'describeAlias'
    | 'createAlias'
    | 'alterAlias'
    | 'renameCollection'
    | 'listSnapshots'
    | 'describeSnapshot'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

const LOADED = 'LoadStateLoaded';
const NOT_LOADED = new Set(['LoadStateNotLoad', 'LoadStateNotExist']);

/**
 * The last part of an operator's restore, once the restored collection is verified: load it (so
 * it can serve), then, only if asked, point the alias at it (created, or moved in one step from
 * the collection it served, which is left as it is) or swap names (the original becomes
 * `<name>_replaced_<stamp>`, the restored one takes its name; if the second rename fails the first
 * is undone). Every change is checked in Milvus afterwards, and the result says how to go back.
 *
 * A swap is recorded in the ledger before its first rename (the names, and the ids that tell the
 * original from the restored copy). Once both renames are checked, the original's snapshot records
 * are filed under the name it was set aside under, where Milvus keeps its snapshots (see
 * swap-follow.ts): they stay this deployment's there, and the restored copy, which holds none,
 * inherits none.
 *
 * Idempotent for the state machine's retries: an alias already pointing at the restored copy, or
 * a rename already done (a lost reply), is recognised, not repeated. While the load is not done it
 * returns `pending` with the wait; past the drill deadline it fails, having switched nothing.
 *
 * @throws SwitchOverError when Milvus refuses a change; the message says what Milvus now holds
 */
export async function switchOver(
  input: SwitchOverInput,
  deps: SwitchOverDependencies,
): Promise<SwitchoverResult> {
  const { run, target, restore, verification } = input;
  if (run.mode !== 'restore' || !run.restore) {
    throw new InvalidInputError('invalid SwitchOver input: run.mode: only a restore switches over');
  }
  if (!verification.verified || verification.deepPending) {
    throw new InvalidInputError(
      'invalid SwitchOver input: verification.verified: the restore did not verify',
    );
  }
  if (!isOwnTarget(run, target.collection, restore.targetCollection)) {
    throw new InvalidInputError(
      `invalid SwitchOver input: restore.targetCollection: not this restore's target`,
    );
  }
  const { milvus } = deps;
  const db = target.database;
  const inDb = (collection: string): CollectionRef => ({ database: db, collection });
  const original = target.collection;
  const swap = run.restore.swap;
  const replaced = replacedName(run, original);

  // Where the restored copy is now: under its own name, or (after a swap whose reply was lost) the original's.
  const restoredAt = await locate(
    milvus,
    inDb(restore.targetCollection),
    inDb(original),
    restore.collectionId,
  );
  if (!restoredAt) {
    throw new SwitchOverError(
      `the restored collection ${db}.${restore.targetCollection} (id ${restore.collectionId}) is gone; nothing was switched`,
    );
  }

  const loadPolls = (input.switchover?.loadPolls ?? 0) + 1;
  const state = await milvus.loadState(restoredAt);
  if (state !== LOADED) {
    const timeoutMs = run.drill.timeoutMinutes * 60_000;
    const elapsedMs = deps.now().getTime() - Date.parse(restore.startedAt);
    if (elapsedMs >= timeoutMs) {
      throw new SwitchOverError(
        `the restored collection ${db}.${restoredAt.collection} did not load within the drill timeout ` +
          `(${run.drill.timeoutMinutes} min, ${state}); it is verified and kept, and nothing was switched`,
      );
    }
    if (NOT_LOADED.has(state)) await milvus.startLoad(restoredAt);
    return {
      pending: true,
      loaded: false,
      done: false,
      loadPolls,
      waitSeconds: nextWaitSeconds({
        backoff: run.drill.backoff,
        attempt: loadPolls - 1,
        elapsedMs,
        timeoutMs,
      }),
    };
  }

  const ledger = new DrillLedger(deps.store, recordScopeOf(run), 'restore');
  const swaps = new SwapLedger(deps.store, recordScopeOf(run));
  if (run.restore.alias !== undefined) {
    return { pending: false, loaded: true, done: true, loadPolls, ...(await moveAlias(run.restore.alias)) };
  }
  if (swap) return { pending: false, loaded: true, done: true, loadPolls, ...(await swapCollections()) };
  return {
    pending: false,
    loaded: true,
    done: true,
    loadPolls,
    undo: `the restored copy is ${db}.${restore.targetCollection}, loaded; ${db}.${original} is as it was. Drop the copy when you no longer need it.`,
  };

  async function moveAlias(alias: string): Promise<Pick<SwitchoverResult, 'alias' | 'undo'>> {
    const record = await ledger.read(db, restore.targetCollection);
    const current = await milvus.describeAlias(db, alias);
    let from: string | null = current ?? null;
    if (current !== restoredAt?.collection) {
      // Noted before the move: if its reply is lost, the retry still knows what the alias served.
      if (record)
        await ledger.write({
          ...record,
          aliasFrom: from,
          updatedBy: run.runId,
          updatedAt: deps.now().toISOString(),
        });
      try {
        if (current === undefined) await milvus.createAlias(inDb(restore.targetCollection), alias);
        else await milvus.alterAlias(inDb(restore.targetCollection), alias);
      } catch (error) {
        if (error instanceof MilvusUnavailableError) throw error;
        throw new SwitchOverError(
          `Milvus refused to point alias ${db}.${alias} at ${restore.targetCollection}: ${message(error)}; ` +
            `the alias still serves ${current ?? 'nothing (it does not exist)'}, and the restored copy is kept`,
        );
      }
    } else {
      // Already done by an attempt whose reply was lost: what it served is in the record.
      from = record?.aliasFrom ?? null;
    }
    const now = await milvus.describeAlias(db, alias);
    if (now !== restore.targetCollection) {
      throw new SwitchOverError(
        `alias ${db}.${alias} serves ${now ?? 'nothing'} after the move, not ${restore.targetCollection}`,
      );
    }
    return {
      alias: { name: alias, from, to: restore.targetCollection },
      undo: from
        ? `point the alias back: alterAlias ${alias} → ${from} (${db}.${from} was left untouched)`
        : `drop the alias ${alias} (it did not exist before)`,
    };
  }

  async function swapCollections(): Promise<Pick<SwitchoverResult, 'swap' | 'undo'>> {
    const undo =
      `rename ${db}.${original} (the restored copy) to ${restore.targetCollection}, ` +
      `then ${db}.${replaced} back to ${original}; the next retention run of ${original} files the ` +
      "original's snapshots under it again";
    let record = await swaps.read(db, replaced);
    if (record && record.runId !== run.runId) {
      throw new SwitchOverError(
        `${db}.${replaced} is recorded as set aside by the swap of run ${record.runId}; nothing was switched`,
      );
    }
    if (restoredAt?.collection !== original) {
      if (await milvus.hasCollection(inDb(original))) {
        // Recorded before the first rename, with the original's id (a rename keeps it): from here on
        // whoever comes next — a retry, retention, a swap undone — can tell which collection is which.
        record ??= await recordSwap((await milvus.describeCollection(inDb(original))).id);
        await renameOrExplain(inDb(original), replaced, `${db}.${original} is as it was`);
      } else if (!(await milvus.hasCollection(inDb(replaced)))) {
        throw new SwitchOverError(
          `${db}.${original} is gone and ${db}.${replaced} does not exist: nothing to swap with; the restored copy is ${db}.${restore.targetCollection}`,
        );
      }
      try {
        await milvus.renameCollection(inDb(restore.targetCollection), original);
      } catch (error) {
        // Undo the first rename, so the application finds its collection again.
        // A rename back whose reply is lost may have happened: what Milvus holds says.
        const rollBack = () =>
          milvus
            .renameCollection(inDb(replaced), original)
            .then(() => true)
            .catch(async () => {
              const back = await milvus.hasCollection(inDb(original)).catch(() => false);
              return back && !(await milvus.hasCollection(inDb(replaced)).catch(() => true));
            });
        if (error instanceof MilvusUnavailableError) {
          // Applied with its reply lost, or not: if not, the original gets its name back before the
          // step is retried, so a swap whose retries run out never leaves the application without it.
          const applied = await milvus
            .describeCollection(inDb(original))
            .then((c) => c.id === restore.collectionId)
            .catch(() => false);
          if (!applied) {
            await rollBack();
            throw error;
          }
        } else {
          const rolledBack = await rollBack();
          // Nothing was swapped: the record would only link names for nothing.
          if (rolledBack && record) await swaps.remove(record).catch(() => undefined);
          throw new SwitchOverError(
            `Milvus refused to rename ${restore.targetCollection} to ${original}: ${message(error)}; ` +
              (rolledBack
                ? `${db}.${original} was renamed back and is as it was; the restored copy is ${db}.${restore.targetCollection}`
                : `the original is now ${db}.${replaced} and could not be renamed back: rename it to ${original} yourself`),
          );
        }
      }
    }
    const now = await milvus.describeCollection(inDb(original));
    if (now.id !== restore.collectionId || !(await milvus.hasCollection(inDb(replaced)))) {
      throw new SwitchOverError(
        `after the swap ${db}.${original} is not the restored copy (id ${now.id}, expected ${restore.collectionId}); check ${db}.${replaced}`,
      );
    }
    // Aliases follow a renamed collection: any that served the original still serve it, not the copy.
    const aside = await milvus.describeCollection(inDb(replaced));
    // A swap started by a release before the swap record (its first rename done) is recorded now.
    record ??= await recordSwap(aside.id);
    if (aside.id !== record.originalId) {
      throw new SwitchOverError(
        `${db}.${replaced} is not the original collection (id ${aside.id}, expected ${record.originalId}); check ${db}.${replaced}`,
      );
    }
    const snapshots = await followOriginalSnapshots(record);
    const kept = aside.aliases ?? [];
    return {
      swap: {
        original,
        replacedAs: replaced,
        ...(kept.length > 0 && { aliasesKept: [...kept] }),
        snapshots,
      },
      undo,
    };
  }

  async function recordSwap(originalId: string): Promise<SwapRecord> {
    const scope = recordScopeOf(run);
    const record: SwapRecord = {
      schemaVersion: 1,
      kind: 'swap',
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: db,
      original,
      replacedAs: replaced,
      restoredAs: restore.targetCollection,
      originalId,
      restoredId: restore.collectionId,
      runId: run.runId,
      state: 'swapping',
      updatedBy: run.runId,
      updatedAt: deps.now().toISOString(),
    };
    if (await swaps.create(record)) return record;
    // Written by an attempt whose reply was lost, or by another run: only this run's will do.
    const there = await swaps.read(db, replaced);
    if (!there || there.runId !== run.runId) {
      throw new SwitchOverError(
        `${db}.${replaced} is recorded as set aside by another swap; nothing was switched`,
      );
    }
    return there;
  }

  /**
   * Files the original's snapshot records under the name it was set aside under, where Milvus now
   * keeps its snapshots, so they stay this deployment's: listed, restorable and pruned. A failure
   * here does not undo a swap that is done: the next retention run of either name does it.
   */
  async function followOriginalSnapshots(
    record: SwapRecord,
  ): Promise<NonNullable<NonNullable<SwitchoverResult['swap']>['snapshots']>> {
    try {
      const followed = await followSwap(record, recordScopeOf(run), deps, { runId: run.runId });
      if (record.state !== 'swapped') {
        await swaps.write({
          ...record,
          state: 'swapped',
          updatedBy: run.runId,
          updatedAt: deps.now().toISOString(),
        });
      }
      return {
        followed: followed.moved.filter((m) => m.to === replaced).length,
        left: followed.left
          .slice(0, RETENTION_LIST_LIMIT)
          .map((l) => ({ snapshotName: l.snapshotName, reason: l.reason })),
      };
    } catch (error) {
      return {
        followed: 0,
        left: [],
        deferred: `the original's snapshot records could not be filed under ${replaced} yet (${message(error)}); the next retention run of ${original} or ${replaced} does it`,
      };
    }
  }

  async function renameOrExplain(from: CollectionRef, to: string, state: string): Promise<void> {
    try {
      await milvus.renameCollection(from, to);
    } catch (error) {
      if (error instanceof MilvusUnavailableError) throw error;
      throw new SwitchOverError(
        `Milvus refused to rename ${from.collection} to ${to}: ${message(error)}; ${state}`,
      );
    }
  }
}

/** The restored copy: under `own`, or under `original` when a swap already renamed it (proven by its id). */
async function locate(
  milvus: SwitchOverDependencies['milvus'],
  own: CollectionRef,
  original: CollectionRef,
  id: string,
): Promise<CollectionRef | undefined> {
  if (await milvus.hasCollection(own)) return own;
  if ((await milvus.hasCollection(original)) && (await milvus.describeCollection(original)).id === id)
    return original;
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
