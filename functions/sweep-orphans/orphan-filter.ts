import { drillCollectionTime } from '../shared/snapshot-naming';

/** A drill collection the sweep drops, with the time stamped in its name. */
export interface OrphanToDrop {
  readonly name: string;
  readonly stampedAt: string;
}

/** A collection with the drill prefix that the sweep leaves alone, and why. */
export interface PrefixedCollectionKept {
  readonly name: string;
  readonly reason: string;
}

/** What the sweep should do with the collections of a database. */
export interface OrphanPlan {
  readonly drop: readonly OrphanToDrop[];
  readonly keep: readonly PrefixedCollectionKept[];
}

/** What decides whether a collection is an orphan. */
export interface OrphanRules {
  /** The drill prefix; only `<prefix>_…` names are ever considered. */
  readonly prefix: string;
  /** A drill collection whose stamp is at least this old is an orphan. */
  readonly maxAgeMs: number;
  readonly now: Date;
}

/**
 * Chooses the orphaned drill collections among a database's collection names: a name is dropped
 * only when it starts with `<prefix>_`, ends with a valid drill stamp (`_YYYYMMDD_HHMMSS`, optionally
 * followed by a run tag) with something between prefix and stamp, and that stamp is at least
 * `maxAgeMs` old. A prefixed name without a stamp, or with a young or future stamp, is kept and
 * listed with the reason; any other name is not looked at.
 */
export function planOrphanSweep(names: readonly string[], rules: OrphanRules): OrphanPlan {
  const drop: OrphanToDrop[] = [];
  const keep: PrefixedCollectionKept[] = [];
  for (const name of [...new Set(names)].sort()) {
    if (!name.startsWith(`${rules.prefix}_`)) continue;
    const stampedAt = drillCollectionTime(rules.prefix, name);
    if (!stampedAt) {
      keep.push({ name, reason: 'no drill stamp in its name: not a drill collection' });
      continue;
    }
    const ageMs = rules.now.getTime() - stampedAt.getTime();
    if (ageMs < 0) {
      keep.push({ name, reason: `stamped in the future (${stampedAt.toISOString()})` });
    } else if (ageMs < rules.maxAgeMs) {
      keep.push({
        name,
        reason: `younger than ${formatHours(rules.maxAgeMs)} (stamped ${stampedAt.toISOString()})`,
      });
    } else {
      drop.push({ name, stampedAt: stampedAt.toISOString() });
    }
  }
  return { drop, keep };
}

function formatHours(ms: number): string {
  const hours = ms / 3_600_000;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(2)} h`;
}
