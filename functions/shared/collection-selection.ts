import type { CollectionSelector, RuntimeConfig } from './contracts/runtime-config';
import { hasWildcard, matchesNamePattern, namePatternProblem } from './name-pattern';
import { drillCollectionTime, milvusNameProblem } from './snapshot-naming';

/**
 * Which collections a run covers: the configuration's entries by name, and the collections of
 * Milvus its selectors match at the start of the run, minus what the tool itself created (drill
 * collections, operator restores' new collections) and the originals its swaps set aside, whose
 * snapshots are pruned under the policy of the collection they were. Pure: the listing and the
 * ledger's records are handed in.
 */

/** How a collection came to be in a run. */
export type Selection =
  | { readonly by: 'name' }
  | {
      readonly by: 'selector';
      /** The selector's position in `selectors` (from 0). */
      readonly selector: number;
      /** The selector as a person reads it, e.g. `default.* except tmp_*`. */
      readonly pattern: string;
    }
  | {
      readonly by: 'set-aside';
      /** The collection it was before a swap: its policy applies. */
      readonly original: string;
      /** The restore run whose swap set it aside. */
      readonly swapRun: string;
    };

/** Why a collection a selector matches (or that the tool made) is not backed up. */
export const SKIP_WHYS = ['excluded', 'drill-collection', 'restore-target', 'set-aside'] as const;

/** An original a swap of this deployment set aside as `<name>_replaced_<stamp>` (the ledger records it). */
export interface SetAsideCollection {
  /** The name it had, which the restored copy has now. */
  readonly original: string;
  /** The restore run whose swap set it aside. */
  readonly swapRun: string;
}

/** A collection of Milvus that nothing backs up, and why. */
export interface SkippedCollection {
  readonly database: string;
  readonly collection: string;
  readonly why: (typeof SKIP_WHYS)[number];
  readonly reason: string;
}

/** What a run's collections leave out, as Milvus listed it when the run started. */
export interface Coverage {
  /** The databases looked at for collections nothing covers. */
  readonly databases: string[];
  /** Collections of those databases that no entry and no selector covers. */
  readonly unprotected: Array<{ readonly database: string; readonly collection: string }>;
  /** Collections configured by name (and databases a selector names) that Milvus does not have. */
  readonly missing: Array<{
    readonly database: string;
    readonly collection: string;
    readonly reason: string;
  }>;
  /** Collections that are left out on purpose: excluded by a selector, drill collections, restore targets. */
  readonly skipped: SkippedCollection[];
  /** Why Milvus could not be listed: the run has only the entries by name, and the lists are empty. */
  readonly unresolved?: string;
}

/** A collection the run covers, with its policy and how it was selected. */
export interface SelectedCollection {
  readonly database: string;
  readonly collection: string;
  readonly retention: string;
  readonly protect: readonly string[];
  readonly selection: Selection;
}

/** What Milvus and the ledger hold, as read at the start of a run. */
export interface MilvusInventory {
  /** The collections of each database that was listed (see {@link databasesToList}). */
  readonly collections: ReadonlyMap<string, readonly string[]>;
  /** Every database Milvus lists for the token. */
  readonly databases: readonly string[];
  /**
   * Collections this deployment's ledger records as its own creations, by `database.collection`:
   * drill collections, and the new collections of operator restores.
   */
  readonly ownTargets: ReadonlyMap<string, 'drill' | 'restore'>;
  /** Originals this deployment's swaps set aside, by `database.collection` (only those Milvus lists). */
  readonly setAside?: ReadonlyMap<string, SetAsideCollection>;
}

/** `database.collection`. */
function keyOf(database: string, collection: string): string {
  return `${database}.${collection}`;
}

/** A reference to collections as schedules and run inputs write it: `db.name`, `name` (in `default`), `db.*`. */
export function parseCollectionRef(ref: string): { readonly database: string; readonly collection: string } {
  const dot = ref.indexOf('.');
  return dot < 0
    ? { database: 'default', collection: ref }
    : { database: ref.slice(0, dot), collection: ref.slice(dot + 1) };
}

/** Whether a reference (`prod.*`, `default.products`) names the collection. */
export function refCovers(ref: string, database: string, collection: string): boolean {
  const parsed = parseCollectionRef(ref);
  return matchesNamePattern(parsed.database, database) && matchesNamePattern(parsed.collection, collection);
}

/** A selector as a person reads it: `prod.* except tmp_*, scratch_*`. */
export function describeSelector(selector: CollectionSelector): string {
  const except = selector.exclude.length > 0 ? ` except ${selector.exclude.join(', ')}` : '';
  return `${selector.database}.${selector.match}${except}`;
}

/** The selector that covers a collection, or the one that excludes it; undefined when none matches it. */
export function selectorFor(
  selectors: readonly CollectionSelector[],
  database: string,
  collection: string,
):
  | { readonly index: number; readonly selector: CollectionSelector; readonly excludedBy?: string }
  | undefined {
  let excluded: { index: number; selector: CollectionSelector; excludedBy: string } | undefined;
  for (const [index, selector] of selectors.entries()) {
    if (!matchesNamePattern(selector.database, database) || !matchesNamePattern(selector.match, collection)) {
      continue;
    }
    const excludedBy = selector.exclude.find((pattern) => matchesNamePattern(pattern, collection));
    if (excludedBy === undefined) return { index, selector };
    excluded ??= { index, selector, excludedBy };
  }
  return excluded;
}

/**
 * The databases whose collections a run lists: those an entry names, those a selector matches,
 * and with `coverage.databases: "all"` every database Milvus lists. Sorted.
 */
export function databasesToList(config: RuntimeConfig, listed: readonly string[]): string[] {
  const wanted = new Set(config.collections.map((c) => c.database).filter((db) => listed.includes(db)));
  for (const database of listed) {
    if (
      config.coverage.databases === 'all' ||
      config.selectors.some((s) => matchesNamePattern(s.database, database))
    ) {
      wanted.add(database);
    }
  }
  return [...wanted].sort();
}

/**
 * Why the tool never backs up `collection` on its own initiative, or undefined: the ledger records
 * it as this deployment's drill collection or restore target, or it is named like a drill
 * collection (another deployment's drill copy is no more a thing to back up than ours).
 */
function toolCollectionSkip(
  config: RuntimeConfig,
  inventory: MilvusInventory,
  database: string,
  collection: string,
): SkippedCollection | undefined {
  const own = inventory.ownTargets.get(keyOf(database, collection));
  if (own === 'drill') {
    return {
      database,
      collection,
      why: 'drill-collection',
      reason:
        "a drill collection of this deployment (its ledger records it): a drill's copy is never backed up",
    };
  }
  if (own === 'restore') {
    return {
      database,
      collection,
      why: 'restore-target',
      reason:
        'the new collection of an operator restore of this deployment (its ledger records it): list it in collections by name to back it up',
    };
  }
  const aside = inventory.setAside?.get(keyOf(database, collection));
  if (aside) {
    return {
      database,
      collection,
      why: 'set-aside',
      reason:
        `the original ${database}.${aside.original} that the swap of run ${aside.swapRun} set aside (its ledger records it): ` +
        `it is not backed up again, and its snapshots are pruned under ${aside.original}'s policy; list it in collections by name to back it up`,
    };
  }
  if (drillCollectionTime(config.drill.prefix, collection) !== undefined) {
    return {
      database,
      collection,
      why: 'drill-collection',
      reason: `named like a drill collection (${config.drill.prefix}_<collection>_<stamp>): a drill copy, this deployment's or another's, is not a thing to back up`,
    };
  }
  return undefined;
}

/**
 * The collections a run of the whole configuration covers, and its coverage: entries by name
 * first (in configuration order; they win over selectors, and a missing one stays in the run so it
 * fails as before), then the collections selectors match, by database and name. `setAside` are the
 * originals swaps set aside whose own original is covered: not backed up, but pruned under its
 * policy (a run adds them for retention only, beside their original).
 */
export function resolveCollections(
  config: RuntimeConfig,
  inventory: MilvusInventory,
): {
  readonly selected: SelectedCollection[];
  readonly coverage: Coverage;
  readonly setAside: SelectedCollection[];
} {
  const named = new Set(config.collections.map((c) => keyOf(c.database, c.name)));
  const selected: SelectedCollection[] = config.collections.map((c) => ({
    database: c.database,
    collection: c.name,
    retention: c.retention,
    protect: c.protect,
    selection: { by: 'name' },
  }));
  const missing: Coverage['missing'] = [];
  // As sets: 10,000 entries by name against 10,000 listed collections stay linear.
  const databasesListed = new Set(inventory.databases);
  const listedIn = new Map([...inventory.collections].map(([db, names]) => [db, new Set(names)]));
  for (const c of config.collections) {
    const listed = listedIn.get(c.database);
    if (!databasesListed.has(c.database)) {
      missing.push({
        database: c.database,
        collection: c.name,
        reason: `configured by name, but Milvus has no database ${c.database}`,
      });
    } else if (listed && !listed.has(c.name)) {
      missing.push({
        database: c.database,
        collection: c.name,
        reason: 'configured by name, but Milvus has no such collection',
      });
    }
  }
  for (const [index, selector] of config.selectors.entries()) {
    if (!hasWildcard(selector.database) && !databasesListed.has(selector.database)) {
      missing.push({
        database: selector.database,
        collection: selector.match,
        reason: `selector ${index + 1} (${describeSelector(selector)}) names database ${selector.database}, which Milvus does not have`,
      });
    }
  }

  const unprotected: Coverage['unprotected'] = [];
  const skipped: SkippedCollection[] = [];
  const databases = [...inventory.collections.keys()].sort();
  for (const database of databases) {
    const names = [...(inventory.collections.get(database) ?? [])].sort();
    for (const collection of names) {
      if (named.has(keyOf(database, collection))) continue;
      const tool = toolCollectionSkip(config, inventory, database, collection);
      if (tool) {
        skipped.push(tool);
        continue;
      }
      const match = selectorFor(config.selectors, database, collection);
      if (match?.excludedBy !== undefined) {
        skipped.push({
          database,
          collection,
          why: 'excluded',
          reason: `excluded by selector ${match.index + 1} (${describeSelector(match.selector)}): it matches "${match.excludedBy}"`,
        });
      } else if (match) {
        selected.push({
          database,
          collection,
          retention: match.selector.retention,
          protect: [],
          selection: { by: 'selector', selector: match.index, pattern: describeSelector(match.selector) },
        });
      } else {
        unprotected.push({ database, collection });
      }
    }
  }
  // Each set-aside original keeps the policy of the collection it was, if the configuration still covers that name.
  const byKey = new Map(selected.map((c) => [keyOf(c.database, c.collection), c]));
  const setAside: SelectedCollection[] = [];
  skipped.forEach((skip, i) => {
    const aside =
      skip.why === 'set-aside' ? inventory.setAside?.get(keyOf(skip.database, skip.collection)) : undefined;
    if (!aside) return;
    const original = byKey.get(keyOf(skip.database, aside.original));
    if (!original) {
      skipped[i] = {
        ...skip,
        reason: `the original ${skip.database}.${aside.original} that the swap of run ${aside.swapRun} set aside (its ledger records it): it is not backed up again, and nothing prunes its snapshots, since the configuration no longer covers ${aside.original}`,
      };
      return;
    }
    setAside.push({
      database: skip.database,
      collection: skip.collection,
      retention: original.retention,
      protect: original.protect,
      selection: { by: 'set-aside', original: aside.original, swapRun: aside.swapRun },
    });
  });
  return { selected, coverage: { databases, unprotected, missing, skipped }, setAside };
}

/**
 * Why a schedule's reference can cover nothing the configuration covers (a phrase that follows
 * "names <ref>, which"), or undefined. Checked at
 * load, before Milvus is known: a name must be configured or covered by a selector; a pattern must
 * match an entry or share a database with a selector.
 */
export function collectionRefProblem(
  config: Pick<RuntimeConfig, 'collections' | 'selectors'>,
  ref: string,
): string | undefined {
  const { database, collection } = parseCollectionRef(ref);
  for (const [what, part] of [
    ['database', database],
    ['collection', collection],
  ] as const) {
    const problem = hasWildcard(part) ? namePatternProblem(part) : milvusNameProblem(part);
    if (problem) return `has a ${what} part "${part}" that is refused: ${problem}`;
  }
  if (config.collections.some((c) => refCovers(ref, c.database, c.name))) return undefined;
  if (!hasWildcard(ref)) {
    const match = selectorFor(config.selectors, database, collection);
    if (match && match.excludedBy === undefined) return undefined;
    if (match)
      return `is not in collections, and selector ${match.index + 1} excludes it ("${match.excludedBy}")`;
    return config.selectors.length > 0
      ? 'is not in collections, and no selector covers it'
      : 'is not in collections';
  }
  const mayOverlap = (a: string, b: string) => hasWildcard(a) || hasWildcard(b) || a === b;
  if (config.selectors.some((s) => mayOverlap(s.database, database))) return undefined;
  return 'matches no entry of collections, and no selector covers its database';
}
