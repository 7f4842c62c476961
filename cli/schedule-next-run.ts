import { DateTime } from 'luxon';
import {
  type CronExpression,
  cronFiresOn,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../lib/schedules/schedule-expression';

/** What EventBridge Scheduler knows about when a schedule fires. */
export interface ScheduleTiming {
  /** `cron(…)`, `rate(…)` or `at(…)`. */
  readonly expression: string;
  /** IANA zone the expression is read in. @default 'UTC' */
  readonly timezone?: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
}

/** How far ahead a cron expression is searched (years restricted to the far future are not worth it). */
const SEARCH_DAYS = 5 * 366;

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

/**
 * The next time a schedule fires after `after`, or `undefined` when that cannot be told: a
 * `rate(…)` without a start date (Scheduler counts from when it was created, which it does not
 * say), an expression this parser refuses, or no firing in the next five years.
 *
 * Times that do not exist on a daylight-saving day are moved forward, as luxon does.
 */
export function nextRun(timing: ScheduleTiming, after: Date): Date | undefined {
  const zone = timing.timezone ?? 'UTC';
  const from =
    timing.startDate && timing.startDate > after ? new Date(timing.startDate.getTime() - 1) : after;
  const next = nextFiring(timing.expression.trim(), zone, from, timing.startDate);
  if (next === undefined || (timing.endDate && next > timing.endDate)) return undefined;
  return next;
}

function nextFiring(
  expression: string,
  zone: string,
  after: Date,
  startDate: Date | undefined,
): Date | undefined {
  const at = AT.exec(expression);
  if (at) {
    const when = DateTime.fromISO(at[1] ?? '', { zone });
    return when.isValid && when.toMillis() > after.getTime() ? when.toJSDate() : undefined;
  }
  let parsed: ReturnType<typeof parseScheduleExpression>;
  try {
    parsed = parseScheduleExpression(expression);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) return undefined;
    throw error;
  }
  if (parsed.kind === 'rate') {
    if (!startDate) return undefined;
    const step = parsed.minutes * 60_000;
    const periods = Math.max(0, Math.floor((after.getTime() - startDate.getTime()) / step) + 1);
    return new Date(startDate.getTime() + periods * step);
  }
  return nextCron(parsed, zone, after);
}

function nextCron(cron: CronExpression, zone: string, after: Date): Date | undefined {
  const times = cron.hours.flatMap((h) => cron.minutes.map((m) => ({ hour: h, minute: m })));
  const first = DateTime.fromJSDate(after, { zone }).startOf('day');
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const day = first.plus({ days: d });
    if (!cronFiresOn(cron, day)) continue;
    for (const time of times) {
      const at = day.set(time);
      if (at.toMillis() > after.getTime()) return at.toJSDate();
    }
  }
  return undefined;
}
