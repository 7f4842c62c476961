import { describe, expect, it } from 'vitest';
import {
  InvalidRetentionPlanInputError,
  planRetention,
  type RetentionPlan,
  type RetentionPlanInput,
} from '../../../functions/enforce-retention/retention-planner';
import type { RetentionPolicyInput } from '../../../functions/shared/retention-policy';

type SnapshotInput = RetentionPlanInput['snapshots'][number];

/** An owned, unverified snapshot; most tests only care about the name and the time. */
function owned(name: string, createdAt: string, extra: Partial<SnapshotInput> = {}): SnapshotInput {
  return { name, createdAt, owned: true, verified: false, ...extra };
}

/** Names kept, newest first. */
function keptNames(plan: RetentionPlan): string[] {
  return plan.keep.map((entry) => entry.name);
}

/** Names dropped, newest first. */
function droppedNames(plan: RetentionPlan): string[] {
  return plan.drop.map((entry) => entry.name);
}

function reasonsOf(plan: RetentionPlan, name: string): string[] | undefined {
  return plan.keep.find((entry) => entry.name === name)?.reasons;
}

const NOW = '2026-11-21T03:00:00Z';

function plan(
  policy: RetentionPolicyInput,
  snapshots: SnapshotInput[],
  extra: Partial<RetentionPlanInput> = {},
) {
  return planRetention({ now: NOW, policy, snapshots, ...extra });
}

/** One snapshot a day at 03:00 UTC, from `last` back `count` days, named `d_<yyyymmdd>`. */
function dailySnapshots(last: string, count: number): SnapshotInput[] {
  const lastMs = Date.parse(last);
  return Array.from({ length: count }, (_, index) => {
    const createdAt = new Date(lastMs - index * 86_400_000).toISOString();
    return owned(`d_${createdAt.slice(0, 10).replaceAll('-', '')}`, createdAt);
  });
}

describe('planRetention', () => {
  describe('keepLast', () => {
    it('keeps the n newest snapshots and drops the rest with a reason naming the rules', () => {
      // Prepare
      const snapshots = dailySnapshots('2026-11-20T03:00:00Z', 5);

      // Act
      const result = plan({ keepLast: 2 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'd_20261120', reasons: ['last'] },
        { name: 'd_20261119', reasons: ['last'] },
      ]);
      expect(result.drop).toEqual(
        ['d_20261118', 'd_20261117', 'd_20261116'].map((name) => ({
          name,
          reason: 'not kept by any rule (keep last 2)',
        })),
      );
    });
  });

  describe('period rules', () => {
    it('keepHourly keeps the newest snapshot of each of the n newest hours that have one', () => {
      // Prepare: two snapshots in the 10:00 hour, none in 09:00, one in 08:00 and one in 07:00
      const snapshots = [
        owned('h10b', '2026-11-20T10:45:00Z'),
        owned('h10a', '2026-11-20T10:05:00Z'),
        owned('h08', '2026-11-20T08:30:00Z'),
        owned('h07', '2026-11-20T07:30:00Z'),
      ];

      // Act
      const result = plan({ keepHourly: 2 }, snapshots);

      // Assess: the empty 09:00 hour does not use up one of the two
      expect(keptNames(result)).toEqual(['h10b', 'h08']);
      expect(droppedNames(result)).toEqual(['h10a', 'h07']);
    });

    it('keepDaily keeps the newest snapshot of each of the n newest days that have one, skipping empty days', () => {
      // Prepare: 20th twice, nothing on the 19th and 18th, then the 17th and 16th
      const snapshots = [
        owned('nov20_evening', '2026-11-20T21:00:00Z'),
        owned('nov20_morning', '2026-11-20T03:00:00Z'),
        owned('nov17', '2026-11-17T03:00:00Z'),
        owned('nov16', '2026-11-16T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepDaily: 2 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'nov20_evening', reasons: ['daily'] },
        { name: 'nov17', reasons: ['daily'] },
      ]);
      expect(droppedNames(result)).toEqual(['nov20_morning', 'nov16']);
    });

    it('keepWeekly counts ISO weeks from Monday to Sunday', () => {
      // Prepare: Monday 16 Nov starts a new week; Sunday 15 Nov ends the previous one
      const snapshots = [
        owned('mon16', '2026-11-16T03:00:00Z'),
        owned('sun15', '2026-11-15T03:00:00Z'),
        owned('mon09', '2026-11-09T03:00:00Z'),
        owned('sun08', '2026-11-08T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepWeekly: 3 }, snapshots);

      // Assess: Sunday 15 and Monday 9 share a week, so only the Sunday is that week's
      expect(keptNames(result)).toEqual(['mon16', 'sun15', 'sun08']);
      expect(droppedNames(result)).toEqual(['mon09']);
    });

    it('keepMonthly and keepYearly keep the newest snapshot of each month and year', () => {
      // Prepare
      const snapshots = [
        owned('2026-11', '2026-11-20T03:00:00Z'),
        owned('2026-11-early', '2026-11-01T03:00:00Z'),
        owned('2026-09', '2026-09-30T03:00:00Z'),
        owned('2025-12', '2025-12-31T03:00:00Z'),
        owned('2025-06', '2025-06-01T03:00:00Z'),
        owned('2024-01', '2024-01-10T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepMonthly: 2, keepYearly: 3 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: '2026-11', reasons: ['monthly', 'yearly'] },
        { name: '2026-09', reasons: ['monthly'] },
        { name: '2025-12', reasons: ['yearly'] },
        { name: '2024-01', reasons: ['yearly'] },
      ]);
      expect(droppedNames(result)).toEqual(['2026-11-early', '2025-06']);
    });

    it('lets one snapshot satisfy several rules and lists every reason (Sunday is a daily and the weekly)', () => {
      // Prepare: Saturday 14, Sunday 15, Monday 16 Nov 2026
      const snapshots = dailySnapshots('2026-11-16T03:00:00Z', 3);

      // Act
      const result = plan({ keepDaily: 2, keepWeekly: 2 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'd_20261116', reasons: ['daily', 'weekly'] },
        { name: 'd_20261115', reasons: ['daily', 'weekly'] },
      ]);
      expect(droppedNames(result)).toEqual(['d_20261114']);
    });
  });

  describe('time zones', () => {
    // 23:30 UTC on the 14th is 00:30 on the 15th in Berlin.
    const snapshots = [
      owned('late', '2026-01-15T10:00:00Z'),
      owned('utc_2330', '2026-01-14T23:30:00Z'),
      owned('noon', '2026-01-14T12:00:00Z'),
    ];

    it('buckets days in UTC by default', () => {
      // Act
      const result = plan({ keepDaily: 2 }, snapshots);

      // Assess
      expect(keptNames(result)).toEqual(['late', 'utc_2330']);
      expect(droppedNames(result)).toEqual(['noon']);
    });

    it("buckets days in the policy's time zone: 23:30 UTC is the next day in Europe/Berlin", () => {
      // Act
      const result = plan({ keepDaily: 2, timezone: 'Europe/Berlin' }, snapshots);

      // Assess
      expect(keptNames(result)).toEqual(['late', 'noon']);
      expect(droppedNames(result)).toEqual(['utc_2330']);
    });

    it('puts a snapshot taken exactly at midnight (00:00:00.000) in the new day', () => {
      // Prepare: midnight in Berlin on 11 May 2026 is 22:00:00.000 UTC on the 10th
      const atMidnight = [
        owned('midnight', '2026-05-10T22:00:00.000Z'),
        owned('last_ms_of_10th', '2026-05-10T21:59:59.999Z'),
        owned('morning_10th', '2026-05-10T06:00:00.000Z'),
      ];

      // Act
      const result = plan({ keepDaily: 2, timezone: 'Europe/Berlin' }, atMidnight);

      // Assess
      expect(keptNames(result)).toEqual(['midnight', 'last_ms_of_10th']);
      expect(droppedNames(result)).toEqual(['morning_10th']);
    });

    it('puts a snapshot taken at Monday 00:00:00.000 in the new week and a first-of-month one in the new month', () => {
      // Prepare: Monday 2 Nov 2026 00:00 in New York is 05:00 UTC (EST since 1 Nov)
      const boundary = [
        owned('mon_midnight', '2026-11-02T05:00:00.000Z'),
        owned('sun_last_ms', '2026-11-02T04:59:59.999Z'),
        owned('sun_morning', '2026-11-01T14:00:00.000Z'),
      ];

      // Act
      const weekly = plan({ keepWeekly: 2, timezone: 'America/New_York' }, boundary);
      const monthly = plan(
        { keepMonthly: 2, timezone: 'America/New_York' },
        [
          owned('dec_first', '2026-12-01T05:00:00.000Z'),
          owned('nov_last_ms', '2026-12-01T04:59:59.999Z'),
          owned('nov_30', '2026-11-30T12:00:00.000Z'),
        ],
        { now: '2026-12-01T06:00:00Z' },
      );

      // Assess
      expect(keptNames(weekly)).toEqual(['mon_midnight', 'sun_last_ms']);
      expect(keptNames(monthly)).toEqual(['dec_first', 'nov_last_ms']);
    });

    it('counts the 23-hour day of the spring change (Europe/Berlin, 29 March 2026) correctly', () => {
      // Prepare: clocks jump from 02:00 CET to 03:00 CEST; 22:30 UTC on the 29th is already 00:30 on the 30th
      const snapshots = [
        owned('mar30_0030', '2026-03-29T22:30:00Z'),
        owned('mar29_2330', '2026-03-29T21:30:00Z'),
        owned('mar29_1400', '2026-03-29T12:00:00Z'),
      ];

      // Act
      const result = plan({ keepDaily: 2, timezone: 'Europe/Berlin' }, snapshots);

      // Assess: a fixed +01:00 offset would put all three on the 29th and keep only one
      expect(keptNames(result)).toEqual(['mar30_0030', 'mar29_2330']);
      expect(droppedNames(result)).toEqual(['mar29_1400']);
    });

    it('counts the 25-hour day of the autumn change (Europe/Berlin, 25 October 2026) correctly', () => {
      // Prepare: clocks go back from 03:00 CEST to 02:00 CET; 22:30 UTC on the 25th is still 23:30 on the 25th
      const snapshots = [
        owned('oct25_2330', '2026-10-25T22:30:00Z'),
        owned('oct25_1300', '2026-10-25T12:00:00Z'),
        owned('oct24_2330', '2026-10-24T21:30:00Z'),
      ];

      // Act
      const result = plan({ keepDaily: 2, timezone: 'Europe/Berlin' }, snapshots);

      // Assess: a fixed +02:00 offset would move oct25_2330 to the 26th and keep oct25_1300 instead of oct24_2330
      expect(keptNames(result)).toEqual(['oct25_2330', 'oct24_2330']);
      expect(droppedNames(result)).toEqual(['oct25_1300']);
    });

    it('counts the hour repeated when clocks go back as two hours', () => {
      // Prepare: 00:30 UTC is 02:30 CEST; 01:10 and 01:30 UTC are 02:10 and 02:30 CET, the second 02:00 hour
      const snapshots = [
        owned('second_0230', '2026-10-25T01:30:00Z'),
        owned('second_0210', '2026-10-25T01:10:00Z'),
        owned('first_0230', '2026-10-25T00:30:00Z'),
      ];

      // Act
      const result = plan({ keepHourly: 2, timezone: 'Europe/Berlin' }, snapshots);

      // Assess
      expect(keptNames(result)).toEqual(['second_0230', 'first_0230']);
      expect(droppedNames(result)).toEqual(['second_0210']);
    });

    it('counts the autumn change in America/New_York (1 November 2026) correctly', () => {
      // Prepare: 04:30 UTC on 2 Nov is 23:30 EST on 1 Nov (it would be 00:30 on the 2nd at EDT's -04:00)
      const snapshots = [
        owned('nov01_2330', '2026-11-02T04:30:00Z'),
        owned('nov01_1000', '2026-11-01T15:00:00Z'),
        owned('oct31_1100', '2026-10-31T15:00:00Z'),
      ];

      // Act
      const result = plan({ keepDaily: 2, timezone: 'America/New_York' }, snapshots);

      // Assess
      expect(keptNames(result)).toEqual(['nov01_2330', 'oct31_1100']);
      expect(droppedNames(result)).toEqual(['nov01_1000']);
    });

    it('counts ISO weeks across a year boundary (31 Dec 2026 and 1 Jan 2027 are both in week 53 of 2026)', () => {
      // Prepare
      const snapshots = [
        owned('mon_2027_01_04', '2027-01-04T03:00:00Z'),
        owned('fri_2027_01_01', '2027-01-01T03:00:00Z'),
        owned('thu_2026_12_31', '2026-12-31T03:00:00Z'),
        owned('sun_2026_12_27', '2026-12-27T03:00:00Z'),
      ];

      // Act
      const two = plan({ keepWeekly: 2 }, snapshots, { now: '2027-01-04T04:00:00Z' });
      const three = plan({ keepWeekly: 3 }, snapshots, { now: '2027-01-04T04:00:00Z' });

      // Assess
      expect(keptNames(two)).toEqual(['mon_2027_01_04', 'fri_2027_01_01']);
      expect(droppedNames(two)).toEqual(['thu_2026_12_31', 'sun_2026_12_27']);
      expect(keptNames(three)).toEqual(['mon_2027_01_04', 'fri_2027_01_01', 'sun_2026_12_27']);
    });
  });

  describe('keepWithin', () => {
    it('measures from the newest snapshot, not from now, and excludes a snapshot exactly d older', () => {
      // Prepare: backups stopped on 10 Nov; now is 21 Nov
      const snapshots = [
        owned('nov10', '2026-11-10T03:00:00Z'),
        owned('nov09', '2026-11-09T03:00:00Z'),
        owned('nov08_exactly_2d', '2026-11-08T03:00:00Z'),
        owned('nov07', '2026-11-07T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepWithin: '2d' }, snapshots);

      // Assess: measured from now, nothing would be within 2 days and only min-keep would save one
      expect(result.keep).toEqual([
        { name: 'nov10', reasons: ['within 2d'] },
        { name: 'nov09', reasons: ['within 2d'] },
      ]);
      expect(droppedNames(result)).toEqual(['nov08_exactly_2d', 'nov07']);
    });

    it('accepts ISO 8601 and reports the duration in restic form', () => {
      // Act
      const result = plan({ keepWithin: 'P1W' }, dailySnapshots('2026-11-20T03:00:00Z', 9));

      // Assess
      expect(result.keep).toHaveLength(7);
      expect(result.keep.every((entry) => entry.reasons.join() === 'within 7d')).toBe(true);
    });

    it("counts days back in calendar days of the policy's zone (the spring-change day is 23 hours)", () => {
      // Prepare: 1d before 12:00 CEST on 29 March is 12:00 CET on the 28th, only 23 hours earlier
      const snapshots = [
        owned('newest', '2026-03-29T10:00:00Z'),
        owned('after_cutoff', '2026-03-28T11:30:00Z'),
        owned('23h30_before', '2026-03-28T10:30:00Z'),
      ];

      // Act
      const result = plan({ keepWithin: '1d', timezone: 'Europe/Berlin' }, snapshots);

      // Assess: a 24-hour day would also keep 23h30_before
      expect(keptNames(result)).toEqual(['newest', 'after_cutoff']);
      expect(droppedNames(result)).toEqual(['23h30_before']);
    });
  });

  describe('snapshots kept whatever the rules say', () => {
    it('keeps snapshots not managed by this tool, and does not count them for any rule', () => {
      // Prepare: the two newest snapshots belong to someone else
      const snapshots = [
        { name: 'theirs_new', createdAt: '2026-11-20T12:00:00Z', owned: false, verified: false },
        { name: 'theirs_old', createdAt: '2026-01-01T00:00:00Z', owned: false, verified: true },
        owned('ours_1', '2026-11-20T03:00:00Z'),
        owned('ours_2', '2026-11-19T03:00:00Z'),
        owned('ours_3', '2026-11-18T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepLast: 2, keepDaily: 1 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'theirs_new', reasons: ['not managed'] },
        { name: 'ours_1', reasons: ['last', 'daily'] },
        { name: 'ours_2', reasons: ['last'] },
        { name: 'theirs_old', reasons: ['not managed'] },
      ]);
      expect(droppedNames(result)).toEqual(['ours_3']);
    });

    it('keeps the snapshot just created and protected ones, on top of what the rules keep', () => {
      // Prepare
      const snapshots = dailySnapshots('2026-11-20T03:00:00Z', 6);

      // Act
      const result = plan({ keepLast: 2 }, snapshots, {
        justCreated: 'd_20261120',
        protect: ['d_20261116', 'no_such_snapshot'],
      });

      // Assess: the protected one does not use up a keepLast slot
      expect(result.keep).toEqual([
        { name: 'd_20261120', reasons: ['last', 'just created'] },
        { name: 'd_20261119', reasons: ['last'] },
        { name: 'd_20261116', reasons: ['protected'] },
      ]);
      expect(droppedNames(result)).toEqual(['d_20261118', 'd_20261117', 'd_20261115']);
    });

    it('keeps the last good backup: the only verified snapshot is kept even when many newer ones exist', () => {
      // Prepare: drills failed for a week; only the 10-day-old snapshot ever restored correctly
      const snapshots = dailySnapshots('2026-11-20T03:00:00Z', 12).map((snapshot) =>
        snapshot.name === 'd_20261111' ? { ...snapshot, verified: true } : snapshot,
      );

      // Act
      const result = plan({ keepLast: 3 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'd_20261120', reasons: ['last'] },
        { name: 'd_20261119', reasons: ['last'] },
        { name: 'd_20261118', reasons: ['last'] },
        { name: 'd_20261111', reasons: ['newest verified'] },
      ]);
    });

    it('keeps only the newest verified snapshot, not every verified one', () => {
      // Prepare
      const snapshots = dailySnapshots('2026-11-20T03:00:00Z', 5).map((snapshot) => ({
        ...snapshot,
        verified: true,
      }));

      // Act
      const result = plan({ keepLast: 1 }, snapshots);

      // Assess
      expect(result.keep).toEqual([{ name: 'd_20261120', reasons: ['last', 'newest verified'] }]);
      expect(result.drop).toHaveLength(4);
    });

    it('keeps future-dated snapshots (clock skew) without letting them crowd out real ones', () => {
      // Prepare: two snapshots dated days ahead of now, one exactly at the 5-minute tolerance
      const snapshots = [
        owned('skewed_far', '2026-12-01T00:00:00Z', { verified: true }),
        owned('skewed_near', '2026-11-21T03:05:00.001Z'),
        owned('at_tolerance', '2026-11-21T03:05:00.000Z'),
        owned('real_1', '2026-11-20T03:00:00Z'),
        owned('real_2', '2026-11-19T03:00:00Z', { verified: true }),
        owned('real_3', '2026-11-18T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepLast: 2, keepWithin: '1d' }, snapshots);

      // Assess: keepLast and keepWithin count from at_tolerance, the newest real snapshot;
      // the skewed verified one does not stand in for the last good backup
      expect(result.keep).toEqual([
        { name: 'skewed_far', reasons: ['future-dated (clock skew)'] },
        { name: 'skewed_near', reasons: ['future-dated (clock skew)'] },
        { name: 'at_tolerance', reasons: ['last', 'within 1d'] },
        { name: 'real_1', reasons: ['last'] },
        { name: 'real_2', reasons: ['newest verified'] },
      ]);
      expect(droppedNames(result)).toEqual(['real_3']);
    });
  });

  describe('minKeep', () => {
    it('keeps the newest others until minKeep managed snapshots are kept', () => {
      // Prepare: the last backup was 10 days ago, so keepWithin 1d keeps only the newest
      const snapshots = dailySnapshots('2026-11-11T03:00:00Z', 5);

      // Act
      const result = plan({ keepWithin: '1d', minKeep: 3 }, snapshots);

      // Assess
      expect(result.keep).toEqual([
        { name: 'd_20261111', reasons: ['within 1d'] },
        { name: 'd_20261110', reasons: ['min-keep'] },
        { name: 'd_20261109', reasons: ['min-keep'] },
      ]);
      expect(droppedNames(result)).toEqual(['d_20261108', 'd_20261107']);
    });

    it('does not count future-dated or unmanaged snapshots towards minKeep', () => {
      // Prepare
      const snapshots = [
        owned('skewed', '2027-01-01T00:00:00Z'),
        { name: 'theirs', createdAt: '2026-11-20T12:00:00Z', owned: false, verified: false },
        owned('real_1', '2026-11-20T03:00:00Z'),
        owned('real_2', '2026-11-19T03:00:00Z'),
        owned('real_3', '2026-11-18T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepLast: 1, minKeep: 2 }, snapshots);

      // Assess
      expect(reasonsOf(result, 'real_2')).toEqual(['min-keep']);
      expect(droppedNames(result)).toEqual(['real_3']);
    });

    it('keeps everything when there are fewer managed snapshots than minKeep', () => {
      // Act
      const result = plan({ keepLast: 1, minKeep: 10 }, dailySnapshots('2026-11-20T03:00:00Z', 3));

      // Assess
      expect(result.drop).toEqual([]);
      expect(result.keep.map((entry) => entry.reasons)).toEqual([['last'], ['min-keep'], ['min-keep']]);
    });
  });

  describe('output', () => {
    it('orders both lists newest first, ties by name, whatever the input order', () => {
      // Prepare: b and a share a timestamp
      const snapshots = [
        owned('old', '2026-11-01T00:00:00Z'),
        owned('b_tied', '2026-11-10T00:00:00Z'),
        owned('newest', '2026-11-20T00:00:00+05:00'),
        owned('a_tied', '2026-11-10T01:00:00+01:00'),
      ];

      // Act
      const forward = plan({ keepLast: 2 }, snapshots);
      const backward = plan({ keepLast: 2 }, [...snapshots].reverse());

      // Assess
      expect(keptNames(forward)).toEqual(['newest', 'a_tied']);
      expect(droppedNames(forward)).toEqual(['b_tied', 'old']);
      expect(backward).toEqual(forward);
    });

    it('returns an empty plan for a collection without snapshots', () => {
      // Act
      const result = plan({ keepLast: 3 }, []);

      // Assess
      expect(result).toEqual({ keep: [], drop: [] });
    });
  });

  describe('invalid input', () => {
    it('refuses duplicate snapshot names, naming the snapshot and both positions', () => {
      // Prepare
      const snapshots = [owned('dup', '2026-11-20T03:00:00Z'), owned('dup', '2026-11-19T03:00:00Z')];

      // Act
      const act = () => plan({ keepLast: 1 }, snapshots);

      // Assess
      expect(act).toThrow(InvalidRetentionPlanInputError);
      expect(act).toThrow(
        '$.snapshots[1].name: duplicate snapshot name "dup" (also at snapshots[0]): snapshot names are unique per collection',
      );
    });

    it('refuses a creation time without a UTC offset rather than guess the zone', () => {
      // Act
      const act = () => plan({ keepLast: 1 }, [owned('a', '2026-11-20T03:00:00')]);

      // Assess
      expect(act).toThrow(/\$\.snapshots\[0\]\.createdAt: createdAt must be .*, got "2026-11-20T03:00:00"/);
    });

    it('refuses an invalid policy with the field and the value', () => {
      // Act
      const act = () => plan({ keepDaily: -3 }, []);

      // Assess
      expect(act).toThrow('$.policy.keepDaily: keepDaily must be a whole number of 0 or more, got -3');
    });
  });

  describe('a restic-compatible worked example (the one in the README)', () => {
    it('keeps what `restic forget --keep-last 2 --keep-daily 3 --keep-weekly 3 --keep-monthly 2` keeps, plus the safety keeps', () => {
      // Prepare: Saturday 21 Nov 2026 back to Wednesday 30 Sep 2026
      const snapshots = [
        owned('s01', '2026-11-21T03:00:00Z'),
        owned('s02', '2026-11-20T15:00:00Z'),
        owned('s03', '2026-11-20T03:00:00Z'),
        owned('s04', '2026-11-19T03:00:00Z'),
        owned('s05', '2026-11-15T03:00:00Z'),
        owned('s06', '2026-11-14T03:00:00Z'),
        owned('s07', '2026-11-08T03:00:00Z'),
        { name: 'manual_before_upgrade', createdAt: '2026-11-01T10:00:00Z', owned: false, verified: false },
        owned('s08', '2026-10-31T03:00:00Z'),
        owned('s09', '2026-10-15T03:00:00Z', { verified: true }),
        owned('s10', '2026-09-30T03:00:00Z'),
      ];

      // Act
      const result = plan({ keepLast: 2, keepDaily: 3, keepWeekly: 3, keepMonthly: 2 }, snapshots, {
        now: '2026-11-21T03:01:00Z',
      });

      // Assess
      expect(result.keep).toEqual([
        { name: 's01', reasons: ['last', 'daily', 'weekly', 'monthly'] },
        { name: 's02', reasons: ['last', 'daily'] },
        { name: 's04', reasons: ['daily'] },
        { name: 's05', reasons: ['weekly'] },
        { name: 's07', reasons: ['weekly'] },
        { name: 'manual_before_upgrade', reasons: ['not managed'] },
        { name: 's08', reasons: ['monthly'] },
        { name: 's09', reasons: ['newest verified'] },
      ]);
      expect(result.drop).toEqual(
        ['s03', 's06', 's10'].map((name) => ({
          name,
          reason: 'not kept by any rule (keep last 2, 3 daily, 3 weekly, 2 monthly)',
        })),
      );
    });
  });
});
