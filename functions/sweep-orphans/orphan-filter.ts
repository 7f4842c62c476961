import { drillCollectionTime } from '../shared/snapshot-naming';

/** A collection the sweep leaves alone, and why. */
export interface LeftAlone {
  readonly name: string;
  readonly reason: string;
}

/**
 * The collections of a database whose names look like drill collections (`<prefix>_…_<stamp>`,
 * optionally with a run tag) but that this deployment's ledger does not record: a user's own, or
 * another deployment's. The sweep never touches them; the report lists them so a person can.
 */
export function lookAlikeCollections(
  names: readonly string[],
  prefix: string,
  recorded: ReadonlySet<string>,
): LeftAlone[] {
  return [...new Set(names)]
    .sort()
    .filter((name) => !recorded.has(name) && drillCollectionTime(prefix, name) !== undefined)
    .map((name) => ({
      name,
      reason: "named like a drill collection, but this deployment's ledger has no drill of that name",
    }));
}
