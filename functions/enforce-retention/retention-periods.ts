import { DateTime, type IANAZone } from 'luxon';

/** A calendar period a `keep<Period>` rule counts in. */
export type RetentionPeriod = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/**
 * Returns a key that is equal for two instants exactly when they fall in the same period of the
 * zone's calendar. Keys are only compared for equality, never ordered.
 *
 * - hourly: the wall-clock hour **and** the UTC offset, so the hour repeated when clocks go back
 *   (02:00–02:59 CEST, then 02:00–02:59 CET in Europe/Berlin) counts as the two real hours it is;
 * - daily: the calendar date in the zone (a DST day is 23 or 25 hours long);
 * - weekly: the ISO week-year and week (Monday–Sunday; 2027-01-01 is in week 53 of 2026);
 * - monthly / yearly: the calendar month / year in the zone.
 */
export function periodKey(epochMs: number, period: RetentionPeriod, zone: IANAZone): string {
  const local = DateTime.fromMillis(epochMs, { zone });
  switch (period) {
    case 'hourly':
      return `${local.toFormat("yyyy-MM-dd'T'HH")}${local.toFormat('ZZ')}`;
    case 'daily':
      return local.toFormat('yyyy-MM-dd');
    case 'weekly':
      return `${local.weekYear}-W${local.weekNumber}`;
    case 'monthly':
      return local.toFormat('yyyy-MM');
    case 'yearly':
      return local.toFormat('yyyy');
  }
}
