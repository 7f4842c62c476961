import { databasesToList, type MilvusInventory, type SetAsideCollection } from './collection-selection';
import type { RuntimeConfig } from './contracts/runtime-config';
import { DrillLedger } from './ledger/drill-ledger';
import { SwapLedger } from './ledger/swap-ledger';
import type { MilvusGateway } from './milvus/milvus-gateway';
import type { RecordScope, ReportStore } from './reports/report-store';

/** Databases read at once. */
const LIST_CONCURRENCY = 8;

/**
 * Reads what the selectors are resolved against: the databases Milvus lists, the collections of
 * those the configuration looks at (see {@link databasesToList}), and the collections this
 * deployment's ledger records as its drill collections and operator restores' new collections,
 * and the originals its swaps set aside.
 * PrepareRun and the CLI's `coverage` read it the same way; without a store (the CLI without
 * `--reports`) nothing is known of the ledger, and only drill-like names are left out.
 */
export async function readMilvusInventory(
  config: RuntimeConfig,
  milvus: Pick<MilvusGateway, 'listDatabases' | 'listCollections'>,
  store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'> | undefined,
  scope: RecordScope,
): Promise<MilvusInventory> {
  const databases = await milvus.listDatabases();
  const wanted = databasesToList(config, databases);
  const collections = new Map<string, readonly string[]>();
  const ownTargets = new Map<string, 'drill' | 'restore'>();
  const setAside = new Map<string, SetAsideCollection>();
  const ledgers = store
    ? [new DrillLedger(store, scope, 'drill'), new DrillLedger(store, scope, 'restore')]
    : [];
  const swaps = store ? new SwapLedger(store, scope) : undefined;
  for (let i = 0; i < wanted.length; i += LIST_CONCURRENCY) {
    const batch = wanted.slice(i, i + LIST_CONCURRENCY);
    const read = await Promise.all(
      batch.map(async (database) => ({
        database,
        names: await milvus.listCollections(database),
        records: (await Promise.all(ledgers.map((l) => l.list(database)))).flat(),
        swapped: swaps ? await swaps.list(database) : [],
      })),
    );
    for (const { database, names, records, swapped } of read) {
      collections.set(database, names);
      for (const r of records) ownTargets.set(`${r.database}.${r.drillCollection}`, r.kind);
      // Only a set-aside name Milvus lists: a swap undone, or an original dropped, sets nothing aside.
      const listed = new Set(names);
      for (const swap of swapped) {
        if (listed.has(swap.replacedAs)) {
          setAside.set(`${database}.${swap.replacedAs}`, { original: swap.original, swapRun: swap.runId });
        }
      }
    }
  }
  return { databases, collections, ownTargets, setAside };
}
