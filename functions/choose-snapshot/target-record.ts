import type { CollectionTarget, RunContext } from '../shared/contracts/run-context';
import { DrillTargetConflictError, RestoreConflictError } from '../shared/errors';
import { DrillLedger, type DrillRecord, drillIsOver } from '../shared/ledger/drill-ledger';
import type { CollectionRef, MilvusGateway } from '../shared/milvus/milvus-gateway';
import { type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { runTargetName } from '../start-restore/drill-target';

/**
 * The ledger record of the collection a drill (or an operator's restore) restores into: written by
 * ChooseSnapshot, before its output names the snapshot, as the hold that keeps retention off it
 * (state `chosen`), and carried on by StartRestore (`restoring`), cleanup and the orphan sweep.
 * One record per run and collection, at a key computed from the run: a retried step finds it.
 */

/** What reading and writing a run's target record needs. */
export interface TargetRecordDependencies {
  readonly milvus: Pick<MilvusGateway, 'hasCollection'>;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

/** The run's target: its collection, and the ledger its record lives in (drills' or restores'). */
export interface RunTarget {
  readonly ref: CollectionRef;
  readonly operator: boolean;
  readonly ledger: DrillLedger;
}

/** Where the run restores `target` into, and which ledger records it. */
export function runTargetOf(
  run: RunContext,
  target: CollectionTarget,
  deps: TargetRecordDependencies,
): RunTarget {
  const operator = run.mode === 'restore';
  return {
    ref: { database: target.database, collection: runTargetName(run, target.collection) },
    operator,
    ledger: new DrillLedger(deps.store, recordScopeOf(run), operator ? 'restore' : 'drill'),
  };
}

/** The error for a target this run cannot restore into; `why` follows "the … collection X". */
export function targetConflict(
  target: RunTarget,
  why: string,
): RestoreConflictError | DrillTargetConflictError {
  const name = `${target.ref.database}.${target.ref.collection}`;
  return target.operator
    ? new RestoreConflictError(
        `the target collection ${name} ${why}; a restore never overwrites a collection: name another "target"`,
      )
    : new DrillTargetConflictError(
        `the drill collection ${name} ${why}, so this drill did not create it; it is left untouched. ` +
          'Rename or drop it, or change drill.prefix.',
      );
}

/**
 * This run's record of its target, or undefined when there is none. Another run's record is set
 * aside when the name is free again — an operator restore's record, whose run is over and whose
 * copy is gone (a failed restore keeps its record with the copy it kept) — and is a conflict
 * otherwise (a drill's name is its run's alone, so never reused).
 *
 * @throws RestoreConflictError / DrillTargetConflictError when another run holds the name
 */
export async function ownTargetRecord(
  run: RunContext,
  target: RunTarget,
  deps: TargetRecordDependencies,
): Promise<DrillRecord | undefined> {
  const record = await target.ledger.read(target.ref.database, target.ref.collection);
  if (!record || record.runId === run.runId) return record;
  const free =
    target.operator &&
    drillIsOver(record, deps.now(), await target.ledger.runEnded(record.runId)) &&
    !(await deps.milvus.hasCollection(target.ref));
  if (!free) {
    const exists = await deps.milvus.hasCollection(target.ref);
    throw targetConflict(target, `${exists ? 'already exists and ' : ''}is recorded for run ${record.runId}`);
  }
  await target.ledger.remove(record);
  return undefined;
}

/** A new record of the run's target, restoring `snapshotName` of `sourceCollection`. */
export function newTargetRecord(
  run: RunContext,
  target: RunTarget,
  source: { readonly collection: string; readonly snapshotName: string },
  state: DrillRecord['state'],
  now: Date,
): DrillRecord {
  const scope = recordScopeOf(run);
  return {
    schemaVersion: 1,
    kind: target.operator ? 'restore' : 'drill',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    database: target.ref.database,
    drillCollection: target.ref.collection,
    source: { collection: source.collection, snapshotName: source.snapshotName },
    runId: run.runId,
    state,
    startedAt: now.toISOString(),
    // The drill cannot outlive its run: the state machine stops the run at its timeout.
    deadline: new Date(Date.parse(run.startedAt) + run.deployment.runTimeoutMinutes * 60_000).toISOString(),
    jobIds: [],
    lostRequests: 0,
    updatedBy: run.runId,
    updatedAt: now.toISOString(),
  };
}

/**
 * Holds `snapshotName` for this run: writes (or moves) the run's target record, in state `chosen`,
 * naming it as the snapshot the run restores. Idempotent: a retry after a lost reply finds the
 * record its first attempt wrote and changes at most the snapshot it names, so there is never a
 * second record, and a hold that moves from one snapshot to another releases the first.
 *
 * @throws RestoreConflictError / DrillTargetConflictError when another run holds the target, or
 *   this run already asked for a restore of another snapshot into it
 */
export async function holdSnapshot(
  run: RunContext,
  target: CollectionTarget,
  snapshotName: string,
  deps: TargetRecordDependencies,
): Promise<DrillRecord> {
  const runTarget = runTargetOf(run, target, deps);
  let record = await ownTargetRecord(run, runTarget, deps);
  if (!record) {
    const fresh = newTargetRecord(
      run,
      runTarget,
      { collection: target.collection, snapshotName },
      'chosen',
      deps.now(),
    );
    if (await runTarget.ledger.create(fresh)) return fresh;
    // Written meanwhile: by this run's earlier attempt (a lost reply), or by another run.
    record = await runTarget.ledger.read(runTarget.ref.database, runTarget.ref.collection);
    if (!record || record.runId !== run.runId)
      throw targetConflict(runTarget, 'was recorded by another run first');
  }
  if (record.source.snapshotName === snapshotName) return record;
  if (record.state !== 'chosen') {
    throw targetConflict(
      runTarget,
      `is recorded for this run's restore of ${record.source.snapshotName}, not of ${snapshotName}`,
    );
  }
  const moved: DrillRecord = {
    ...record,
    source: { collection: target.collection, snapshotName },
    updatedBy: run.runId,
    updatedAt: deps.now().toISOString(),
  };
  await runTarget.ledger.write(moved);
  return moved;
}
