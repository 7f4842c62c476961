import { describe, expect, it } from 'vitest';
import { freshnessWindow, MAX_ALARM_WINDOW_MINUTES } from '../../../lib/monitoring/freshness-window';

describe('freshnessWindow', () => {
  it('watches an hourly schedule minute by minute', () => {
    expect(freshnessWindow(60, 60)).toEqual({
      windowMinutes: 120,
      periodSeconds: 60,
      evaluationPeriods: 120,
    });
  });

  it('uses 5-minute periods up to a day (CloudWatch evaluates at most a day of sub-hour periods)', () => {
    const window = freshnessWindow(6 * 60, 60);
    expect(window).toEqual({ windowMinutes: 420, periodSeconds: 300, evaluationPeriods: 84 });
    const day = freshnessWindow(23 * 60, 60);
    expect(day && day.periodSeconds * day.evaluationPeriods).toBe(86_400);
  });

  it('uses hourly periods beyond a day, up to the 7-day limit', () => {
    expect(freshnessWindow(25 * 60, 120)).toEqual({
      windowMinutes: 1620,
      periodSeconds: 3600,
      evaluationPeriods: 27,
    });
    const longest = freshnessWindow(MAX_ALARM_WINDOW_MINUTES - 60, 60);
    expect(longest && longest.periodSeconds * longest.evaluationPeriods).toBe(604_800);
  });

  it('never fires before the window is over', () => {
    for (const [interval, margin] of [
      [5, 1],
      [60, 17],
      [1440, 60],
      [1500, 120],
      [4320, 61],
    ] as const) {
      const window = freshnessWindow(interval, margin);
      expect(window && (window.periodSeconds * window.evaluationPeriods) / 60).toBeGreaterThanOrEqual(
        interval + margin,
      );
    }
  });

  it('gives up on windows longer than CloudWatch can look back, such as weekly schedules', () => {
    expect(freshnessWindow(7 * 24 * 60, 1)).toBeUndefined();
  });
});
