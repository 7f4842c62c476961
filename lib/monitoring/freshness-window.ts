/**
 * How a freshness alarm looks back: `evaluationPeriods` consecutive periods of `periodSeconds`
 * without a successful run put it in ALARM, so it fires between `windowMinutes` and one period
 * after the last success.
 */
export interface FreshnessWindow {
  /** The schedule's longest interval plus its margin. */
  readonly windowMinutes: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/**
 * CloudWatch evaluates at most 7 days of data (Period × EvaluationPeriods ≤ 604,800 s), and at most
 * one day when the period is shorter than an hour.
 */
export const MAX_ALARM_WINDOW_MINUTES = 7 * 24 * 60;
const ONE_DAY_MINUTES = 24 * 60;

/**
 * The alarm shape for "no successful run within `intervalMinutes + marginMinutes`".
 *
 * @returns `undefined` when the window is longer than CloudWatch can evaluate (a weekly schedule
 *   plus any margin): such a schedule cannot have a freshness alarm that never fires early.
 */
export function freshnessWindow(intervalMinutes: number, marginMinutes: number): FreshnessWindow | undefined {
  const windowMinutes = intervalMinutes + marginMinutes;
  if (windowMinutes > MAX_ALARM_WINDOW_MINUTES) return undefined;
  const periodMinutes = windowMinutes <= 120 ? 1 : windowMinutes <= ONE_DAY_MINUTES ? 5 : 60;
  return {
    windowMinutes,
    periodSeconds: periodMinutes * 60,
    evaluationPeriods: Math.ceil(windowMinutes / periodMinutes),
  };
}
