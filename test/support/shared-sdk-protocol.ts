import { createRequire } from 'node:module';
import type { Options, PackageDefinition } from '@grpc/proto-loader';
import type protobufjs from 'protobufjs';

/**
 * Vitest setup (vitest.config.ts `setupFiles`): every MilvusClient of a test process shares one
 * parsed copy of the SDK's protocol definitions.
 *
 * The SDK parses its JSON descriptors anew for each client: two `protobuf.Root.fromJSON` and two
 * `@grpc/proto-loader` `fromJSON` of the whole Milvus protocol, about half a second of CPU. A
 * Lambda builds one client per container, so that is paid once there; the suite builds one for
 * nearly every test and run, and parsing was half of its CPU time. Both functions are pure in
 * their input (the SDK's descriptor modules, constants of the process), so this setup memoizes
 * them per descriptor object and options. The clients stay the SDK's own, with the same parsed
 * types, speaking real gRPC to the emulator; test/support/shared-sdk-protocol.test.ts checks that.
 */
const require = createRequire(import.meta.url);

const protobuf = require('protobufjs') as typeof protobufjs;
const loader = require('@grpc/proto-loader') as {
  fromJSON(json: protobufjs.INamespace, options?: Options): PackageDefinition;
};

/**
 * The memos, kept with the libraries: a worker runs this setup before each of its test files
 * (test/support/file-isolation.ts) and loads protobufjs and proto-loader once, so the functions
 * are wrapped the first time only, and every file shares the parses.
 */
interface SharedProtocol {
  readonly roots: WeakMap<object, protobufjs.Root>;
  readonly definitions: WeakMap<object, Map<string, PackageDefinition>>;
}
const SHARED = Symbol.for('milvus-snapshot-scheduler.test.shared-sdk-protocol');
const holder = protobuf as unknown as { [SHARED]?: SharedProtocol };
const shared: SharedProtocol = holder[SHARED] ?? wrapParsers();
holder[SHARED] = shared;

function wrapParsers(): SharedProtocol {
  const roots = new WeakMap<object, protobufjs.Root>();
  const definitions = new WeakMap<object, Map<string, PackageDefinition>>();
  const parseRoot = protobuf.Root.fromJSON.bind(protobuf.Root);
  protobuf.Root.fromJSON = (json: protobufjs.INamespace, root?: protobufjs.Root): protobufjs.Root => {
    // Parsing into a given root adds to it: only a fresh parse is the same every time.
    if (root !== undefined) return parseRoot(json, root);
    let parsed = roots.get(json);
    if (parsed === undefined) {
      parsed = parseRoot(json);
      roots.set(json, parsed);
    }
    return parsed;
  };
  const loadDefinition = loader.fromJSON;
  loader.fromJSON = (json, options) => {
    const byOptions = definitions.get(json) ?? new Map<string, PackageDefinition>();
    definitions.set(json, byOptions);
    const key = JSON.stringify(options ?? {});
    let definition = byOptions.get(key);
    if (definition === undefined) {
      definition = loadDefinition(json, options);
      byOptions.set(key, definition);
    }
    return definition;
  };
  return { roots, definitions };
}

/** Which of the SDK's descriptor modules have been parsed once and shared, in this process. */
export function sharedSdkDescriptors(): string[] {
  const base = '@zilliz/milvus2-sdk-node/dist/milvus/proto-json';
  return ['milvus', 'milvus.base', 'schema.base'].filter((name) => {
    const loaded = require(`${base}/${name}`) as { default?: object };
    const json = loaded.default ?? loaded;
    return shared.roots.has(json) || shared.definitions.has(json);
  });
}
