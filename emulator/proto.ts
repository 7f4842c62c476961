import { createRequire } from 'node:module';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { fromJSON, type MethodDefinition, type Options, type PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { WireCollectionSchema, WirePlaceholderGroup } from './wire-types';

/** Fully-qualified name of the service the SDK talks to. */
export const MILVUS_SERVICE_NAME = 'milvus.proto.milvus.MilvusService';

/**
 * The loader options the SDK uses (`GrpcClient.LOADER_OPTIONS`). Decoding requests the same way
 * means the emulator sees int64 as strings and enums as names, like every SDK response does.
 */
const SDK_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** What the emulator needs to know about one RPC of the service. */
export interface MethodInfo {
  /** Method name as it appears in the path, e.g. `CreateSnapshot`. */
  readonly name: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** True when the response type is the bare `common.Status` (not a message with `status`). */
  readonly respondsWithBareStatus: boolean;
}

/** The Milvus wire protocol, built from the descriptor the SDK itself ships. */
export interface MilvusProtocol {
  readonly packageDefinition: PackageDefinition;
  readonly service: ServiceDefinition;
  readonly methods: ReadonlyMap<string, MethodInfo>;
  /** Decodes the `schema` bytes of CreateCollectionRequest. */
  decodeCollectionSchema(bytes: Uint8Array): WireCollectionSchema;
  /** Decodes the `placeholder_group` bytes of SearchRequest (the query vectors). */
  decodePlaceholderGroup(bytes: Uint8Array): WirePlaceholderGroup;
  /**
   * An empty message of a type as the loader decodes it (every field at its default), e.g.
   * `milvus.proto.schema.FieldSchema`: what a saved state can leave out.
   */
  defaultsOf(typeName: string): Record<string, unknown>;
}

let cached: MilvusProtocol | undefined;

/** Loads (once per process) the SDK's JSON descriptor and derives the service definition. */
export function loadMilvusProtocol(): MilvusProtocol {
  cached ??= buildProtocol();
  return cached;
}

function buildProtocol(): MilvusProtocol {
  // The descriptor is a CommonJS module of the SDK (the file its own Grpc.js loads); require it
  // rather than import it so its `exports.default` does not depend on ESM interop rules.
  const require = createRequire(import.meta.url);
  const loaded: {
    default?: protobuf.INamespace;
  } & protobuf.INamespace = require('@zilliz/milvus2-sdk-node/dist/milvus/proto-json/milvus');
  const descriptor: protobuf.INamespace = loaded.default ?? loaded;

  const packageDefinition = fromJSON(descriptor, SDK_LOADER_OPTIONS);
  const serviceDefinition = packageDefinition[MILVUS_SERVICE_NAME];
  if (serviceDefinition === undefined || !isServiceDefinition(serviceDefinition)) {
    throw new Error(`the SDK descriptor has no service ${MILVUS_SERVICE_NAME}`);
  }

  const methods = new Map<string, MethodInfo>();
  for (const [name, method] of Object.entries(serviceDefinition)) {
    methods.set(name, {
      name,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      respondsWithBareStatus: descriptorName(method.responseType.type) === 'Status',
    });
  }

  const root = protobuf.Root.fromJSON(descriptor);
  const schemaType = root.lookupType('milvus.proto.schema.CollectionSchema');
  const placeholderType = root.lookupType('milvus.proto.common.PlaceholderGroup');
  const toObjectOptions: protobuf.IConversionOptions = {
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  };

  return {
    packageDefinition,
    service: serviceDefinition,
    methods,
    decodeCollectionSchema: (bytes) =>
      schemaType.toObject(schemaType.decode(bytes), toObjectOptions) as WireCollectionSchema,
    decodePlaceholderGroup: (bytes) =>
      placeholderType.toObject(placeholderType.decode(bytes), toObjectOptions) as WirePlaceholderGroup,
    defaultsOf: (typeName) => {
      const type = root.lookupType(typeName);
      return type.toObject(type.create({}), toObjectOptions);
    },
  };
}

function descriptorName(type: object): string | undefined {
  return 'name' in type && typeof type.name === 'string' ? type.name : undefined;
}

type AnyMethodDefinition = MethodDefinition<object, object>;

function isServiceDefinition(
  definition: PackageDefinition[string],
): definition is Record<string, AnyMethodDefinition> & ServiceDefinition {
  return Object.values(definition).every(
    (value) => typeof value === 'object' && value !== null && 'path' in value && 'responseType' in value,
  );
}
