import { DEFAULT_DATABASE } from './database';
import type { EmulatorState } from './emulator-state';
import type { FaultEngine } from './fault-controller';

/** What a handler knows about the call it serves. */
export class CallContext {
  constructor(
    readonly state: EmulatorState,
    readonly faults: FaultEngine,
    /** The database chosen by the `dbname` metadata (the SDK's `database` option / `use()`). */
    readonly metadataDatabase: string = DEFAULT_DATABASE,
  ) {}

  /** Clock time of the call. */
  get now(): number {
    return this.state.now();
  }

  /** The database a request addresses: its `db_name` if set, else the metadata's. */
  databaseName(requested: string | undefined): string {
    return requested !== undefined && requested !== '' ? requested : this.metadataDatabase;
  }
}

/** Serves one RPC: returns the response message, or throws MilvusStatusError. */
export type RpcHandler = (request: unknown, context: CallContext) => object;

/**
 * Declares a handler for requests of type `Request`. The gRPC layer decodes requests with the
 * SDK's descriptor and loader options, which is what guarantees their shape; this is the one
 * place that trusts it.
 */
export function rpc<Request>(serve: (request: Request, context: CallContext) => object): RpcHandler {
  return (request, context) => serve(request as Request, context);
}
