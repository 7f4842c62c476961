import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigurationError } from '../errors';
import { PLACEHOLDER_TOKEN } from './token-placeholder';

export { PLACEHOLDER_TOKEN } from './token-placeholder';

/** How long a fetched token is reused before Secrets Manager is asked again (rotation window). */
const TOKEN_MAX_AGE_SECONDS = 300;

/**
 * Reads the Milvus token from a secret. The secret holds either the token itself (`user:password`
 * works too) or JSON with a `token` field, or `username` and `password` fields.
 *
 * Powertools caches the value for five minutes across warm invocations, so a rotated token is
 * picked up without a redeploy; `forceFetch` skips the cache after Milvus refused the old one.
 */
export async function readMilvusToken(secretId: string, forceFetch = false): Promise<string> {
  let raw: unknown;
  try {
    raw = await getSecret(secretId, { maxAge: TOKEN_MAX_AGE_SECONDS, forceFetch });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`could not read the Milvus token secret ${secretId}: ${reason}`);
  }
  const token = tokenFromSecretValue(typeof raw === 'string' ? raw : '');
  if (!token) {
    throw new ConfigurationError(
      `the Milvus token secret ${secretId} is empty; store the token (or JSON {"token": "..."}) in it`,
    );
  }
  if (token === PLACEHOLDER_TOKEN) {
    throw new ConfigurationError(
      `the Milvus token secret ${secretId} still holds the placeholder value; set it with ` +
        `"aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <token>"`,
    );
  }
  return token;
}

/** The token inside a secret string (plain, or JSON with `token` or `username`/`password`). */
export function tokenFromSecretValue(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  try {
    const parsed = JSON.parse(trimmed) as { token?: unknown; username?: unknown; password?: unknown };
    if (typeof parsed.token === 'string') return parsed.token.trim();
    if (typeof parsed.username === 'string' && typeof parsed.password === 'string') {
      return `${parsed.username}:${parsed.password}`;
    }
  } catch {
    // Not JSON after all: a token may legitimately start with '{'.
  }
  return trimmed;
}
