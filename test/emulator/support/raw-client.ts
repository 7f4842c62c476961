import { type Client, credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadMilvusProtocol } from '../../../emulator/proto';

/** The result of a raw call: the response, or the gRPC error. */
export type RawResult = { readonly response: Record<string, unknown> } | { readonly error: ServiceError };

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response?: Record<string, unknown>) => void,
) => void;

/**
 * A bare gRPC client built from the same SDK descriptor, for what the SDK hides: requests its
 * client-side validation never sends, and the gRPC status of UNIMPLEMENTED (which the SDK's
 * retry interceptor turns into an empty success).
 */
export class RawMilvusClient {
  readonly #client: Client & Record<string, UnaryMethod>;

  constructor(address: string) {
    const grpcObject = loadPackageDefinition(loadMilvusProtocol().packageDefinition);
    const milvus = grpcObject.milvus as Record<string, Record<string, Record<string, unknown>>>;
    const Service = milvus.proto?.milvus?.MilvusService as new (
      address: string,
      creds: ReturnType<typeof credentials.createInsecure>,
    ) => Client & Record<string, UnaryMethod>;
    this.#client = new Service(address, credentials.createInsecure());
  }

  call(method: string, request: object, headers: Record<string, string> = {}): Promise<RawResult> {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(headers)) {
      metadata.set(key, value);
    }
    const fn = this.#client[method];
    if (fn === undefined) {
      throw new Error(`no method ${method} in the descriptor`);
    }
    return new Promise((resolve) => {
      fn.call(this.#client, request, metadata, (error, response) => {
        resolve(error === null ? { response: response ?? {} } : { error });
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}
