import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';

/**
 * Names of the things this tool creates in Milvus: dated snapshots and drill collections.
 *
 * Milvus accepts, for snapshot and collection names alike: at most 255 characters, the first a
 * letter or `_`, the rest letters, digits, `_` or `$`. Hyphens, dots and spaces are refused.
 */

/** Milvus' limit on snapshot and collection names. */
export const MAX_MILVUS_NAME_LENGTH = 255;

const MILVUS_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const SLOT_STAMP = /^(\d{8})_(\d{6})$/;
const DRILL_TAG = /^[0-9a-f]{6}$/;

/**
 * Why `name` is not a valid Milvus snapshot or collection name, or `undefined` when it is.
 * The message says what to change.
 */
export function milvusNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_MILVUS_NAME_LENGTH) {
    return `it is ${name.length} characters long; Milvus allows at most ${MAX_MILVUS_NAME_LENGTH}`;
  }
  if (!/^[A-Za-z_]/.test(name))
    return `it starts with '${name[0]}'; the first character must be a letter or '_'`;
  const bad = [...name].findIndex((c) => !/[A-Za-z0-9_$]/.test(c));
  if (bad >= 0) {
    return `it contains '${name[bad]}' at position ${bad}; only letters, digits, '_' and '$' are allowed`;
  }
  return MILVUS_NAME.test(name) ? undefined : 'it is not a valid Milvus name';
}

/** The UTC stamp `YYYYMMDD_HHMMSS` of an instant. */
export function slotStamp(slot: Date): string {
  return DateTime.fromJSDate(slot, { zone: 'utc' }).toFormat('yyyyLLdd_HHmmss');
}

/** The instant of a `YYYYMMDD_HHMMSS` UTC stamp, or `undefined` if it is not one. */
export function parseSlotStamp(stamp: string): Date | undefined {
  if (!SLOT_STAMP.test(stamp)) return undefined;
  const parsed = DateTime.fromFormat(stamp, 'yyyyLLdd_HHmmss', { zone: 'utc' });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/**
 * The dated snapshot name of a schedule slot: `<prefix>_<YYYYMMDD>_<HHMMSS>` in UTC, e.g.
 * `daily_20261121_030000`. The same slot always gives the same name, which is what makes a
 * retried or re-delivered schedule idempotent.
 */
export function snapshotName(prefix: string, slot: Date): string {
  return `${prefix}_${slotStamp(slot)}`;
}

/** Length of the run tag appended to drill collection names (hex characters). */
export const DRILL_RUN_TAG_LENGTH = 6;

/**
 * A short tag (6 hex characters of SHA-256) of an execution's id, appended to its drill collection
 * names so that two executions started within the same second on the same collection do not pick
 * the same name. The same run id always gives the same tag, so a retried step recomputes the name.
 */
export function drillRunTag(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, DRILL_RUN_TAG_LENGTH);
}

/**
 * The temporary collection a drill restores into: `<drillPrefix>_<collection>_<YYYYMMDD_HHMMSS>`,
 * or with a run tag (see {@link drillRunTag}) `<drillPrefix>_<collection>_<YYYYMMDD_HHMMSS>_<tag>`.
 * A long collection name is shortened (keeping its start and a hash of the whole) so the result
 * stays within Milvus' limit and two long names do not collide.
 */
export function drillCollectionName(
  drillPrefix: string,
  collection: string,
  startedAt: Date,
  tag?: string,
): string {
  if (tag !== undefined && !DRILL_TAG.test(tag)) {
    throw new RangeError(`a drill run tag is ${DRILL_RUN_TAG_LENGTH} lowercase hex characters, got '${tag}'`);
  }
  const suffix = tag === undefined ? slotStamp(startedAt) : `${slotStamp(startedAt)}_${tag}`;
  const room = MAX_MILVUS_NAME_LENGTH - drillPrefix.length - suffix.length - 2;
  const middle =
    collection.length <= room ? collection : `${collection.slice(0, room - 9)}_${shortHash(collection)}`;
  return `${drillPrefix}_${middle}_${suffix}`;
}

/**
 * The time embedded in a drill collection's name, if the name has the drill prefix and ends with
 * a valid stamp, optionally followed by a run tag (`…_YYYYMMDD_HHMMSS` or
 * `…_YYYYMMDD_HHMMSS_<6 hex>`). Anything else (a user's collection that merely starts with the
 * prefix and has no stamp) gives `undefined`, and the orphan sweep leaves it alone.
 */
export function drillCollectionTime(drillPrefix: string, name: string): Date | undefined {
  if (!name.startsWith(`${drillPrefix}_`)) return undefined;
  const match = /_(\d{8}_\d{6})(?:_[0-9a-f]{6})?$/.exec(name);
  if (!match?.[1] || name.length <= drillPrefix.length + 1 + match[0].length) return undefined;
  return parseSlotStamp(match[1]);
}

/**
 * `<collection>_<word>_<YYYYMMDD_HHMMSS>`, the collection shortened with a hash when the whole
 * would exceed Milvus' limit: the default name of an operator restore's new collection
 * (`restored`) and of the collection a swap moves aside (`replaced`).
 */
export function stampedCollectionName(collection: string, word: 'restored' | 'replaced', at: Date): string {
  const suffix = `_${word}_${slotStamp(at)}`;
  const room = MAX_MILVUS_NAME_LENGTH - suffix.length;
  const base =
    collection.length <= room ? collection : `${collection.slice(0, room - 9)}_${shortHash(collection)}`;
  return `${base}${suffix}`;
}

function shortHash(text: string): string {
  // FNV-1a, 32 bits: enough to keep two truncated names apart, and dependency-free.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
