import type { Collection, RowCounts } from './collection';
import type { EmulatorState } from './emulator-state';
import type { LateApplicationState } from './late-applications';
import type { RestoreState } from './restore-timeline';
import type { Snapshot } from './snapshot-registry';

/** A collection as the inspector reports it. */
export interface CollectionSummary {
  readonly database: string;
  readonly name: string;
  readonly id: string;
  readonly loaded: boolean;
  readonly shardsNum: number;
  readonly partitions: readonly string[];
  readonly indexes: readonly {
    readonly field: string;
    readonly name: string;
    readonly params: Record<string, string>;
  }[];
  readonly rows: RowCounts;
  readonly createdAtMs: number;
}

/** A snapshot as the inspector reports it. */
export interface SnapshotSummary {
  readonly name: string;
  readonly description: string;
  readonly database: string;
  readonly collection: string;
  /** Hybrid timestamp, as DescribeSnapshot returns it. */
  readonly createTs: string;
  readonly createdAtMs: number;
  /** Whether a user pin or a running restore holds it (DropSnapshot would answer 2601). */
  readonly pinned: boolean;
  /** Rows a restore of it would produce. */
  readonly rowCount: number;
  readonly segments: number;
  /** True for a snapshot kept only because a pin held it when its collection was dropped. */
  readonly collectionDropped: boolean;
}

/** A pin that currently holds a snapshot. */
export interface PinSummary {
  readonly pinId: string;
  readonly kind: 'user' | 'restore';
  readonly database: string;
  readonly collection: string;
  readonly snapshot: string;
  /** Epoch ms when it lapses; null = until unpinned (or until its restore ends). */
  readonly expiresAtMs: number | null;
  readonly jobId?: string;
}

/** A restore job as the inspector reports it. */
export interface RestoreJobSummary {
  readonly jobId: string;
  readonly snapshot: string;
  readonly source: { readonly database: string; readonly collection: string };
  readonly target: { readonly database: string; readonly collection: string };
  readonly state: RestoreState;
  readonly progress: number;
  readonly reason: string;
  readonly startTimeMs: number;
  /** Milliseconds the restore took (Completed jobs only, else 0). */
  readonly timeCostMs: number;
  readonly endedAtMs: number | null;
}

/** A call answered with a failure and applied later (fault rule `applyAfterMs`). */
export interface LateApplicationSummary {
  readonly method: string;
  readonly database: string;
  readonly collection?: string;
  readonly receivedAtMs: number;
  readonly dueAtMs: number;
  /** `pending` until due; then `applied`, or `failed` when the call answered an error. */
  readonly state: LateApplicationState;
  /** The Milvus code the applied call answered (0 for success); absent while pending. */
  readonly code?: number;
  readonly reason?: string;
}

/**
 * A read-only view of the emulator's state for tests and the local runner. Every method returns
 * fresh plain objects, computed at the emulator clock's current time.
 */
export interface EmulatorInspector {
  databases(): string[];
  /** Collections of one database, or of all databases. */
  collections(database?: string): CollectionSummary[];
  /**
   * Snapshots of a collection: those of the live collection of that name, plus any kept after
   * a collection of that name was dropped because a pin still held them.
   */
  snapshots(database: string, collection: string): SnapshotSummary[];
  /** Pins holding snapshots right now. */
  pins(): PinSummary[];
  /** Restore jobs the server still remembers. */
  restoreJobs(): RestoreJobSummary[];
  /** Row counts of a collection, or undefined if it does not exist. */
  rowCounts(database: string, collection: string): RowCounts | undefined;
  /**
   * Calls answered with a failure whose change is made later, pending or done, in arrival
   * order. Anything due by the clock is applied first.
   */
  lateApplications(): LateApplicationSummary[];
}

/** Builds the inspector over the emulator state. */
export function createInspector(state: EmulatorState): EmulatorInspector {
  const settled = (): EmulatorState => {
    state.settle();
    return state;
  };
  const find = (database: string, name: string): Collection | undefined =>
    settled().databases.get(database)?.collections.get(name);

  return {
    databases: () => [...settled().databases.keys()],
    collections: (database) =>
      [...settled().databases.values()]
        .filter((d) => database === undefined || d.name === database)
        .flatMap((d) => [...d.collections.values()].map(summarizeCollection)),
    snapshots: (database, name) => {
      const live = find(database, name);
      const now = state.now();
      const { snapshots } = state;
      const kept = snapshots
        .all()
        .filter((s) => snapshots.isOrphaned(s.id) && s.database === database && s.collectionName === name);
      return [...(live === undefined ? [] : snapshots.list(live.id)), ...kept].map((s) =>
        summarizeSnapshot(s, snapshots.isPinned(s.id, now), snapshots.isOrphaned(s.id)),
      );
    },
    pins: () => {
      const now = settled().now();
      return state.snapshots.activePins(now).map((pin) => {
        const snapshot = state.snapshots.byId(pin.snapshotId);
        return {
          pinId: pin.id,
          kind: pin.kind,
          database: snapshot?.database ?? '',
          collection: snapshot?.collectionName ?? '',
          snapshot: snapshot?.name ?? '',
          expiresAtMs: pin.expiresAtMs ?? null,
          ...(pin.jobId === undefined ? {} : { jobId: pin.jobId }),
        };
      });
    },
    restoreJobs: () =>
      settled()
        .restores.list()
        .map((job) => ({
          jobId: job.id,
          snapshot: job.snapshotName,
          source: { database: job.sourceDatabase, collection: job.sourceCollection },
          target: { database: job.targetDatabase, collection: job.targetCollection },
          state: job.state,
          progress: job.progress,
          reason: job.reason,
          startTimeMs: job.timeline.startMs,
          timeCostMs: job.timeCostMs,
          endedAtMs: job.endedAtMs ?? null,
        })),
    rowCounts: (database, name) => find(database, name)?.rowCounts(),
    lateApplications: () =>
      settled()
        .late.all()
        .map((late) => ({ ...late }))
        .map(({ id: _id, ...rest }) => rest),
  };
}

function summarizeCollection(collection: Collection): CollectionSummary {
  return {
    database: collection.database,
    name: collection.name,
    id: collection.id,
    loaded: collection.loaded,
    shardsNum: collection.shardsNum,
    partitions: [...collection.partitions.keys()],
    indexes: [...collection.indexes.values()].map((index) => ({
      field: index.fieldName,
      name: index.indexName,
      params: Object.fromEntries(index.params.map((p) => [p.key, p.value])),
    })),
    rows: collection.rowCounts(),
    createdAtMs: collection.createdAtMs,
  };
}

function summarizeSnapshot(snapshot: Snapshot, pinned: boolean, collectionDropped: boolean): SnapshotSummary {
  const { segments, deletes } = snapshot.content;
  let rowCount = 0;
  for (const segment of segments) {
    for (const row of segment.rows) {
      const deletedAt = deletes.get(row.pk);
      if (deletedAt === undefined || deletedAt < row.seq) {
        rowCount++;
      }
    }
  }
  return {
    name: snapshot.name,
    description: snapshot.description,
    database: snapshot.database,
    collection: snapshot.collectionName,
    createTs: snapshot.createTs.toString(),
    createdAtMs: snapshot.createdAtMs,
    pinned,
    rowCount,
    segments: segments.length,
    collectionDropped,
  };
}
