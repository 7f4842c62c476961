import type { Clock } from './clock';
import type { Collection } from './collection';
import { Database, DEFAULT_DATABASE } from './database';
import { HybridTimestampOracle } from './hybrid-timestamp';
import { IdAllocator } from './id-allocator';
import { LateApplicationQueue } from './late-applications';
import { collectionNotFound, databaseNotFound } from './milvus-errors';
import { type RestoreEnvironment, type RestoreJob, RestoreJobRegistry } from './restore-jobs';
import { type Pin, type Snapshot, SnapshotRegistry } from './snapshot-registry';

/** Timing knobs of the emulated server. */
export interface EmulatorSettings {
  /** How long terminal restore jobs stay listed. */
  readonly restoreJobRetentionMs: number;
  /** How long after a restore ends its automatic pin is released (the server's tick). */
  readonly pinReleaseLagMs: number;
  /** When the server gives up on a restore job (reason "timeout"). */
  readonly restoreTimeoutMs: number;
  /** How long a non-empty restore takes when the fault plan does not say. */
  readonly defaultRestoreDurationMs: number;
}

/** A saved state, rebuilt into live objects, for {@link EmulatorState.adopt}. */
export interface AdoptedState {
  readonly databases: readonly Database[];
  /** In any order; each is registered in its database. */
  readonly collections: readonly Collection[];
  readonly snapshots: readonly Snapshot[];
  readonly orphanedSnapshotIds: readonly string[];
  readonly pins: readonly Pin[];
  readonly restoreJobs: readonly RestoreJob[];
  readonly nextId: bigint;
  readonly tsoFloor: bigint;
  readonly lastSeq: number;
}

/** Everything the emulated Milvus server holds in memory. */
export class EmulatorState {
  readonly ids = new IdAllocator();
  readonly tso: HybridTimestampOracle;
  readonly databases = new Map<string, Database>();
  readonly snapshots = new SnapshotRegistry();
  readonly restores: RestoreJobRegistry;
  /** Calls answered with a failure now and applied later (fault rules with `applyAfterMs`). */
  readonly late = new LateApplicationQueue();
  #seq = 0;
  // While a late call is applied, "now" is its due time, so everything it stamps (create_ts,
  // restore start times, pin expiries) reads as if it had happened then.
  #timeOverrideMs: number | undefined;
  #collectionsById = new Map<string, Collection>();
  readonly #restoreEnvironment: RestoreEnvironment;

  constructor(
    readonly clock: Clock,
    readonly settings: EmulatorSettings,
  ) {
    this.tso = new HybridTimestampOracle({ now: () => this.now() });
    this.restores = new RestoreJobRegistry(settings.restoreJobRetentionMs);
    this.databases.set(DEFAULT_DATABASE, new Database(DEFAULT_DATABASE, '1', clock.now()));
    this.#restoreEnvironment = {
      targetCollection: (job) => this.#collectionsById.get(job.targetCollectionId),
      copySegment: (target, segment) => target.addCopiedSegment(segment, this.ids.next()),
      restoreEnded: (job) =>
        this.snapshots.expirePin(
          job.pinId,
          (job.endedAtMs ?? this.clock.now()) + this.settings.pinReleaseLagMs,
        ),
    };
  }

  /** Current clock time (the due time while a late call is applied). */
  now(): number {
    return this.#timeOverrideMs ?? this.clock.now();
  }

  /** The next mutation sequence number (orders inserts against deletes). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** The last mutation sequence number handed out. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Replaces everything the server holds with a saved state (see state-file.ts). The ID
   * allocator, the TSO floor and the mutation sequence only move forward.
   */
  adopt(saved: AdoptedState): void {
    this.databases.clear();
    this.#collectionsById.clear();
    for (const database of saved.databases) {
      this.databases.set(database.name, database);
    }
    for (const collection of saved.collections) {
      this.addCollection(collection);
    }
    for (const snapshot of saved.snapshots) {
      this.snapshots.add(snapshot);
    }
    for (const pin of saved.pins) {
      this.snapshots.pin(pin);
    }
    for (const id of saved.orphanedSnapshotIds) {
      this.snapshots.markOrphaned(id);
    }
    for (const job of saved.restoreJobs) {
      this.restores.adopt(job);
    }
    this.ids.advanceTo(saved.nextId);
    this.tso.raiseFloor(saved.tsoFloor);
    this.#seq = Math.max(this.#seq, saved.lastSeq);
  }

  /**
   * A database by name.
   *
   * @throws MilvusStatusError 800 when it does not exist.
   */
  database(name: string): Database {
    const database = this.databases.get(name);
    if (database === undefined) {
      throw databaseNotFound(name);
    }
    return database;
  }

  /**
   * A collection (or alias) of a database.
   *
   * @throws MilvusStatusError 800 for an unknown database, 100 for an unknown collection.
   */
  collection(databaseName: string, name: string): Collection {
    const collection = this.database(databaseName).resolve(name);
    if (collection === undefined) {
      throw collectionNotFound(databaseName, name);
    }
    return collection;
  }

  /** A live collection by ID. */
  collectionById(id: string): Collection | undefined {
    return this.#collectionsById.get(id);
  }

  /** Registers a new collection in its database. */
  addCollection(collection: Collection): void {
    this.database(collection.database).add(collection);
    this.#collectionsById.set(collection.id, collection);
  }

  /** Removes a collection; its snapshots go with it unless pinned. */
  removeCollection(collection: Collection): void {
    this.databases.get(collection.database)?.remove(collection);
    this.#collectionsById.delete(collection.id);
    this.snapshots.collectionDropped(collection.id, this.now());
  }

  /**
   * Gives a collection a new name, possibly in another database. Its ID, data, snapshots and
   * aliases stay with it (the caller checked that a move across databases has no aliases).
   */
  renameCollection(collection: Collection, database: string, name: string): void {
    const target = this.database(database);
    this.databases.get(collection.database)?.remove(collection);
    collection.moveTo(database, name);
    target.add(collection);
  }

  /**
   * Brings time-driven state up to the clock: late calls that are due are applied, restore jobs
   * advance (copying segments, ending, releasing their pins), expired pins and jobs are
   * forgotten. Runs before every call, so nothing needs a timer and a ManualClock fully
   * controls what clients observe.
   */
  settle(): void {
    if (this.#timeOverrideMs === undefined) {
      // Late calls are applied in due order, each after the state was brought up to its time.
      for (const entry of this.late.due(this.clock.now())) {
        this.#settleAt(entry.record.dueAtMs);
        this.#timeOverrideMs = entry.record.dueAtMs;
        try {
          this.late.run(entry);
        } finally {
          this.#timeOverrideMs = undefined;
        }
      }
    }
    this.#settleAt(this.now());
  }

  #settleAt(nowMs: number): void {
    this.restores.settle(nowMs, this.#restoreEnvironment);
    this.snapshots.sweep(nowMs);
  }
}
