import type { CollectionSchemaModel } from './collection-schema';
import { fnv1a } from './fnv1a';
import type { Row } from './row';
import type { WireKeyValue } from './wire-types';

/** Name of the partition every collection has. */
export const DEFAULT_PARTITION = '_default';

/** A partition of a collection. */
export interface PartitionInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
}

/** An index on one field. */
export interface IndexInfo {
  readonly indexId: string;
  readonly indexName: string;
  readonly fieldName: string;
  /** As given to CreateIndex (`index_type`, `metric_type`, `params`, ...). */
  readonly params: readonly WireKeyValue[];
}

/** A flushed segment: immutable, so snapshots and restores can share its rows. */
export interface SegmentData {
  readonly id: string;
  readonly partition: string;
  readonly shard: number;
  readonly rows: readonly Row[];
}

/** What a snapshot captures: metadata plus the sealed segments and the flushed deletes. */
export interface SnapshotContent {
  readonly schema: CollectionSchemaModel;
  readonly shardsNum: number;
  readonly consistencyLevel: string;
  readonly properties: readonly WireKeyValue[];
  readonly partitions: readonly string[];
  readonly indexes: readonly IndexInfo[];
  readonly segments: readonly SegmentData[];
  /** Primary key → sequence number of its latest flushed delete. */
  readonly deletes: ReadonlyMap<string, number>;
}

/** Row counts of a collection. */
export interface RowCounts {
  /** Rows in flushed (sealed) segments, deleted or not: what GetCollectionStatistics reports. */
  readonly sealed: number;
  /** Rows still in growing segments (not yet flushed). */
  readonly growing: number;
  /** Rows hidden by a delete. */
  readonly deleted: number;
  /** Rows a query sees: `sealed + growing - deleted`. */
  readonly visible: number;
}

/** Everything needed to create a collection. */
export interface CollectionInit {
  readonly id: string;
  readonly database: string;
  readonly name: string;
  readonly schema: CollectionSchemaModel;
  readonly shardsNum: number;
  readonly consistencyLevel: string;
  readonly properties: readonly WireKeyValue[];
  readonly createdAtMs: number;
  readonly createdTs: bigint;
  readonly defaultPartitionId: string;
}

/** A collection's data as plain structures, for saving and restoring the emulator's state. */
export interface CollectionData {
  /** Oldest first. Flushed rows are frozen arrays, possibly shared with snapshots. */
  readonly segments: readonly {
    readonly id: string;
    readonly partition: string;
    readonly shard: number;
    readonly state: 'growing' | 'flushed';
    readonly rows: readonly Row[];
  }[];
  /** Primary key → sequence number of its latest delete, flushed or not. */
  readonly deleteSeq: ReadonlyMap<string, number>;
  readonly unflushedDeletes: ReadonlyMap<string, number>;
  readonly flushedDeletes: ReadonlyMap<string, number>;
}

interface MutableSegment {
  readonly id: string;
  readonly partition: string;
  readonly shard: number;
  state: 'growing' | 'flushed';
  rows: Row[];
}

/**
 * A collection's data, modelled the way snapshots see it: inserts land in growing segments (one
 * per partition and shard), Flush seals them, and deletes are tombstones that only become part
 * of the persisted state when flushed.
 */
export class Collection {
  readonly id: string;
  readonly schema: CollectionSchemaModel;
  readonly shardsNum: number;
  readonly consistencyLevel: string;
  readonly properties: readonly WireKeyValue[];
  readonly createdAtMs: number;
  readonly createdTs: bigint;
  readonly partitions = new Map<string, PartitionInfo>();
  /** Indexes by field name. */
  readonly indexes = new Map<string, IndexInfo>();
  loaded = false;

  #database: string;
  #name: string;
  #segments: MutableSegment[] = [];
  #growing = new Map<string, MutableSegment>();
  #deleteSeq = new Map<string, number>();
  #unflushedDeletes = new Map<string, number>();
  #flushedDeletes = new Map<string, number>();

  constructor(init: CollectionInit) {
    this.id = init.id;
    this.#database = init.database;
    this.#name = init.name;
    this.schema = init.schema;
    this.shardsNum = init.shardsNum;
    this.consistencyLevel = init.consistencyLevel;
    this.properties = init.properties;
    this.createdAtMs = init.createdAtMs;
    this.createdTs = init.createdTs;
    this.partitions.set(DEFAULT_PARTITION, {
      id: init.defaultPartitionId,
      name: DEFAULT_PARTITION,
      createdAtMs: init.createdAtMs,
    });
  }

  /** The database the collection lives in (RenameCollection can move it). */
  get database(): string {
    return this.#database;
  }

  /** The collection's name (RenameCollection can change it). */
  get name(): string {
    return this.#name;
  }

  /** Gives the collection a new database and name; the caller re-registers it under them. */
  moveTo(database: string, name: string): void {
    this.#database = database;
    this.#name = name;
  }

  /** Flushed segments, oldest first: what GetPersistentSegmentInfo reports. */
  flushedSegments(): { readonly id: string; readonly partition: string; readonly rows: number }[] {
    return this.#segments
      .filter((s) => s.state === 'flushed')
      .map((s) => ({ id: s.id, partition: s.partition, rows: s.rows.length }));
  }

  /** Adds a partition. */
  addPartition(partition: PartitionInfo): void {
    this.partitions.set(partition.name, partition);
  }

  /** Appends rows to the growing segments of `partition`, routed to shards by primary key. */
  insert(partition: string, rows: readonly Row[], newSegmentId: () => string): void {
    for (const row of rows) {
      const shard = this.shardsNum <= 1 ? 0 : fnv1a(row.pk) % this.shardsNum;
      const key = `${partition}\u0000${shard}`;
      let segment = this.#growing.get(key);
      if (segment === undefined) {
        segment = { id: newSegmentId(), partition, shard, state: 'growing', rows: [] };
        this.#growing.set(key, segment);
        this.#segments.push(segment);
      }
      segment.rows.push(row);
    }
  }

  /** Records deletes of `pks` at mutation sequence `seq`; returns how many visible rows they hid. */
  delete(pks: Iterable<string>, seq: number): number {
    const targets = new Set(pks);
    let hidden = 0;
    for (const segment of this.#segments) {
      for (const row of segment.rows) {
        if (targets.has(row.pk) && this.#isVisible(row)) {
          hidden++;
        }
      }
    }
    for (const pk of targets) {
      this.#deleteSeq.set(pk, seq);
      this.#unflushedDeletes.set(pk, seq);
    }
    return hidden;
  }

  /** Seals every growing segment and persists pending deletes. */
  flush(): { sealedSegmentIds: string[]; flushedSegmentIds: string[] } {
    const sealedSegmentIds: string[] = [];
    for (const segment of this.#growing.values()) {
      segment.state = 'flushed';
      Object.freeze(segment.rows);
      sealedSegmentIds.push(segment.id);
    }
    this.#growing.clear();
    for (const [pk, seq] of this.#unflushedDeletes) {
      this.#flushedDeletes.set(pk, seq);
    }
    this.#unflushedDeletes.clear();
    const flushedSegmentIds = this.#segments.filter((s) => s.state === 'flushed').map((s) => s.id);
    return { sealedSegmentIds, flushedSegmentIds };
  }

  /** Whether a segment of this collection has been flushed (unknown segments count as flushed). */
  isSegmentFlushed(segmentId: string): boolean {
    const segment = this.#segments.find((s) => s.id === segmentId);
    return segment === undefined || segment.state === 'flushed';
  }

  /** Rows a query sees (not deleted), optionally only from some partitions. */
  visibleRows(partitions?: ReadonlySet<string>): Row[] {
    const rows: Row[] = [];
    for (const segment of this.#segments) {
      if (partitions !== undefined && partitions.size > 0 && !partitions.has(segment.partition)) {
        continue;
      }
      for (const row of segment.rows) {
        if (this.#isVisible(row)) {
          rows.push(row);
        }
      }
    }
    return rows;
  }

  /** Row counts by segment state. */
  rowCounts(): RowCounts {
    let sealed = 0;
    let growing = 0;
    let deleted = 0;
    for (const segment of this.#segments) {
      if (segment.state === 'flushed') {
        sealed += segment.rows.length;
      } else {
        growing += segment.rows.length;
      }
      for (const row of segment.rows) {
        if (!this.#isVisible(row)) {
          deleted++;
        }
      }
    }
    return { sealed, growing, deleted, visible: sealed + growing - deleted };
  }

  /** Captures the persisted state: sealed segments and flushed deletes only (no implicit flush). */
  captureSnapshot(): SnapshotContent {
    return {
      schema: this.schema,
      shardsNum: this.shardsNum,
      consistencyLevel: this.consistencyLevel,
      properties: this.properties,
      partitions: [...this.partitions.keys()],
      indexes: [...this.indexes.values()],
      segments: this.#segments
        .filter((s) => s.state === 'flushed')
        .map(({ id, partition, shard, rows }) => ({ id, partition, shard, rows })),
      deletes: new Map(this.#flushedDeletes),
    };
  }

  /** Adopts the deletes of a snapshot being restored into this collection. */
  adoptDeletes(deletes: ReadonlyMap<string, number>): void {
    for (const [pk, seq] of deletes) {
      this.#flushedDeletes.set(pk, seq);
      if ((this.#deleteSeq.get(pk) ?? -1) < seq) {
        this.#deleteSeq.set(pk, seq);
      }
    }
  }

  /** Adds a copy of a snapshot segment (under a new ID) as a flushed segment. */
  addCopiedSegment(segment: SegmentData, newId: string): void {
    this.#segments.push({
      id: newId,
      partition: segment.partition,
      shard: segment.shard,
      state: 'flushed',
      // The rows are frozen and shared with the snapshot: copying the segment is free.
      rows: segment.rows as Row[],
    });
  }

  /** The collection's data, by reference (the caller must not change it). */
  exportData(): CollectionData {
    return {
      segments: this.#segments,
      deleteSeq: this.#deleteSeq,
      unflushedDeletes: this.#unflushedDeletes,
      flushedDeletes: this.#flushedDeletes,
    };
  }

  /** Replaces the collection's data with saved data (a fresh collection, while loading a state). */
  importData(data: CollectionData): void {
    this.#segments = data.segments.map((segment) => ({
      id: segment.id,
      partition: segment.partition,
      shard: segment.shard,
      state: segment.state,
      // Growing segments keep receiving rows; flushed ones are shared and never change.
      rows: segment.state === 'growing' ? [...segment.rows] : (Object.freeze(segment.rows) as Row[]),
    }));
    this.#growing = new Map(
      this.#segments.filter((s) => s.state === 'growing').map((s) => [`${s.partition}\u0000${s.shard}`, s]),
    );
    this.#deleteSeq = new Map(data.deleteSeq);
    this.#unflushedDeletes = new Map(data.unflushedDeletes);
    this.#flushedDeletes = new Map(data.flushedDeletes);
  }

  #isVisible(row: Row): boolean {
    const deletedAt = this.#deleteSeq.get(row.pk);
    return deletedAt === undefined || deletedAt < row.seq;
  }
}
