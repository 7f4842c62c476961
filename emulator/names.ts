import { MilvusStatusError } from './errors';
import { invalidParameter } from './milvus-errors';
import { MilvusCode } from './milvus-status';

// Milvus 3.0 validates names with three different helpers, and each words its failures its own
// way (internal/proxy/ddl/util.go and internal/proxy/util.go). Clients that grep reasons see
// those words, so the emulator keeps all three rather than one tidy rule.

/** Longest name the server accepts (proxy.maxNameLength). */
export const MAX_NAME_LENGTH = 255;

/** Characters besides letters, digits and `_` that snapshot names may hold (proxy.nameValidationAllowedChars). */
const ALLOWED_EXTRA_CHARS = '$';

/**
 * The proxy's `validateName`: used for snapshot names and for a restore's target collection.
 * Validates the trimmed name, but (like the server) the caller keeps using the name as sent:
 * `"  daily "` passes and is stored with its spaces.
 *
 * @param what `snapshot name` or `collection name`, as the reason words it.
 * @throws MilvusStatusError 1100 with the server's reason.
 */
export function validateName(what: 'snapshot name' | 'collection name', raw: string): void {
  const name = raw.trim();
  if (name === '') {
    throw invalidParameter(`${what} should be not empty`, '[expected=not empty][actual=]');
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidParameter(
      `the length of ${what} must be not greater than limit`,
      `[${name.length} out of range 0 <= value <= ${MAX_NAME_LENGTH}]`,
    );
  }
  const first = name.charCodeAt(0);
  if (name.charAt(0) !== '_' && !isLetter(name.charAt(0))) {
    // The server passes both characters as bytes, so the reason shows their codes.
    throw invalidParameter(
      `the first character of ${what} must be an underscore or letter`,
      `[expected=${'_'.charCodeAt(0)}][actual=${first}]`,
    );
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && !isLetter(c) && !isDigit(c) && !ALLOWED_EXTRA_CHARS.includes(c)) {
      throw invalidParameter(
        `${what} can only contain numbers, letters, underscores, and allowed characters (${ALLOWED_EXTRA_CHARS}), found ${c} at ${i}`,
      );
    }
  }
}

/**
 * The proxy's `validateCollectionNameOrAlias`: used for CreateCollection, DropCollection,
 * RenameCollection and the alias calls. Stricter than {@link validateName}: no `$`.
 *
 * @param kind `name` for a collection name, `alias` for an alias.
 * @throws MilvusStatusError 1100 with the server's reason.
 */
export function validateCollectionNameOrAlias(kind: 'name' | 'alias', raw: string): void {
  const name = kind === 'name' ? raw.trim() : raw;
  if (name === '') {
    throw invalidParameter(`collection ${kind} should not be empty`);
  }
  const invalid = `Invalid collection ${kind}: ${name}. `;
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidParameter(
      `${invalid} the length of a collection ${kind} must be less than ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (name.charAt(0) !== '_' && !isLetter(name.charAt(0))) {
    throw invalidParameter(
      `${invalid} the first character of a collection ${kind} must be an underscore or letter`,
    );
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && !isLetter(c) && !isDigit(c)) {
      throw invalidParameter(
        `${invalid} collection ${kind} can only contain numbers, letters and underscores`,
      );
    }
  }
}

/**
 * The proxy's `ValidateDatabaseName`.
 *
 * @throws MilvusStatusError 802 with the server's reason.
 */
export function validateDatabaseName(name: string): void {
  const fail = (detail: string): MilvusStatusError =>
    new MilvusStatusError(
      MilvusCode.DatabaseInvalidName,
      `${detail}: invalid database name[database=${name}]`,
    );
  if (name === '') {
    throw fail("database name couldn't be empty");
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw fail(`the length of a database name must be less than ${MAX_NAME_LENGTH} characters`);
  }
  if (name.charAt(0) !== '_' && !isLetter(name.charAt(0))) {
    throw fail('the first character of a database name must be an underscore or letter');
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && !isLetter(c) && !isDigit(c)) {
      throw fail('database name can only contain numbers, letters and underscores');
    }
  }
}

/**
 * The proxy's `validateFieldName`; returns the trimmed name.
 *
 * @throws MilvusStatusError 1701 with the server's reason.
 */
export function validateFieldName(raw: string): string {
  const name = raw.trim();
  const fail = (detail: string): MilvusStatusError =>
    new MilvusStatusError(MilvusCode.FieldInvalidName, `${detail}: field name invalid[field=${name}]`);
  if (name === '') {
    throw fail('field name should not be empty');
  }
  const invalid = `Invalid field name: ${name}. `;
  if (name.length > MAX_NAME_LENGTH) {
    throw fail(`${invalid}The length of a field name must be less than ${MAX_NAME_LENGTH} characters.`);
  }
  if (name.charAt(0) !== '_' && !isLetter(name.charAt(0))) {
    throw fail(`${invalid}The first character of a field name must be an underscore or letter.`);
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && !isLetter(c) && !isDigit(c)) {
      throw fail(`${invalid}Field name can only contain numbers, letters, and underscores.`);
    }
  }
  return name;
}

/**
 * The proxy's `validatePartitionTag` (strict); returns the trimmed name.
 *
 * @throws MilvusStatusError 1100 with the server's reason.
 */
export function validatePartitionName(raw: string): string {
  const name = raw.trim();
  const invalid = `Invalid partition name: ${name}. `;
  if (name === '') {
    throw invalidParameter(`${invalid}Partition name should not be empty.`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidParameter(
      `${invalid}The length of a partition name must be less than ${MAX_NAME_LENGTH} characters.`,
    );
  }
  const first = name.charAt(0);
  if (first !== '_' && !isLetter(first) && !isDigit(first)) {
    throw invalidParameter(
      `${invalid}The first character of a partition name must be an underscore or letter.`,
    );
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c !== '_' && c !== '-' && !isLetter(c) && !isDigit(c)) {
      throw invalidParameter(`${invalid}Partition name can only contain numbers, letters and underscores.`);
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
