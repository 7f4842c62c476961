import { DateTime } from 'luxon';

/**
 * EventBridge Scheduler expressions — `rate(…)` and the six-field AWS `cron(…)` — parsed strictly
 * enough to refuse at synth what Scheduler would refuse at deploy, and to tell how long the longest
 * gap between two runs can be (the freshness alarm's interval).
 *
 * AWS cron differs from Unix cron: six fields (minutes hours day-of-month month day-of-week year),
 * day-of-week counts 1–7 from Sunday, one of day-of-month and day-of-week must be `?`, and
 * `L`, `W` and `#` are supported.
 */

/** A parsed `rate(value unit)` expression. */
export interface RateExpression {
  readonly kind: 'rate';
  readonly minutes: number;
}

/** Day-of-month rule of a cron expression. */
type DayOfMonthRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Day-of-week rule of a cron expression (AWS numbering: 1 = Sunday … 7 = Saturday). */
type DayOfWeekRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'lastOfMonth'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

/** A parsed AWS cron expression. */
export interface CronExpression {
  readonly kind: 'cron';
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeekRule;
  /** `undefined` means every year. */
  readonly years: ReadonlySet<number> | undefined;
}

/** A parsed schedule expression. */
export type ScheduleExpression = RateExpression | CronExpression;

/** Thrown for an expression EventBridge Scheduler would refuse; the message says what to change. */
export class ScheduleExpressionError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

const RATE = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/;
const CRON = /^cron\((.*)\)$/;
const RATE_UNITS: Readonly<Record<string, number>> = { minute: 1, hour: 60, day: 24 * 60 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Parses an EventBridge Scheduler `rate(…)` or `cron(…)` expression.
 *
 * @throws ScheduleExpressionError naming the field and the value that is wrong
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) return parseRate(Number(rate[1]), rate[2] ?? '');
  const cron = CRON.exec(text);
  if (cron) return parseCron(cron[1] ?? '');
  throw new ScheduleExpressionError(
    `expected "rate(<value> <unit>)" or "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)", got "${expression}"`,
  );
}

function parseRate(value: number, unit: string): RateExpression {
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const perUnit = RATE_UNITS[singular];
  if (perUnit === undefined) {
    throw new ScheduleExpressionError(`rate unit must be minute(s), hour(s) or day(s), got "${unit}"`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ScheduleExpressionError(`rate value must be a whole number of 1 or more, got ${value}`);
  }
  // Scheduler insists: rate(1 hour), rate(2 hours).
  if ((value === 1) !== (unit === singular)) {
    const fixed = value === 1 ? singular : `${singular}s`;
    throw new ScheduleExpressionError(`write "rate(${value} ${fixed})": the unit is singular only for 1`);
  }
  return { kind: 'rate', minutes: value * perUnit };
}

function parseCron(body: string): CronExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length} in "cron(${body})"`,
    );
  }
  const [minutes = '', hours = '', dom = '', month = '', dow = '', year = ''] = fields;
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError(
      `cron day-of-month "${dom}" and day-of-week "${dow}": exactly one of them must be "?", e.g. "cron(0 3 * * ? *)" or "cron(0 3 ? * MON *)"`,
    );
  }
  return {
    kind: 'cron',
    minutes: [...parseList('minutes', minutes, 0, 59)].sort((a, b) => a - b),
    hours: [...parseList('hours', hours, 0, 23)].sort((a, b) => a - b),
    dayOfMonth: parseDayOfMonth(dom),
    months: parseList('month', month, 1, 12, MONTHS),
    dayOfWeek: parseDayOfWeek(dow),
    years: year === '*' ? undefined : parseList('year', year, 1970, 2199),
  };
}

function parseDayOfMonth(field: string): DayOfMonthRule {
  if (field === '?' || field === '*') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  if (field === 'LW') return { kind: 'lastWeekday' };
  const weekday = /^(\d{1,2})W$/.exec(field);
  if (weekday) return { kind: 'nearestWeekday', day: parseValue('day-of-month', weekday[1] ?? '', 1, 31) };
  return { kind: 'days', days: parseList('day-of-month', field, 1, 31) };
}

function parseDayOfWeek(field: string): DayOfWeekRule {
  if (field === '?' || field === '*') return { kind: 'any' };
  if (field === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^(\w+)L$/.exec(field);
  if (last) return { kind: 'lastOfMonth', day: parseValue('day-of-week', last[1] ?? '', 1, 7, WEEKDAYS) };
  const nth = /^(\w+)#(\d)$/.exec(field);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) {
      throw new ScheduleExpressionError(`cron day-of-week "${field}": the number after # must be 1 to 5`);
    }
    return { kind: 'nth', day: parseValue('day-of-week', nth[1] ?? '', 1, 7, WEEKDAYS), nth: n };
  }
  return { kind: 'days', days: parseList('day-of-week', field, 1, 7, WEEKDAYS) };
}

/** A comma-separated list of `*`, `n`, `a-b`, with optional `/step`. */
function parseList(
  name: string,
  field: string,
  min: number,
  max: number,
  names?: readonly string[],
): ReadonlySet<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') {
      throw new ScheduleExpressionError(`cron ${name} "${field}" is not valid`);
    }
    const step = stepText === undefined ? 1 : parseValue(`${name} step`, stepText, 1, max - min + 1);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [min, max];
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [parseValue(name, a, min, max, names), parseValue(name, b, min, max, names)];
      if (from > to) {
        throw new ScheduleExpressionError(`cron ${name} range "${range}" runs backwards; write it low-high`);
      }
    } else {
      from = parseValue(name, range, min, max, names);
      // `5/15` means "from 5, every 15" to the end of the field.
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseValue(name: string, text: string, min: number, max: number, names?: readonly string[]): number {
  const byName = names?.indexOf(text.toUpperCase()) ?? -1;
  if (byName >= 0) return byName + min;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    const hint = names ? ` or ${names[0]}-${names.at(-1)}` : '';
    throw new ScheduleExpressionError(`cron ${name} must be ${min}-${max}${hint}, got "${text}"`);
  }
  return value;
}

/** Start of the window scanned for cron gaps: fixed, so a synth gives the same template every day. */
const SCAN_FROM = { year: 2026, month: 1, day: 1 } as const;
/** Three years: includes a leap day (2028-02-29) and every weekday/month-length combination. */
const SCAN_DAYS = 3 * 366;

/**
 * The longest time, in minutes, between two consecutive runs of `expression` read in `timezone`:
 * what "no run for longer than its interval" must mean for this schedule.
 *
 * For cron expressions this scans three calendar years (including a leap day), so irregular
 * schedules (weekdays only, the last Friday of the month) get their real worst case. Days on which
 * the time zone's offset changes are counted with the shift added, which errs on the long side.
 *
 * @returns the interval, or `undefined` when the expression fires fewer than twice in the window
 *   (e.g. a cron restricted to one past year)
 */
export function longestIntervalMinutes(expression: ScheduleExpression, timezone: string): number | undefined {
  if (expression.kind === 'rate') return expression.minutes;
  // A scan costs about half a second (luxon), and one synthesis asks for every schedule twice.
  const key = `${timezone} ${JSON.stringify(expression)}`;
  if (!longestIntervals.has(key)) longestIntervals.set(key, scanLongestInterval(expression, timezone));
  return longestIntervals.get(key);
}

/** {@link longestIntervalMinutes} of the cron expressions seen in this process, by zone and expression. */
const longestIntervals = new Map<string, number | undefined>();

function scanLongestInterval(expression: CronExpression, timezone: string): number | undefined {
  const { minutes, hours } = expression;
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return undefined;
  let intraDay = 0;
  for (let i = 1; i < times.length; i++) intraDay = Math.max(intraDay, (times[i] ?? 0) - (times[i - 1] ?? 0));

  let previous: number | undefined;
  let longest = 0;
  let runs = 0;
  const start = DateTime.fromObject(SCAN_FROM, { zone: timezone });
  for (let d = 0; d < SCAN_DAYS; d++) {
    const day = start.plus({ days: d });
    if (!cronFiresOn(expression, day)) continue;
    const at = (minuteOfDay: number) =>
      day.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 }).toMillis();
    const firstRun = at(first);
    const lastRun = at(last);
    if (previous !== undefined) longest = Math.max(longest, (firstRun - previous) / 60_000);
    const shift = Math.abs(day.endOf('day').offset - day.startOf('day').offset);
    longest = Math.max(longest, intraDay + (times.length > 1 ? shift : 0));
    previous = lastRun;
    runs += times.length;
  }
  return runs >= 2 ? Math.ceil(longest) : undefined;
}

/**
 * Whether a cron expression fires on this calendar day (in the day's own zone): years, months,
 * and the day-of-month and day-of-week rules of AWS cron (`L`, `W`, `LW`, `#`, `?`).
 */
export function cronFiresOn(cron: CronExpression, day: DateTime): boolean {
  if (cron.years && !cron.years.has(day.year)) return false;
  if (!cron.months.has(day.month)) return false;
  const daysInMonth = day.daysInMonth ?? 31;
  // luxon: 1 = Monday … 7 = Sunday; AWS: 1 = Sunday … 7 = Saturday.
  const awsWeekday = (day.weekday % 7) + 1;
  return (
    matchesDayOfMonth(cron.dayOfMonth, day, daysInMonth) && matchesDayOfWeek(cron.dayOfWeek, day, awsWeekday)
  );
}

function matchesDayOfMonth(rule: DayOfMonthRule, day: DateTime, daysInMonth: number): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'days':
      return rule.days.has(day.day);
    case 'last':
      return day.day === daysInMonth;
    case 'lastWeekday':
      return day.day === nearestWeekday(day, daysInMonth, daysInMonth);
    case 'nearestWeekday':
      return day.day === nearestWeekday(day, Math.min(rule.day, daysInMonth), daysInMonth);
  }
}

/** The weekday (Mon–Fri) nearest to `target` within the same month, as Quartz/AWS define `W`. */
function nearestWeekday(day: DateTime, target: number, daysInMonth: number): number {
  const weekday = day.set({ day: target }).weekday;
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 7) return target === daysInMonth ? target - 2 : target + 1;
  return target;
}

function matchesDayOfWeek(rule: DayOfWeekRule, day: DateTime, awsWeekday: number): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'days':
      return rule.days.has(awsWeekday);
    case 'lastOfMonth':
      return awsWeekday === rule.day && day.day + 7 > (day.daysInMonth ?? 31);
    case 'nth':
      return awsWeekday === rule.day && Math.ceil(day.day / 7) === rule.nth;
  }
}
