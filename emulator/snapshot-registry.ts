import type { SnapshotContent } from './collection';

/** A snapshot of a collection. */
export interface Snapshot {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly collectionId: string;
  readonly collectionName: string;
  readonly database: string;
  /** Hybrid timestamp (TSO) of creation. */
  readonly createTs: bigint;
  readonly createdAtMs: number;
  readonly s3Location: string;
  readonly compactionProtectionSeconds: number;
  readonly content: SnapshotContent;
}

/** A pin holding a snapshot's data: taken by a user (PinSnapshotData) or by a running restore. */
export interface Pin {
  readonly id: string;
  readonly snapshotId: string;
  readonly kind: 'user' | 'restore';
  readonly createdAtMs: number;
  /** When the pin stops holding; undefined = until unpinned (or until its restore ends). */
  expiresAtMs: number | undefined;
  /** For restore pins, the job that holds it. */
  readonly jobId?: string;
}

/**
 * Snapshots by collection (names are unique per collection, not globally) and the pins on them.
 * Snapshots of a dropped collection are kept only while a pin holds them.
 */
export class SnapshotRegistry {
  #byCollection = new Map<string, Map<string, Snapshot>>();
  #byId = new Map<string, Snapshot>();
  #orphans = new Set<string>();
  #pins = new Map<string, Pin>();
  #pinsBySnapshot = new Map<string, Set<string>>();
  // Earliest pin expiry: lets sweep() return at once on the hot path (it runs before every call).
  #nextExpiryMs = Number.POSITIVE_INFINITY;

  /** Registers a new snapshot. */
  add(snapshot: Snapshot): void {
    let named = this.#byCollection.get(snapshot.collectionId);
    if (named === undefined) {
      named = new Map();
      this.#byCollection.set(snapshot.collectionId, named);
    }
    named.set(snapshot.name, snapshot);
    this.#byId.set(snapshot.id, snapshot);
  }

  /** The snapshot `name` of a (live) collection. */
  find(collectionId: string, name: string): Snapshot | undefined {
    return this.#byCollection.get(collectionId)?.get(name);
  }

  /** The snapshots of a (live) collection, oldest first. */
  list(collectionId: string): Snapshot[] {
    return [...(this.#byCollection.get(collectionId)?.values() ?? [])];
  }

  /** Every snapshot still held, including pinned snapshots of dropped collections. */
  all(): Snapshot[] {
    return [...this.#byId.values()];
  }

  /** A snapshot by ID (also finds pinned snapshots of dropped collections). */
  byId(snapshotId: string): Snapshot | undefined {
    return this.#byId.get(snapshotId);
  }

  /** Whether the snapshot's collection was dropped while the snapshot was pinned. */
  isOrphaned(snapshotId: string): boolean {
    return this.#orphans.has(snapshotId);
  }

  /** Marks a snapshot as kept only by its pins (its collection is gone); for a restored state. */
  markOrphaned(snapshotId: string): void {
    if (this.#byId.has(snapshotId)) {
      const snapshot = this.#byId.get(snapshotId);
      if (snapshot !== undefined) {
        this.#byCollection.get(snapshot.collectionId)?.delete(snapshot.name);
      }
      this.#orphans.add(snapshotId);
    }
  }

  /** Every pin not yet forgotten, expired or not. */
  allPins(): Pin[] {
    return [...this.#pins.values()];
  }

  /** Removes a snapshot (the caller checked it is not pinned). */
  remove(snapshot: Snapshot): void {
    this.#byCollection.get(snapshot.collectionId)?.delete(snapshot.name);
    this.#byId.delete(snapshot.id);
    this.#orphans.delete(snapshot.id);
    for (const pinId of this.#pinsBySnapshot.get(snapshot.id) ?? []) {
      this.#pins.delete(pinId);
    }
    this.#pinsBySnapshot.delete(snapshot.id);
  }

  /** Takes a pin on a snapshot. */
  pin(pin: Pin): void {
    this.#pins.set(pin.id, pin);
    this.#nextExpiryMs = Math.min(this.#nextExpiryMs, pin.expiresAtMs ?? Number.POSITIVE_INFINITY);
    let ids = this.#pinsBySnapshot.get(pin.snapshotId);
    if (ids === undefined) {
      ids = new Set();
      this.#pinsBySnapshot.set(pin.snapshotId, ids);
    }
    ids.add(pin.id);
  }

  /** Sets when a pin stops holding (a restore's pin, once the restore has ended). */
  expirePin(pinId: string, atMs: number): void {
    const pin = this.#pins.get(pinId);
    if (pin !== undefined) {
      pin.expiresAtMs = atMs;
      this.#nextExpiryMs = Math.min(this.#nextExpiryMs, atMs);
    }
  }

  /**
   * Releases a pin; unknown or already released pins are ignored (the server is idempotent).
   * A snapshot of a dropped collection goes with its last pin.
   */
  unpin(pinId: string, nowMs: number): void {
    const pin = this.#pins.get(pinId);
    if (pin === undefined) {
      return;
    }
    this.#pins.delete(pinId);
    this.#pinsBySnapshot.get(pin.snapshotId)?.delete(pinId);
    const snapshot = this.#byId.get(pin.snapshotId);
    if (snapshot !== undefined && this.#orphans.has(snapshot.id) && !this.isPinned(snapshot.id, nowMs)) {
      this.remove(snapshot);
    }
  }

  /** Pins that hold their snapshot at `nowMs`. */
  activePins(nowMs: number, snapshotId?: string): Pin[] {
    const ids = snapshotId === undefined ? this.#pins.keys() : (this.#pinsBySnapshot.get(snapshotId) ?? []);
    const active: Pin[] = [];
    for (const id of ids) {
      const pin = this.#pins.get(id);
      if (pin !== undefined && isActive(pin, nowMs)) {
        active.push(pin);
      }
    }
    return active;
  }

  /** Whether any pin holds the snapshot at `nowMs`. */
  isPinned(snapshotId: string, nowMs: number): boolean {
    return this.activePins(nowMs, snapshotId).length > 0;
  }

  /**
   * Drops a collection's snapshots with it. Pinned ones survive (unreachable by name) until
   * their last pin is released or expires.
   */
  collectionDropped(collectionId: string, nowMs: number): void {
    const named = this.#byCollection.get(collectionId);
    this.#byCollection.delete(collectionId);
    for (const snapshot of named?.values() ?? []) {
      if (this.isPinned(snapshot.id, nowMs)) {
        this.#orphans.add(snapshot.id);
      } else {
        this.remove(snapshot);
      }
    }
  }

  /** Forgets expired pins, and with them orphaned snapshots nothing holds any more. */
  sweep(nowMs: number): void {
    if (nowMs < this.#nextExpiryMs) {
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    for (const pin of [...this.#pins.values()]) {
      if (!isActive(pin, nowMs)) {
        this.unpin(pin.id, nowMs);
      } else if (pin.expiresAtMs !== undefined) {
        next = Math.min(next, pin.expiresAtMs);
      }
    }
    this.#nextExpiryMs = next;
  }
}

function isActive(pin: Pin, nowMs: number): boolean {
  return pin.expiresAtMs === undefined || nowMs < pin.expiresAtMs;
}
