/** One RPC the emulator received. */
export interface CallRecord {
  /** gRPC method name, e.g. `CreateSnapshot`. */
  readonly method: string;
  /** Emulator clock time (epoch ms) when the call arrived. */
  readonly at: number;
  /** The database the call addressed (`db_name`, else the `dbname` metadata, else `default`). */
  readonly database: string;
  /** The collection named by the request (for RestoreSnapshot, the source), if any. */
  readonly collection?: string;
}

/**
 * Every RPC received, in arrival order, including calls later refused (auth, faults) and calls
 * to methods the emulator does not implement. Tests use it to prove that no Milvus call was made;
 * benchmarks use it to count RPCs.
 */
export interface CallLog {
  /** The records, oldest first. */
  readonly entries: readonly CallRecord[];
  /** Number of calls to `method`, or of all calls when omitted. */
  count(method?: string): number;
  /** Forgets every record. */
  reset(): void;
}

/** The emulator's call log. */
export class RecordingCallLog implements CallLog {
  #entries: CallRecord[] = [];

  get entries(): readonly CallRecord[] {
    return this.#entries;
  }

  record(entry: CallRecord): void {
    this.#entries.push(entry);
  }

  count(method?: string): number {
    if (method === undefined) {
      return this.#entries.length;
    }
    let n = 0;
    for (const entry of this.#entries) {
      if (entry.method === method) {
        n++;
      }
    }
    return n;
  }

  reset(): void {
    this.#entries = [];
  }
}
