import {
  AliasNotFoundError,
  CollectionAlreadyExistsError,
  CollectionNotFoundError,
  MilvusAuthenticationError,
  MilvusError,
  MilvusInvalidArgumentError,
  MilvusUnavailableError,
  MilvusUnsupportedError,
  RestoreJobNotFoundError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
  SnapshotPinnedError,
  type WorkflowError,
} from '../errors';

/** The part of a Milvus `common.Status` the SDK hands back on every call. */
export interface MilvusStatusLike {
  readonly error_code?: string | number;
  readonly code?: number;
  readonly reason?: string;
  readonly retriable?: boolean;
}

/** Milvus status codes the workflow tells apart (see milvus-snapshot-semantics.md). */
export const MilvusCode = {
  Success: 0,
  ServiceNotReady: 1,
  ServiceUnavailable: 2,
  ServiceRequestLimitExceeded: 4,
  ServiceRateLimit: 8,
  ServiceTimeTickLongDelay: 11,
  CollectionNotFound: 100,
  CollectionNotLoaded: 101,
  DatabaseNotFound: 800,
  InvalidParameter: 1100,
  ParameterMissing: 1101,
  AliasNotFound: 1600,
  AliasTarget: 1601,
  RestoreJobNotFound: 2101,
  SnapshotNotFound: 2600,
  SnapshotPinned: 2601,
  Unexpected: 65535,
} as const;

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  MilvusCode.ServiceNotReady,
  MilvusCode.ServiceUnavailable,
  MilvusCode.ServiceRequestLimitExceeded,
  MilvusCode.ServiceRateLimit,
  MilvusCode.ServiceTimeTickLongDelay,
]);

/** gRPC status numbers (`@grpc/grpc-js` `status`), kept here so this module stays dependency-free. */
const Grpc = {
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  CANCELLED: 1,
} as const;

/** Whether a status says the call succeeded. Old servers leave `code` unset and use `error_code`. */
export function isSuccess(status: MilvusStatusLike | undefined): boolean {
  if (!status) return false;
  const code = status.code ?? 0;
  return (
    code === 0 &&
    (status.error_code === undefined || status.error_code === 'Success' || status.error_code === 0)
  );
}

/** The numeric code of a failed status: `code` when set, else a best guess from the legacy enum. */
export function statusCode(status: MilvusStatusLike): number {
  if (status.code !== undefined && status.code !== 0) return status.code;
  switch (status.error_code) {
    case 'CollectionNotExists':
      return MilvusCode.CollectionNotFound;
    case 'IllegalArgument':
      return MilvusCode.InvalidParameter;
    case 'RateLimit':
      return MilvusCode.ServiceRateLimit;
    default:
      return MilvusCode.Unexpected;
  }
}

/**
 * Turns a failed Milvus status into the typed error the state machine understands.
 *
 * @param status the `status` of an SDK response that is not a success
 * @param what a short description of the call, e.g. `create snapshot daily_20261121_030000 of default.products`
 */
export function errorFromStatus(status: MilvusStatusLike, what: string): WorkflowError {
  const code = statusCode(status);
  const reason = status.reason?.trim() || 'no reason given';
  const message = `${what}: ${reason} (Milvus code ${code})`;
  const options = { milvusCode: code };
  if (status.retriable === true || TRANSIENT_CODES.has(code))
    return new MilvusUnavailableError(message, options);
  switch (code) {
    case MilvusCode.CollectionNotFound:
    case MilvusCode.DatabaseNotFound:
      return new CollectionNotFoundError(message, options);
    case MilvusCode.SnapshotNotFound:
      return new SnapshotNotFoundError(message, options);
    case MilvusCode.SnapshotPinned:
      return new SnapshotPinnedError(message, options);
    case MilvusCode.RestoreJobNotFound:
      return new RestoreJobNotFoundError(message, options);
    case MilvusCode.InvalidParameter:
    case MilvusCode.ParameterMissing:
      return /already exists/i.test(reason)
        ? new SnapshotAlreadyExistsError(message, options)
        : new MilvusInvalidArgumentError(message, options);
    case MilvusCode.AliasNotFound:
      return new AliasNotFoundError(message, options);
    case MilvusCode.AliasTarget:
      return new MilvusInvalidArgumentError(message, options);
    default:
      if (/duplicate collection|already exist/i.test(reason))
        return new CollectionAlreadyExistsError(message, options);
      return new MilvusError(message, options);
  }
}

/** What to check when Milvus refuses the token, where it came from Secrets Manager (deployed). */
export const TOKEN_SECRET_HINT = "Check the token secret's value.";

/** What to check when Milvus refuses a token given directly (`MILVUS_TOKEN`, as the local runner does). */
export const TOKEN_VARIABLE_HINT = 'Check the token given to the run (--milvus-token or MILVUS_TOKEN).';

/** The shape of a rejected gRPC call (`@grpc/grpc-js` ServiceError) or any other thrown value. */
interface TransportErrorLike {
  readonly code?: unknown;
  readonly details?: unknown;
  readonly message?: unknown;
}

/**
 * Turns a rejected SDK call (transport failure, client-side validation) into a typed error.
 * Only the gRPC status and its details are kept: the raw error is not attached as a cause,
 * so nothing from the request (such as auth metadata) can reach a log line.
 */
export function errorFromRejection(
  error: unknown,
  what: string,
  secrets: readonly string[] = [],
  credentialsHint: string = TOKEN_SECRET_HINT,
): WorkflowError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as TransportErrorLike;
  const raw =
    typeof e.details === 'string' && e.details !== ''
      ? e.details
      : typeof e.message === 'string'
        ? e.message
        : String(error);
  const detail = redact(raw, secrets);
  switch (typeof e.code === 'number' ? e.code : undefined) {
    case Grpc.UNAVAILABLE:
    case Grpc.DEADLINE_EXCEEDED:
    case Grpc.RESOURCE_EXHAUSTED:
    case Grpc.CANCELLED:
      return new MilvusUnavailableError(`${what}: Milvus is unreachable or busy: ${detail}`);
    case Grpc.UNAUTHENTICATED:
    case Grpc.PERMISSION_DENIED:
      return new MilvusAuthenticationError(
        `${what}: Milvus refused the credentials (${detail}). ${credentialsHint}`,
      );
    case Grpc.UNIMPLEMENTED:
      return new MilvusUnsupportedError(
        `${what}: the server does not implement this call (${detail}). Snapshots need Milvus 3.0 or newer.`,
      );
    default:
      if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|No connection established/i.test(detail)) {
        return new MilvusUnavailableError(`${what}: Milvus is unreachable: ${detail}`);
      }
      if (/property is missing|is required|invalid/i.test(detail)) {
        return new MilvusInvalidArgumentError(`${what}: ${detail}`);
      }
      return new MilvusError(`${what}: ${detail}`);
  }
}

/** Replaces every occurrence of each secret (and its base64 form, as sent on the wire) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret, 'utf8').toString('base64')]) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
