import { randomBytes } from 'node:crypto';

// Real Milvus IDs come from its TSO-based allocator and are around 4.6e17: well beyond
// Number.MAX_SAFE_INTEGER. Starting there makes a client that does Number(job_id) fail here too,
// instead of only in production.
const FIRST_ID = 464_251_032_129_000_000n;

/** Hands out unique, increasing int64 IDs (as decimal strings, the way the SDK receives them). */
export class IdAllocator {
  #next: bigint;

  constructor(first: bigint = FIRST_ID) {
    this.#next = first;
  }

  /** The ID `next()` will hand out, without taking it. */
  peek(): string {
    return this.#next.toString();
  }

  /** Makes `next()` hand out at least `id` (IDs never repeat across a restart). */
  advanceTo(id: bigint): void {
    if (id > this.#next) {
      this.#next = id;
    }
  }

  /** The next ID. */
  next(): string {
    const id = this.#next;
    this.#next += 1n;
    return id.toString();
  }
}

const INT64_MAX = (1n << 63n) - 1n;

/** A random positive int64 as a decimal string (how the server allocates pin IDs). */
export function randomPositiveInt64(): string {
  const value = randomBytes(8).readBigUInt64BE() & INT64_MAX;
  return (value === 0n ? 1n : value).toString();
}
