import { describe, expect, it } from 'vitest';
import {
  longestIntervalMinutes,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../../../lib/schedules/schedule-expression';

const interval = (expression: string, timezone = 'UTC') =>
  longestIntervalMinutes(parseScheduleExpression(expression), timezone);

describe('longestIntervalMinutes', () => {
  it.each([
    ['rate(1 hour)', 'UTC', 60],
    ['rate(6 hours)', 'UTC', 360],
    ['rate(5 minutes)', 'UTC', 5],
    ['rate(2 days)', 'UTC', 2880],
    ['cron(15 * * * ? *)', 'UTC', 60],
    ['cron(0/15 * * * ? *)', 'UTC', 15],
    ['cron(0 3 * * ? *)', 'UTC', 1440],
    ['cron(0 8,20 * * ? *)', 'UTC', 720],
    // Friday 03:00 to Monday 03:00.
    ['cron(0 3 ? * MON-FRI *)', 'UTC', 72 * 60],
    ['cron(0 3 ? * 2-6 *)', 'UTC', 72 * 60],
  ])('%s in %s is at most %i minutes apart', (expression, timezone, minutes) => {
    expect(interval(expression, timezone)).toBe(minutes);
  });

  it('counts the 25-hour night when a daily cron in a daylight-saving zone falls back', () => {
    // 03:00 Paris on the last Sunday of October is 25 hours after 03:00 the day before.
    expect(interval('cron(0 3 * * ? *)', 'Europe/Paris')).toBe(25 * 60);
    expect(interval('cron(0 3 * * ? *)', 'Asia/Tokyo')).toBe(24 * 60);
  });

  it('reads day-of-week the AWS way: 1 is Sunday', () => {
    // SUN and 1 are the same day: a weekly schedule either way.
    expect(interval('cron(0 6 ? * 1 *)')).toBe(7 * 24 * 60);
    expect(interval('cron(0 6 ? * SUN *)', 'America/New_York')).toBe(7 * 24 * 60 + 60);
  });

  it('finds the longest gap of month-based rules', () => {
    // Last day of the month: 31 days between Jan 31 and... Feb 28/29 is shorter; Jul 31 → Aug 31 is 31 days.
    expect(interval('cron(0 3 L * ? *)')).toBe(31 * 24 * 60);
    // The third Friday: five weeks apart at most.
    expect(interval('cron(0 3 ? * 6#3 *)')).toBe(35 * 24 * 60);
    // The last Friday: five weeks apart at most.
    expect(interval('cron(0 3 ? * 6L *)')).toBe(35 * 24 * 60);
    // The weekday nearest the 15th moves by up to two days either way.
    const nearest15th = interval('cron(0 12 15W * ? *)') ?? 0;
    expect(nearest15th).toBeGreaterThan(31 * 24 * 60);
    expect(nearest15th).toBeLessThanOrEqual(33 * 24 * 60);
  });

  it('gives no interval to an expression that does not repeat in the window', () => {
    expect(interval('cron(0 3 1 1 ? 2020)')).toBeUndefined();
    expect(interval('cron(0 3 1 1 ? 2027)')).toBeUndefined();
  });
});

describe('parseScheduleExpression', () => {
  it.each([
    ['daily', 'expected "rate(<value> <unit>)" or "cron('],
    ['cron(0 3 * * ?)', 'cron needs 6 fields'],
    ['cron(0 3 * * * *)', 'exactly one of them must be "?"'],
    ['cron(0 3 ? * ? *)', 'exactly one of them must be "?"'],
    ['cron(0 25 * * ? *)', 'cron hours must be 0-23, got "25"'],
    ['cron(61 3 * * ? *)', 'cron minutes must be 0-59, got "61"'],
    ['cron(0 3 ? * FUNDAY *)', 'cron day-of-week must be 1-7 or SUN-SAT, got "FUNDAY"'],
    ['cron(0 3 ? * 8 *)', 'cron day-of-week must be 1-7 or SUN-SAT, got "8"'],
    ['cron(0 3 ? * 2#6 *)', 'the number after # must be 1 to 5'],
    ['cron(0 3 * 13 ? *)', 'cron month must be 1-12 or JAN-DEC, got "13"'],
    ['cron(0 5-3 * * ? *)', 'runs backwards'],
    ['rate(1 hours)', 'write "rate(1 hour)"'],
    ['rate(2 hour)', 'write "rate(2 hours)"'],
    ['rate(0 minutes)', 'rate value must be a whole number of 1 or more, got 0'],
    ['rate(3 weeks)', 'rate unit must be minute(s), hour(s) or day(s), got "weeks"'],
  ])('refuses %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });

  it('accepts names in any case, lists, ranges and steps', () => {
    const cron = parseScheduleExpression('cron(0/20 1-3,22 ? jan,Jul mon-fri 2026-2030/2)');
    expect(cron).toMatchObject({ kind: 'cron', minutes: [0, 20, 40], hours: [1, 2, 3, 22] });
    if (cron.kind !== 'cron') throw new Error('expected a cron');
    expect([...cron.months]).toEqual([1, 7]);
    expect(cron.years && [...cron.years]).toEqual([2026, 2028, 2030]);
  });
});
