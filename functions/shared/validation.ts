import type * as z from 'zod';

/**
 * Parses `value` with `schema` and returns the data, or throws what `makeError` builds from a
 * message that names every bad field by its path and shows the value received, e.g.
 * `mode: expected one of "backup"|"drill"|"full", got "weekly"`.
 *
 * @param what what is being parsed, for the message (e.g. "execution input")
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  makeError: (message: string) => Error,
): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw makeError(`invalid ${what}: ${describeIssues(result.error.issues)}`);
}

/** One line per issue: `path: message, got <value>`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_LISTED_ISSUES);
  const more = issues.length - shown.length;
  return shown
    .map((issue) => {
      const path = issue.path.length ? formatPath(issue.path) : '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${listNames(issue.keys.map((k) => preview(k)))}`;
      }
      const shown = 'input' in issue && issue.input !== undefined ? preview(issue.input) : undefined;
      // Messages written for a field often quote the value already; do not say it twice.
      const got = shown !== undefined && !issue.message.includes(shown) ? `, got ${shown}` : '';
      return `${path}: ${issue.message}${got}`;
    })
    .concat(more > 0 ? [`and ${more.toLocaleString('en-US')} more problem${more === 1 ? '' : 's'}`] : [])
    .join('; ');
}

/** Issues a message describes at most; a larger input still gets a message of bounded size. */
const MAX_LISTED_ISSUES = 10;

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The value a record holds under its own key `key`, never one inherited from `Object.prototype`:
 * a retention policy or schedule named `constructor` or `toString` is looked up like any other.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Names a listing of unbounded length shows at most; the rest are counted. */
export const MAX_LISTED_NAMES = 10;

/** `a, b, c and 99,997 more`: a list of names for a message, bounded in length. */
export function listNames(names: readonly string[], max = MAX_LISTED_NAMES): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${(names.length - max).toLocaleString('en-US')} more`;
}
