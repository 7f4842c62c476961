import * as z from 'zod';
import { type RecordScope, ReportKeys, type ReportStore } from '../reports/report-store';

/**
 * The ledger's records of swaps. A restore with `swap` renames the original collection to
 * `<name>_replaced_<stamp>` and the restored copy to `<name>`; Milvus keeps each snapshot with its
 * collection, through the renames, while the snapshot ledger files records by collection name. A
 * swap record links the names a swap moved collections between, and the Milvus ids that say which
 * collection is which, so the records can follow the snapshots (see swap-follow.ts) — after the
 * swap, after a swap that stopped half-way, and after a swap undone by renaming back — and so a
 * run knows the set-aside original for what it is.
 */

/** Where a swap is. */
export const SWAP_RECORD_STATES = [
  /** Recorded before the first rename: the renames may have happened, one, both or none. */
  'swapping',
  /** Both renames are done and checked: the original is `replacedAs`, the restored copy `original`. */
  'swapped',
] as const;

/** The ledger's record of one swap. */
export const swapRecordSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('swap'),
    deploymentId: z.string().min(1),
    clusterKey: z.string().min(1),
    database: z.string().min(1),
    /** The name the application uses: the original's before the swap, the restored copy's after. */
    original: z.string().min(1),
    /** The name the original was set aside under (`<original>_replaced_<stamp>`). */
    replacedAs: z.string().min(1),
    /** The restored copy's own name, before it took the original's. */
    restoredAs: z.string().min(1),
    /** Milvus' id of the original collection, read before the first rename: renames keep it. */
    originalId: z.string().min(1),
    /** Milvus' id of the restored copy. */
    restoredId: z.string().min(1),
    /** The restore run that swapped. */
    runId: z.string().min(1),
    state: z.enum(SWAP_RECORD_STATES),
    updatedBy: z.string().min(1),
    updatedAt: z.iso.datetime(),
  })
  .strict();

/** The ledger's record of one swap. */
export type SwapRecord = z.infer<typeof swapRecordSchema>;

/** The swap records of one deployment, on one cluster. */
export class SwapLedger {
  public constructor(
    private readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>,
    public readonly scope: RecordScope,
  ) {}

  /** The record of the swap that set an original aside as `replacedAs`, or undefined (an unreadable one proves nothing). */
  public async read(database: string, replacedAs: string): Promise<SwapRecord | undefined> {
    const parsed = swapRecordSchema.safeParse(
      await this.store.getJson(ReportKeys.ledgerSwap(this.scope, database, replacedAs)),
    );
    return parsed.success && this.inScope(parsed.data, database, replacedAs) ? parsed.data : undefined;
  }

  /** Every swap record of a database (there are few: one per swap ever made). */
  public async list(database: string): Promise<SwapRecord[]> {
    const keys = await this.store.list(ReportKeys.ledgerSwaps(this.scope, database));
    const values = await Promise.all(keys.map((key) => this.store.getJson(key)));
    const records: SwapRecord[] = [];
    keys.forEach((key, i) => {
      const parsed = swapRecordSchema.safeParse(values[i]);
      if (
        parsed.success &&
        this.inScope(parsed.data, database, parsed.data.replacedAs) &&
        ReportKeys.ledgerSwap(this.scope, database, parsed.data.replacedAs) === key
      ) {
        records.push(parsed.data);
      }
    });
    return records;
  }

  /** Records a swap, only if there is no record for its `replacedAs` yet. */
  public async create(record: SwapRecord): Promise<boolean> {
    return this.store.createJson(this.keyOf(record), swapRecordSchema.parse(record));
  }

  public async write(record: SwapRecord): Promise<void> {
    await this.store.putJson(this.keyOf(record), swapRecordSchema.parse(record));
  }

  /** Removes a record: its swap never happened (its renames were undone before the step ended). */
  public async remove(record: Pick<SwapRecord, 'database' | 'replacedAs'>): Promise<void> {
    await this.store.delete(this.keyOf(record));
  }

  private keyOf(record: Pick<SwapRecord, 'database' | 'replacedAs'>): string {
    return ReportKeys.ledgerSwap(this.scope, record.database, record.replacedAs);
  }

  private inScope(record: SwapRecord, database: string, replacedAs: string): boolean {
    return (
      record.deploymentId === this.scope.deploymentId &&
      record.clusterKey === this.scope.clusterKey &&
      record.database === database &&
      record.replacedAs === replacedAs
    );
  }
}

/** The names a swap links: the application's, the set-aside original's, the restored copy's own. */
export function swapNames(swap: Pick<SwapRecord, 'original' | 'replacedAs' | 'restoredAs'>): string[] {
  return [...new Set([swap.original, swap.replacedAs, swap.restoredAs])];
}

/** The swaps that link `collection` to other names. */
export function swapsOf(swaps: readonly SwapRecord[], collection: string): SwapRecord[] {
  return swaps.filter((s) => swapNames(s).includes(collection));
}
