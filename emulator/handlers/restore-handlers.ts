import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { Collection } from '../collection';
import { randomPositiveInt64 } from '../id-allocator';
import {
  aliasNameConflict,
  missingParameter,
  restoreJobNotFound,
  snapshotNotFound,
  unexpected,
} from '../milvus-errors';
import { successStatus } from '../milvus-status';
import { validateName } from '../names';
import type { RestoreJob } from '../restore-jobs';
import type {
  ListRestoreSnapshotJobsRequest,
  RestoreJobRequest,
  RestoreSnapshotRequest,
} from '../wire-types';

/** What a restore fails with when the fault plan says `failed` without a reason. */
const DEFAULT_RESTORE_FAILURE_REASON = 'copy segment failed';

/** RestoreSnapshot, GetRestoreSnapshotState, ListRestoreSnapshotJobs. */
export const restoreHandlers: Readonly<Record<string, RpcHandler>> = {
  RestoreSnapshot: rpc((request: RestoreSnapshotRequest, context: CallContext) => {
    const { state } = context;
    if (request.collection_name.trim() === '') {
      throw missingParameter('collection_name');
    }
    const snapshotName = validateName('snapshot', request.name);
    if (request.target_collection_name.trim() === '') {
      throw missingParameter('target_collection_name');
    }
    const targetName = validateName('collection', request.target_collection_name);
    const sourceDatabase = context.databaseName(request.db_name);
    const source = state.collection(sourceDatabase, request.collection_name);
    const snapshot = state.snapshots.find(source.id, snapshotName);
    if (snapshot === undefined) {
      throw snapshotNotFound(source.name, snapshotName);
    }
    // Without a target database the restore stays in the source's database.
    const targetDatabaseName = request.target_db_name === '' ? sourceDatabase : request.target_db_name;
    const targetDatabase = state.database(targetDatabaseName);
    if (targetDatabase.aliases.has(targetName)) {
      throw aliasNameConflict(targetDatabaseName, targetName);
    }
    if (targetDatabase.collections.has(targetName)) {
      throw unexpected(
        `failed to restore snapshot ${snapshotName}: collection ${targetName} already exists in database ${targetDatabaseName}: duplicate collection`,
      );
    }

    // The target exists as soon as the call returns (same schema, shards, partitions, indexes;
    // not loaded); its data arrives as the job copies segments.
    const { content } = snapshot;
    const now = context.now;
    const target = new Collection({
      id: state.ids.next(),
      database: targetDatabaseName,
      name: targetName,
      schema: content.schema,
      shardsNum: content.shardsNum,
      consistencyLevel: content.consistencyLevel,
      properties: content.properties,
      createdAtMs: now,
      createdTs: state.tso.next(),
      defaultPartitionId: state.ids.next(),
    });
    for (const partition of content.partitions) {
      if (!target.partitions.has(partition)) {
        target.addPartition({ id: state.ids.next(), name: partition, createdAtMs: now });
      }
    }
    for (const index of content.indexes) {
      target.indexes.set(index.fieldName, index);
    }
    target.adoptDeletes(content.deletes);
    state.addCollection(target);

    const jobId = state.ids.next();
    const pinId = randomPositiveInt64();
    // The automatic pin holds the snapshot until the job ends (then DropSnapshot works again).
    state.snapshots.pin({
      id: pinId,
      snapshotId: snapshot.id,
      kind: 'restore',
      createdAtMs: now,
      expiresAtMs: undefined,
      jobId,
    });
    const behaviour = context.faults.restoreBehaviour(source.name);
    const job: RestoreJob = {
      id: jobId,
      snapshotId: snapshot.id,
      snapshotName: snapshot.name,
      sourceDatabase,
      sourceCollection: source.name,
      targetDatabase: targetDatabaseName,
      targetCollection: targetName,
      targetCollectionId: target.id,
      timeline: {
        startMs: now,
        durationMs: behaviour.durationMs ?? state.settings.defaultRestoreDurationMs,
        outcome: behaviour.outcome,
        failureReason: behaviour.reason ?? DEFAULT_RESTORE_FAILURE_REASON,
        totalSegments: content.segments.length,
        timeoutMs: state.settings.restoreTimeoutMs,
      },
      segments: content.segments,
      pinId,
      state: 'RestoreSnapshotPending',
      progress: 0,
      reason: '',
      copiedSegments: 0,
      endedAtMs: undefined,
      timeCostMs: 0,
    };
    state.restores.add(job);
    state.settle();
    return { status: successStatus(), job_id: job.id };
  }),

  GetRestoreSnapshotState: rpc((request: RestoreJobRequest, context: CallContext) => {
    const job = context.state.restores.get(request.job_id);
    if (job === undefined) {
      throw restoreJobNotFound(request.job_id);
    }
    return { status: successStatus(), info: jobInfo(job) };
  }),

  ListRestoreSnapshotJobs: rpc((request: ListRestoreSnapshotJobsRequest, context: CallContext) => {
    const { state } = context;
    let jobs = state.restores.list();
    // Filters match the target; no filter lists every job of the instance.
    if (request.db_name !== '') {
      jobs = jobs.filter((job) => job.targetDatabase === request.db_name);
    }
    if (request.collection_name !== '') {
      const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
      jobs = jobs.filter((job) => job.targetCollectionId === collection.id);
    }
    return { status: successStatus(), jobs: jobs.map(jobInfo) };
  }),
};

function jobInfo(job: RestoreJob): object {
  return {
    job_id: job.id,
    snapshot_name: job.snapshotName,
    db_name: job.targetDatabase,
    collection_name: job.targetCollection,
    state: job.state,
    progress: job.progress,
    reason: job.reason,
    start_time: String(job.timeline.startMs),
    time_cost: String(job.timeCostMs),
  };
}
