import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { Collection } from '../collection';
import type { EmulatorState } from '../emulator-state';
import { MilvusStatusError } from '../errors';
import { randomPositiveInt64 } from '../id-allocator';
import { keptSegments } from '../lossy-restore';
import {
  collectionNameIsAlias,
  databaseNotFound,
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
    // The proxy's checks (internal/proxy/ddl/task_snapshot.go), in its order.
    validateName('snapshot name', request.name);
    if (request.collection_name === '') {
      throw missingParameter('collection_name is required for restore snapshot');
    }
    if (request.target_collection_name === '') {
      throw missingParameter('target_collection_name is required for restore snapshot');
    }
    validateName('collection name', request.target_collection_name);
    // The database interceptor fills both empty database names with the connection's database.
    const sourceDatabase = context.databaseName(request.db_name);
    const targetDatabaseName = context.databaseName(request.target_db_name);
    const source = state.collection(sourceDatabase, request.collection_name);
    const snapshotName = request.name;
    const targetName = request.target_collection_name;

    // Then datacoord's RestoreSnapshot: pin the snapshot, check the target database, create the
    // target through rootcoord. Each failure is wrapped with the phase it happened in.
    const snapshot = state.snapshots.find(source.id, snapshotName);
    if (snapshot === undefined) {
      throw wrapped(
        snapshotNotFound(source.id, snapshotName),
        'failed to pin source snapshot under restore lock',
      );
    }
    if (!state.databases.has(targetDatabaseName)) {
      throw wrapped(
        databaseNotFound(targetDatabaseName),
        `failed to describe target database ${targetDatabaseName}`,
      );
    }
    const targetDatabase = state.database(targetDatabaseName);
    if (targetDatabase.aliases.has(targetName)) {
      throw wrapped(collectionNameIsAlias(targetName), 'failed to restore collection');
    }
    if (targetDatabase.collections.has(targetName)) {
      throw wrapped(
        unexpected(`create duplicate collection with different parameters, collection: ${targetName}`),
        'failed to restore collection',
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
    const segments =
      behaviour.outcome === 'lossy'
        ? keptSegments(content.segments, behaviour.keepFraction)
        : content.segments;
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
        // A lossy restore runs like a completed one; it just has less to copy.
        outcome: behaviour.outcome === 'lossy' ? 'completed' : behaviour.outcome,
        failureReason: behaviour.reason ?? DEFAULT_RESTORE_FAILURE_REASON,
        totalSegments: segments.length,
        timeoutMs: state.settings.restoreTimeoutMs,
      },
      segments,
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
    return { status: successStatus(), info: jobInfo(job, context.state) };
  }),

  ListRestoreSnapshotJobs: rpc((request: ListRestoreSnapshotJobsRequest, context: CallContext) => {
    const { state } = context;
    // The database interceptor fills an empty db_name with the connection's database, so a call
    // without filters lists the jobs whose target is in that database, not every job.
    const databaseName = context.databaseName(request.db_name);
    state.database(databaseName);
    let jobs = state.restores.list();
    if (request.collection_name !== '') {
      // Matches the target; a name that is neither a collection nor an alias answers 100.
      const collection = state.collection(databaseName, request.collection_name);
      jobs = jobs.filter((job) => job.targetCollectionId === collection.id);
    } else {
      jobs = jobs.filter((job) => targetDatabaseOf(job, state) === databaseName);
    }
    return { status: successStatus(), jobs: jobs.map((job) => jobInfo(job, state)) };
  }),
};

/** merr.Wrap: the code stays, the reason gains the context in front. */
function wrapped(error: MilvusStatusError, context: string): MilvusStatusError {
  return new MilvusStatusError(error.code, `${context}: ${error.reason}`);
}

/** The target's database now (it may have been renamed into another), or where it was made. */
function targetDatabaseOf(job: RestoreJob, state: EmulatorState): string {
  return state.collectionById(job.targetCollectionId)?.database ?? job.targetDatabase;
}

function jobInfo(job: RestoreJob, state: EmulatorState): object {
  // The proxy looks the names up from the target's ID each time: renamed targets show their new
  // name, and dropped ones empty strings.
  const target = state.collectionById(job.targetCollectionId);
  return {
    job_id: job.id,
    snapshot_name: job.snapshotName,
    db_name: target?.database ?? '',
    collection_name: target?.name ?? '',
    state: job.state,
    progress: job.progress,
    reason: job.reason,
    start_time: String(job.timeline.startMs),
    time_cost: String(job.timeCostMs),
  };
}
