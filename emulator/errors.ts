/**
 * A Milvus server-side failure: the call still succeeds at the gRPC level and the response
 * carries a status with this `code` and `reason`, exactly as the real server answers.
 */
export class MilvusStatusError extends Error {
  override readonly name = 'MilvusStatusError';

  constructor(
    /** Milvus error code (`merr` code), e.g. 100 for "collection not found". */
    readonly code: number,
    /** The `reason` text the server puts in the status. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`milvus error ${code}: ${reason}`, options);
  }
}

/** A fault plan (JSON file or object) that does not match the fault-plan schema. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';

  constructor(
    message: string,
    /** One entry per problem, each naming the offending field, e.g. `rules[0].grpcStatus: ...`. */
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Options passed to `startMilvusEmulator` that cannot work (bad port, negative durations, ...). */
export class EmulatorOptionsError extends Error {
  override readonly name = 'EmulatorOptionsError';
}

/** The emulator could not start listening (port in use, bad host, ...). */
export class EmulatorStartError extends Error {
  override readonly name = 'EmulatorStartError';
}

/** Seeding the demo collections failed (a Milvus call answered with an error status). */
export class DemoSeedError extends Error {
  override readonly name = 'DemoSeedError';
}

/**
 * An emulator state file that cannot be read, is not one, has another version or is damaged.
 * The message names the file; the emulator never starts empty in its place.
 */
export class EmulatorStateError extends Error {
  override readonly name = 'EmulatorStateError';
}

/** Seeding collections failed (a Milvus call answered with an error status). */
export class CollectionSeedError extends Error {
  override readonly name = 'CollectionSeedError';
}
