/** What became of a late application: still waiting, or applied with this status. */
export type LateApplicationState = 'pending' | 'applied' | 'failed';

/** A call the client was told failed, whose change the server makes later anyway. */
export interface LateApplication {
  readonly id: number;
  readonly method: string;
  readonly database: string;
  readonly collection?: string;
  /** Emulator clock time the request arrived. */
  readonly receivedAtMs: number;
  /** Emulator clock time the change is made. */
  readonly dueAtMs: number;
  state: LateApplicationState;
  /** Milvus code of the applied call (0 for success); set once applied. */
  code?: number;
  reason?: string;
}

/** The outcome of performing a late call: its Milvus status (gRPC failures map to a code too). */
export interface AppliedStatus {
  readonly code: number;
  readonly reason: string;
}

interface Entry {
  readonly record: LateApplication;
  readonly apply: () => AppliedStatus;
}

/**
 * Calls answered with a failure now and applied later (a fault rule's `applyAfterMs`), kept in
 * the order they fall due. Nothing runs on a timer: the emulator applies what is due before it
 * serves any call or answers the inspector, at the due time, so a ManualClock controls when the
 * change happens and what it is stamped with.
 */
export class LateApplicationQueue {
  #entries: Entry[] = [];
  #serial = 0;

  /** Schedules a call. */
  add(record: Omit<LateApplication, 'id' | 'state'>, apply: () => AppliedStatus): LateApplication {
    this.#serial += 1;
    const entry: Entry = { record: { ...record, id: this.#serial, state: 'pending' }, apply };
    this.#entries.push(entry);
    return entry.record;
  }

  /** The pending calls due at or before `nowMs`, earliest first (then in arrival order). */
  due(nowMs: number): readonly Entry[] {
    return this.#entries
      .filter((e) => e.record.state === 'pending' && e.record.dueAtMs <= nowMs)
      .sort((a, b) => a.record.dueAtMs - b.record.dueAtMs || a.record.id - b.record.id);
  }

  /** Performs one due call and records its outcome. */
  run(entry: Entry): void {
    const { code, reason } = entry.apply();
    entry.record.state = code === 0 ? 'applied' : 'failed';
    entry.record.code = code;
    entry.record.reason = reason;
  }

  /** Every late call, pending or done, in arrival order. */
  all(): readonly LateApplication[] {
    return this.#entries.map((e) => e.record);
  }

  /** When the next pending call falls due, or undefined when none is pending. */
  nextDueMs(): number | undefined {
    let next: number | undefined;
    for (const { record } of this.#entries) {
      if (record.state === 'pending' && (next === undefined || record.dueAtMs < next)) {
        next = record.dueAtMs;
      }
    }
    return next;
  }
}
