import { MilvusStatusError } from './errors';
import { invalidParameter } from './milvus-errors';
import { MilvusCode } from './milvus-status';

/** What a name names; it appears in the server's error text ("snapshot name can only ..."). */
export type NamedResource = 'snapshot' | 'collection' | 'alias' | 'partition' | 'field' | 'database';

/** Longest name the server accepts. */
export const MAX_NAME_LENGTH = 255;

/**
 * Validates a resource name the way the Milvus proxy does and returns it trimmed: non-empty, at
 * most 255 characters, first character a letter or `_`, the rest letters, digits, `_` or `$`.
 *
 * @throws MilvusStatusError code 1100 (802 for databases) with the server's reason.
 */
export function validateName(kind: NamedResource, raw: string): string {
  const name = raw.trim();
  const fail = (detail: string): MilvusStatusError =>
    kind === 'database'
      ? new MilvusStatusError(
          MilvusCode.DatabaseInvalidName,
          `${detail}: invalid database name[database=${name}]`,
        )
      : invalidParameter(detail);
  if (name.length === 0) {
    throw fail(`${kind} name should not be empty`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw fail(`the length of a ${kind} name must be less than ${MAX_NAME_LENGTH} characters`);
  }
  const first = name.charAt(0);
  if (first !== '_' && !isLetter(first)) {
    throw fail(`the first character of a ${kind} name must be an underscore or letter`);
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && c !== '$' && !isLetter(c) && !isDigit(c)) {
      throw fail(
        `${kind} name can only contain numbers, letters, underscores, and allowed characters ($), found ${c} at ${i}`,
      );
    }
  }
  return name;
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
