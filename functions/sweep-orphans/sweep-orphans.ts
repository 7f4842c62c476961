import type * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { SWEEP_LIST_LIMIT, sweepResultSchema } from '../shared/contracts/run-report';
import { CollectionNotFoundError, MilvusUnavailableError } from '../shared/errors';
import { DrillLedger, type DrillRecord, drillIsOver } from '../shared/ledger/drill-ledger';
import { drillCollectionState } from '../shared/ledger/drill-proof';
import type { MilvusGateway } from '../shared/milvus/milvus-gateway';
import { type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { lookAlikeCollections } from './orphan-filter';

/** SweepOrphans' input: the run and the collection (the sweep covers the collection's database). */
export const sweepOrphansInputSchema = collectionStepBaseSchema;

/** SweepOrphans' input. */
export type SweepOrphansInput = z.infer<typeof sweepOrphansInputSchema>;

/** What the sweep did (`$.orphans`). */
export const orphanSweepResultSchema = sweepResultSchema;

/** What the sweep did. */
export type OrphanSweepResult = z.infer<typeof orphanSweepResultSchema>;

/** What SweepOrphans needs. */
export interface SweepOrphansDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'listCollections' | 'hasCollection' | 'describeCollection' | 'listRestoreJobs' | 'dropCollection'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

/**
 * Drops drill collections that earlier drills of this deployment left behind (a run that stopped
 * before its cleanup, a restore request whose reply came late), in the target's database. Only
 * collections recorded in this deployment's ledger, whose drill is over (its run ended, or its
 * run's deadline passed) and that are provably the recorded collection (see
 * {@link drillCollectionState}) are dropped. Everything else — a user's collection named like a
 * drill collection, another deployment's drill, a drill still running — is left alone, and the
 * look-alikes are listed as `notOurs`.
 *
 * A drop that fails for a definite reason is reported and left for the next run; a transient
 * failure is thrown so the state machine retries the (idempotent) sweep.
 */
export async function sweepOrphans(
  input: SweepOrphansInput,
  { milvus, store, now }: SweepOrphansDependencies,
): Promise<OrphanSweepResult> {
  const { run } = input;
  const { database } = input.target;
  const ledger = new DrillLedger(store, recordScopeOf(run));
  const [records, names] = await Promise.all([ledger.list(database), milvus.listCollections(database)]);
  const at = now();

  const dropped: string[] = [];
  const notOurs = lookAlikeCollections(
    names,
    run.drill.prefix,
    new Set(records.map((r) => r.drillCollection)),
  );
  const failed: { name: string; reason: string }[] = [];
  let inProgress = 0;
  // Collections kept on purpose (drill.keepDrillCollection, keepOnFailure) stay this long for a person to look at.
  const keptForMs = run.drill.orphanMaxAgeHours * 3_600_000;
  const ended = new Map<string, boolean>();
  const runEnded = async (record: DrillRecord) => {
    if (!ended.has(record.runId)) ended.set(record.runId, await ledger.runEnded(record.runId));
    return ended.get(record.runId) === true;
  };

  for (const record of records) {
    const kept = record.state === 'kept' && at.getTime() - Date.parse(record.updatedAt) < keptForMs;
    if (record.runId === run.runId || kept || !drillIsOver(record, at, await runEnded(record))) {
      inProgress += 1;
      continue;
    }
    const state = await drillCollectionState(milvus, record);
    if (!state.exists) {
      // Gone, and its drill is over: no request of it can still land. The record has served.
      await ledger.remove(record);
      continue;
    }
    if (!state.ours) {
      notOurs.push({ name: record.drillCollection, reason: state.reason });
      continue;
    }
    try {
      await milvus.dropCollection({ database, collection: record.drillCollection });
    } catch (error) {
      if (error instanceof MilvusUnavailableError) throw error;
      if (!(error instanceof CollectionNotFoundError)) {
        failed.push({
          name: record.drillCollection,
          reason: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
    }
    if (await milvus.hasCollection({ database, collection: record.drillCollection })) {
      failed.push({ name: record.drillCollection, reason: 'still listed after it was dropped' });
      continue;
    }
    await ledger.remove(record);
    dropped.push(record.drillCollection);
  }
  return {
    dropped: dropped.slice(0, SWEEP_LIST_LIMIT),
    notOurs: notOurs.slice(0, SWEEP_LIST_LIMIT),
    counts: { dropped: dropped.length, notOurs: notOurs.length, inProgress, failed: failed.length },
    ...(failed.length ? { failed: failed.slice(0, SWEEP_LIST_LIMIT) } : {}),
  };
}
