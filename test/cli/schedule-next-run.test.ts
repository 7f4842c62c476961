import { describe, expect, it } from 'vitest';
import { nextRun } from '../../cli/schedule-next-run';

const at = (iso: string) => new Date(iso);

describe('nextRun', () => {
  it('reads a daily cron in its time zone (03:00 Paris is 02:00 UTC in winter)', () => {
    expect(
      nextRun({ expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' }, at('2026-11-21T01:00:00Z')),
    ).toEqual(at('2026-11-21T02:00:00Z'));
  });

  it('moves to the next day once today’s time has passed, and follows summer time', () => {
    expect(
      nextRun({ expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' }, at('2026-07-01T01:00:00Z')),
    ).toEqual(at('2026-07-02T01:00:00Z'));
  });

  it('is strictly after the given time', () => {
    expect(nextRun({ expression: 'cron(15 * * * ? *)' }, at('2026-11-21T03:15:00Z'))).toEqual(
      at('2026-11-21T04:15:00Z'),
    );
  });

  it('skips the weekend for a weekday schedule', () => {
    // 2026-11-20 is a Friday.
    expect(nextRun({ expression: 'cron(0 9 ? * MON-FRI *)' }, at('2026-11-20T10:00:00Z'))).toEqual(
      at('2026-11-23T09:00:00Z'),
    );
  });

  it('understands L (last day of the month) and # (the nth weekday)', () => {
    expect(nextRun({ expression: 'cron(0 0 L * ? *)' }, at('2027-02-01T00:00:00Z'))).toEqual(
      at('2027-02-28T00:00:00Z'),
    );
    // The first Sunday (1) of December 2026 is the 6th.
    expect(nextRun({ expression: 'cron(0 6 ? * 1#1 *)' }, at('2026-11-21T00:00:00Z'))).toEqual(
      at('2026-12-06T06:00:00Z'),
    );
  });

  it('counts a rate from its start date, and cannot tell without one', () => {
    const startDate = at('2026-11-01T00:30:00Z');
    expect(nextRun({ expression: 'rate(6 hours)', startDate }, at('2026-11-21T01:00:00Z'))).toEqual(
      at('2026-11-21T06:30:00Z'),
    );
    expect(nextRun({ expression: 'rate(6 hours)', startDate }, at('2026-10-01T00:00:00Z'))).toEqual(
      startDate,
    );
    expect(nextRun({ expression: 'rate(6 hours)' }, at('2026-11-21T01:00:00Z'))).toBeUndefined();
  });

  it('reads a one-time at() schedule in its zone, and nothing once it is past', () => {
    const timing = { expression: 'at(2026-12-24T18:00:00)', timezone: 'America/New_York' };
    expect(nextRun(timing, at('2026-11-21T00:00:00Z'))).toEqual(at('2026-12-24T23:00:00Z'));
    expect(nextRun(timing, at('2026-12-25T00:00:00Z'))).toBeUndefined();
  });

  it('respects start and end dates', () => {
    const expression = 'cron(0 3 * * ? *)';
    expect(
      nextRun({ expression, startDate: at('2027-01-10T12:00:00Z') }, at('2026-11-21T00:00:00Z')),
    ).toEqual(at('2027-01-11T03:00:00Z'));
    expect(
      nextRun({ expression, endDate: at('2026-11-21T02:59:00Z') }, at('2026-11-21T00:00:00Z')),
    ).toBeUndefined();
  });

  it('gives up on years that are over and on expressions it cannot read', () => {
    expect(nextRun({ expression: 'cron(0 3 * * ? 2020)' }, at('2026-11-21T00:00:00Z'))).toBeUndefined();
    expect(nextRun({ expression: 'every day' }, at('2026-11-21T00:00:00Z'))).toBeUndefined();
  });
});
