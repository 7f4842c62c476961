import { IANAZone } from 'luxon';

/** Distinct zone names remembered; a run names a handful, so this is only a bound against abuse. */
const MAX_REMEMBERED_ZONES = 256;

const known = new Map<string, boolean>();

/**
 * Whether `zone` is an IANA time zone name this runtime knows, as luxon's `IANAZone.isValidZone`
 * decides it, remembered per name. Luxon builds an `Intl.DateTimeFormat` on every call (about
 * 0.3 ms), and every per-collection step parses its run context, whose retention policies each
 * name a zone: thousands of checks of the same two or three names per run. The answer for a
 * name cannot change while the process lives (it comes from the runtime's ICU data).
 */
export function isValidTimeZone(zone: string): boolean {
  const remembered = known.get(zone);
  if (remembered !== undefined) return remembered;
  const valid = IANAZone.isValidZone(zone);
  if (known.size >= MAX_REMEMBERED_ZONES) known.clear();
  known.set(zone, valid);
  return valid;
}
