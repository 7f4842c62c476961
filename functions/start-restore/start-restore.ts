import * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import {
  newTargetRecord,
  ownTargetRecord,
  runTargetOf,
  targetConflict,
} from '../choose-snapshot/target-record';
import { nextWaitSeconds } from '../poll-restore/poll-backoff';
import { collectionStepBaseSchema, type RunContext } from '../shared/contracts/run-context';
import {
  CollectionAlreadyExistsError,
  type DrillTargetConflictError,
  InvalidInputError,
  MilvusUnavailableError,
  RestoreConflictError,
} from '../shared/errors';
import type { DrillLedger, DrillRecord } from '../shared/ledger/drill-ledger';
import type { CollectionRef, MilvusGateway, RestoreJob } from '../shared/milvus/milvus-gateway';
import type { ReportStore } from '../shared/reports/report-store';
import { stampedCollectionName } from '../shared/snapshot-naming';

/** StartRestore's input: the run, the collection and the chosen snapshot. */
export const startRestoreInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema,
});

/** StartRestore's input. */
export type StartRestoreInput = z.infer<typeof startRestoreInputSchema>;

/** The restore a drill started (`$.restore`). */
export const restoreStartSchema = z
  .object({
    /** The drill collection (see drill-target.ts). */
    targetCollection: z.string().min(1),
    /** Milvus' id of the drill collection: what later steps check before they touch it. */
    collectionId: z.string().min(1),
    /** Milvus' restore job id (int64, as a string). */
    jobId: z.string().min(1),
    /** When the restore started (ISO 8601): the start of the drill's time budget. */
    startedAt: z.iso.datetime(),
    /** Seconds the state machine waits before the first poll. */
    firstWaitSeconds: z.number().int().positive(),
    /** This call carried on with a restore an earlier attempt of the same step had started. */
    resumed: z.boolean(),
  })
  .strict();

/** The restore a drill started. */
export type RestoreStart = z.infer<typeof restoreStartSchema>;

/** What StartRestore needs. */
export interface StartRestoreDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'hasCollection' | 'describeCollection' | 'restoreSnapshot' | 'listRestoreJobs' | 'describeAlias'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

/**
 * Restores the snapshot into this drill's collection.
 *
 * ChooseSnapshot recorded the drill collection in the deployment's ledger (state `chosen`), which
 * holds the snapshot against retention; this step marks the record `restoring` before
 * RestoreSnapshot is called, so cleanup — and the orphan sweep of a later run, if this one dies —
 * knows a request may have been sent and can prove the collection is this drill's and drop it,
 * while a look-alike name is never touched. (A run whose ChooseSnapshot predates the hold has no
 * record yet: this step writes it, as it always did.) No pin is taken: Milvus pins the snapshot
 * itself while the restore runs, and retention skips a snapshot whose drill is recorded as
 * running, so there is nothing the drill could fail to release.
 *
 * If the drill collection already exists and this drill's record says so (its id, or a restore
 * job of the snapshot into it), it is this drill's restore started by an attempt whose reply was
 * lost: the step carries on with it (`resumed: true`). Any other existing collection of that name
 * fails the drill with {@link DrillTargetConflictError} and is never touched. A RestoreSnapshot
 * whose reply is lost is counted in the record: it may still create the collection later, which
 * cleanup must then report.
 */
export async function startRestore(
  input: StartRestoreInput,
  deps: StartRestoreDependencies,
): Promise<RestoreStart> {
  const { run, target, drillSource } = input;
  const source: CollectionRef = { database: target.database, collection: target.collection };
  const runTarget = runTargetOf(run, target, deps);
  const targetRef = runTarget.ref;
  const targetCollection = targetRef.collection;
  const operator = runTarget.operator;
  const { ledger } = runTarget;
  const timeoutMs = run.drill.timeoutMinutes * 60_000;
  const conflict = (why: string) => targetConflict(runTarget, why);

  let record = await ownTargetRecord(run, runTarget, deps);
  if (record && record.source.snapshotName !== drillSource.snapshotName) {
    throw new InvalidInputError(
      `invalid StartRestore input: drillSource.snapshotName: ${drillSource.snapshotName} is not the snapshot this run holds (${record.source.snapshotName})`,
    );
  }

  if (await deps.milvus.hasCollection(targetRef)) {
    if (!record) throw conflict("already exists and this deployment's ledger has no drill of that name");
    // Only held: this run asked for no restore into it, so whatever holds the name is not its own.
    if (record.state === 'chosen')
      throw conflict('already exists and this run has asked for no restore into it');
    return resume(record, input, deps, ledger, targetRef, timeoutMs, conflict);
  }

  const now = deps.now();
  if (!record || record.state === 'chosen') {
    if (operator) await restorePreflight(run, source, targetRef, deps.milvus);
    if (!record) {
      record = newTargetRecord(
        run,
        runTarget,
        { collection: source.collection, snapshotName: drillSource.snapshotName },
        'restoring',
        now,
      );
      if (!(await ledger.create(record))) {
        const other = await ledger.read(targetRef.database, targetCollection);
        if (!other || other.runId !== run.runId) throw conflict('was recorded by another drill first');
        record = other;
      }
    }
    if (record.state === 'chosen') {
      // Before the request: from here on a request may have been sent, which cleanup must know.
      record = touch({ ...record, state: 'restoring' }, run, now);
      await ledger.write(record);
    }
  }
  let jobId: string;
  try {
    jobId = await deps.milvus.restoreSnapshot(source, drillSource.snapshotName, targetCollection);
  } catch (error) {
    if (error instanceof MilvusUnavailableError) {
      // The request may still be applied, now or later: whoever cleans up must know.
      await ledger.write(touch({ ...record, lostRequests: record.lostRequests + 1 }, run, deps.now()));
      throw error;
    }
    // An earlier request of this drill, applied after its reply was lost, created the collection.
    if (error instanceof CollectionAlreadyExistsError) {
      return resume(record, input, deps, ledger, targetRef, timeoutMs, conflict);
    }
    throw error;
  }
  const collection = await deps.milvus.describeCollection(targetRef);
  await ledger.write(
    touch({ ...record, jobIds: [...record.jobIds, jobId], collectionId: collection.id }, run, deps.now()),
  );
  return {
    targetCollection,
    collectionId: collection.id,
    jobId,
    startedAt: now.toISOString(),
    firstWaitSeconds: nextWaitSeconds({ backoff: run.drill.backoff, attempt: 0, elapsedMs: 0, timeoutMs }),
    resumed: false,
  };
}

/** Carries on with the restore into a drill collection that exists, if this drill's record proves it its own. */
async function resume(
  record: DrillRecord,
  { run, drillSource }: StartRestoreInput,
  deps: StartRestoreDependencies,
  ledger: DrillLedger,
  targetRef: CollectionRef,
  timeoutMs: number,
  conflict: (why: string) => DrillTargetConflictError | RestoreConflictError,
): Promise<RestoreStart> {
  const collection = await deps.milvus.describeCollection(targetRef);
  const job = await ownRestoreJob(deps.milvus, targetRef, drillSource.snapshotName);
  const provenById = record.collectionId !== undefined && record.collectionId === collection.id;
  if (!provenById && !job) {
    throw conflict(
      `already exists and no restore of snapshot ${drillSource.snapshotName} by this drill targets it`,
    );
  }
  if (!job) {
    throw conflict(
      'already exists and the restore job this drill started into it is no longer known to Milvus',
    );
  }
  const known = record.jobIds.includes(job.jobId);
  await ledger.write(
    touch(
      {
        ...record,
        collectionId: collection.id,
        jobIds: known ? record.jobIds : [...record.jobIds, job.jobId],
        // A job this drill did not know of is a request whose reply was lost: now accounted for.
        lostRequests: known ? record.lostRequests : Math.max(0, record.lostRequests - 1),
      },
      run,
      deps.now(),
    ),
  );
  const startedAt = job.startTime > 0 ? new Date(job.startTime) : deps.now();
  const elapsedMs = Math.max(0, deps.now().getTime() - startedAt.getTime());
  return {
    targetCollection: targetRef.collection,
    collectionId: collection.id,
    jobId: job.jobId,
    startedAt: startedAt.toISOString(),
    firstWaitSeconds: nextWaitSeconds({ backoff: run.drill.backoff, attempt: 0, elapsedMs, timeoutMs }),
    resumed: true,
  };
}

/**
 * What an operator's restore checks before it changes anything: its target is no alias, the alias
 * it is to move is no collection's name, and the name a swap moves the original to is free.
 *
 * @throws RestoreConflictError saying what is in the way and what to do
 */
async function restorePreflight(
  run: RunContext,
  source: CollectionRef,
  targetRef: CollectionRef,
  milvus: StartRestoreDependencies['milvus'],
): Promise<void> {
  const inDb = (collection: string): CollectionRef => ({ database: source.database, collection });
  const aliased = await milvus.describeAlias(targetRef.database, targetRef.collection);
  if (aliased !== undefined) {
    throw new RestoreConflictError(
      `the target ${targetRef.database}.${targetRef.collection} is an alias (of ${aliased}); name another "target"`,
    );
  }
  const alias = run.restore?.alias;
  // HasCollection answers for an alias too: only a name that is no alias is a collection's.
  if (
    alias !== undefined &&
    (await milvus.describeAlias(source.database, alias)) === undefined &&
    (await milvus.hasCollection(inDb(alias)))
  ) {
    throw new RestoreConflictError(
      `${source.database}.${alias} is a collection, so no alias can have that name; name an alias, or use "swap" to give the restored collection the original's name`,
    );
  }
  if (run.restore?.swap) {
    const replaced = replacedName(run, source.collection);
    if (
      (await milvus.hasCollection(inDb(replaced))) ||
      (await milvus.describeAlias(source.database, replaced))
    ) {
      throw new RestoreConflictError(
        `a swap moves ${source.database}.${source.collection} to ${replaced}, which already exists; rename it first`,
      );
    }
  }
}

/** The name a swap gives the original collection: `<name>_replaced_<YYYYMMDD_HHMMSS>` (the run's start). */
export function replacedName(run: Pick<RunContext, 'startedAt'>, collection: string): string {
  return stampedCollectionName(collection, 'replaced', new Date(run.startedAt));
}

function touch(record: DrillRecord, run: RunContext, now: Date): DrillRecord {
  return { ...record, updatedBy: run.runId, updatedAt: now.toISOString() };
}

/**
 * The restore job of `snapshotName` that targets the drill collection, if there is one: with the
 * ledger record, the proof that the collection was created by this drill. The newest such job wins.
 */
export async function ownRestoreJob(
  milvus: Pick<MilvusGateway, 'listRestoreJobs'>,
  targetRef: CollectionRef,
  snapshotName: string,
): Promise<RestoreJob | undefined> {
  const jobs = await milvus.listRestoreJobs(targetRef);
  return jobs
    .filter(
      (j) =>
        j.snapshotName === snapshotName &&
        j.collection === targetRef.collection &&
        (j.database === '' || j.database === targetRef.database),
    )
    .sort((a, b) => b.startTime - a.startTime)[0];
}
