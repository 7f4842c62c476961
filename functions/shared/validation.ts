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
  return issues
    .map((issue) => {
      const path = issue.path.length ? formatPath(issue.path) : '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      const shown = 'input' in issue && issue.input !== undefined ? preview(issue.input) : undefined;
      // Messages written for a field often quote the value already; do not say it twice.
      const got = shown !== undefined && !issue.message.includes(shown) ? `, got ${shown}` : '';
      return `${path}: ${issue.message}${got}`;
    })
    .join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
