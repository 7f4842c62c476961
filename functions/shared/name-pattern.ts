import { MAX_MILVUS_NAME_LENGTH } from './snapshot-naming';

/**
 * Patterns of Milvus names, as selectors and run inputs write them: `*` stands for any run of
 * characters (none included), `?` for exactly one, every other character for itself. This is the
 * language of IAM's `StringLike`, and all a Milvus name needs: names hold only letters, digits,
 * `_` and `$`, so there is nothing to escape, no path separator and no hidden file to treat apart.
 * Matching is case-sensitive, as Milvus names are.
 */

/** Characters a Milvus name may hold, besides the pattern's wildcards. */
const NAME_CHARACTER = /[A-Za-z0-9_$]/;

/** Characters of other glob languages, refused with a hint rather than taken literally. */
const OTHER_GLOB_SYNTAX = /[[\]{}!^|()+@\\]/;

/** Whether `text` has a wildcard (`*` or `?`): a pattern rather than one name. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/**
 * Why `pattern` can never match a valid Milvus name (or is not a pattern this language has), or
 * `undefined` when it is a usable pattern. The message says what to change.
 */
export function namePatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'it is empty; "*" matches every name';
  const bad = [...pattern].findIndex((c) => c !== '*' && c !== '?' && !NAME_CHARACTER.test(c));
  if (bad >= 0) {
    const c = pattern[bad] ?? '';
    if (c === '.') {
      return `it contains '.' at position ${bad}: a pattern matches one name, so give the database in "database" and the collection pattern apart`;
    }
    if (OTHER_GLOB_SYNTAX.test(c)) {
      return `it contains '${c}' at position ${bad}: patterns have only '*' (any run of characters) and '?' (one character); list several patterns instead of classes or alternatives`;
    }
    return `it contains '${c}' at position ${bad}, which no Milvus name holds (names use letters, digits, '_' and '$'; patterns add '*' and '?')`;
  }
  const first = pattern[0] ?? '';
  if (first !== '*' && first !== '?' && !/[A-Za-z_]/.test(first)) {
    return `it starts with '${first}', but Milvus names start with a letter or '_', so it can never match; did you mean "*${pattern}"?`;
  }
  const fewest = [...pattern].filter((c) => c !== '*').length;
  if (fewest > MAX_MILVUS_NAME_LENGTH) {
    return `it needs at least ${fewest} characters, and Milvus names have at most ${MAX_MILVUS_NAME_LENGTH}, so it can never match`;
  }
  return undefined;
}

/**
 * Whether `name` matches `pattern` (see the module's comment). Linear in practice and at worst
 * O(pattern × name), never exponential: a `*` is retried from one position at a time.
 */
export function matchesNamePattern(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p += 1;
      n += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      p += 1;
      resume = n;
    } else if (star >= 0) {
      // The last `*` takes one more character, and matching goes on after it.
      p = star + 1;
      resume += 1;
      n = resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p += 1;
  return p === pattern.length;
}
