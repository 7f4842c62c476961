/**
 * Milvus status codes (the server's `merr` codes) the emulator answers with. Values are the real
 * server's numbers, so clients can match on them.
 */
export const MilvusCode = {
  Success: 0,
  ServiceNotReady: 1,
  ServiceUnavailable: 2,
  ServiceTooManyRequests: 4,
  ServiceRateLimit: 8,
  ServiceResourceInsufficient: 12,
  CollectionNotFound: 100,
  CollectionNotLoaded: 101,
  CollectionOnRecovering: 106,
  PartitionNotFound: 200,
  PartitionNotFullyLoaded: 202,
  IndexNotFound: 700,
  DatabaseNotFound: 800,
  DatabaseInvalidName: 802,
  ParameterInvalid: 1100,
  ParameterMissing: 1101,
  AliasNotFound: 1600,
  AliasCollectionNameConflict: 1601,
  AliasAlreadyExist: 1602,
  FieldNotFound: 1700,
  FieldInvalidName: 1701,
  RestoreJobNotFound: 2101,
  SnapshotNotFound: 2600,
  SnapshotPinned: 2601,
  Unexpected: 65535,
} as const;

/** `milvus.proto.common.Status` as the emulator sends it (field names as on the wire). */
export interface WireStatus {
  error_code: string;
  reason: string;
  code: number;
  retriable: boolean;
  detail: string;
  extra_info: Record<string, string>;
}

// Codes the server marks retriable (merr's `retriable` flag); everything else is final.
const RETRIABLE_CODES: ReadonlySet<number> = new Set([
  MilvusCode.ServiceNotReady,
  MilvusCode.ServiceUnavailable,
  MilvusCode.ServiceTooManyRequests,
  MilvusCode.ServiceRateLimit,
  MilvusCode.ServiceResourceInsufficient,
  MilvusCode.CollectionOnRecovering,
  MilvusCode.PartitionNotFullyLoaded,
]);

/**
 * The legacy `error_code` enum name the server derives from a code (merr `oldCode`).
 *
 * Success, IllegalArgument (1100/1101), CollectionNotExists (100), and UnexpectedError for
 * everything else, as the snapshot calls report. The one addition is `IndexNotExist` (700): the
 * SDK's own `createCollection` shortcut checks `describeIndex(...).status.error_code ===
 * 'IndexNotExist'` to decide whether to build an index.
 */
function legacyErrorCode(code: number): string {
  switch (code) {
    case MilvusCode.Success:
      return 'Success';
    case MilvusCode.CollectionNotFound:
      return 'CollectionNotExists';
    case MilvusCode.ParameterInvalid:
    case MilvusCode.ParameterMissing:
      return 'IllegalArgument';
    case MilvusCode.IndexNotFound:
      return 'IndexNotExist';
    default:
      return 'UnexpectedError';
  }
}

/** A success status. */
export function successStatus(): WireStatus {
  return { error_code: 'Success', reason: '', code: 0, retriable: false, detail: '', extra_info: {} };
}

/** A failure status with the legacy `error_code` and `retriable` flag the server would set. */
export function errorStatus(code: number, reason: string): WireStatus {
  return {
    error_code: legacyErrorCode(code),
    reason,
    code,
    retriable: RETRIABLE_CODES.has(code),
    detail: reason,
    extra_info: {},
  };
}
