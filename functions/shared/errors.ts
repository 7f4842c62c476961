/**
 * Typed errors of the workflow.
 *
 * Step Functions matches a Lambda failure by the error's `name` (the `errorType` of the Lambda
 * response), so every class sets `name` to its own class name and the state machine's Retry and
 * Catch clauses refer to these names. {@link MilvusUnavailableError} is the only one retried:
 * everything else is a definite answer that retrying would not change.
 */

/** Options shared by every error of this module. */
export interface WorkflowErrorOptions extends ErrorOptions {
  /** Milvus status code (`status.code`), when the failure came from a Milvus answer. */
  readonly milvusCode?: number;
}

/** Base class: never thrown itself, so a `catch` can tell our errors from programming errors. */
export abstract class WorkflowError extends Error {
  /** Milvus status code, when the failure came from a Milvus answer. */
  public readonly milvusCode?: number;

  protected constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.milvusCode = options?.milvusCode;
  }
}

/**
 * Milvus could not be reached or asked us to come back later (gRPC UNAVAILABLE or
 * DEADLINE_EXCEEDED, a `retriable` status, rate limiting). The state machine retries this one.
 */
export class MilvusUnavailableError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Milvus refused the credentials (gRPC UNAUTHENTICATED or PERMISSION_DENIED). Not retried. */
export class MilvusAuthenticationError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The collection does not exist in that database (Milvus code 100). */
export class CollectionNotFoundError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The target collection of a restore already exists (Milvus code 65535, "duplicate collection"). */
export class CollectionAlreadyExistsError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The snapshot does not exist in that collection (Milvus code 2600). */
export class SnapshotNotFoundError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A snapshot of that name already exists in the collection (Milvus code 1100, "already exists"). */
export class SnapshotAlreadyExistsError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A snapshot with our name exists but was not made by this tool: we must not adopt or drop it. */
export class SnapshotNameTakenError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/**
 * Another run of this deployment recorded its intent to create the same snapshot and may be
 * creating it right now. Transient: the state machine retries, and then finds the snapshot made.
 */
export class SnapshotInProgressError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The snapshot has active pins and cannot be dropped yet (Milvus code 2601). */
export class SnapshotPinnedError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The restore job is unknown: a wrong id, or a finished job older than ~3 h (Milvus code 2101). */
export class RestoreJobNotFoundError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The alias does not exist (Milvus code 1600). */
export class AliasNotFoundError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Nothing to restore: the named snapshot is missing or not this deployment's, or none was verified. */
export class NoSnapshotToRestoreError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/**
 * An operator's restore would overwrite or shadow something that exists (its target collection,
 * an alias named like a collection, the name a swap moves the original to): refused before any
 * change.
 */
export class RestoreConflictError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A restore's switch-over (alias move, name swap) failed; the error says what Milvus holds now and how to undo. */
export class SwitchOverError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Milvus rejected an argument (codes 1100/1101: a bad name, a missing field, a bad value). */
export class MilvusInvalidArgumentError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Milvus does not know the call: the server is older than 3.0 and has no snapshots. */
export class MilvusUnsupportedError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Any other Milvus failure, with its code and reason. */
export class MilvusError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A step's input (from the console, a schedule or a previous step) does not match its schema. */
export class InvalidInputError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The deployment configuration or a function's environment is wrong. */
export class ConfigurationError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** Nothing to drill: the collection has no snapshot made by this tool (or the named one is missing). */
export class NoSnapshotToDrillError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A drill's target collection exists and was not started by this drill: it is never touched. */
export class DrillTargetConflictError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** A flush did not complete within the configured time. */
export class FlushTimeoutError extends WorkflowError {
  public constructor(message: string, options?: WorkflowErrorOptions) {
    super(message, options);
  }
}

/** The names the state machine's Retry clauses match: transient failures only. */
export const RETRYABLE_ERROR_NAMES = [MilvusUnavailableError.name, SnapshotInProgressError.name] as const;
