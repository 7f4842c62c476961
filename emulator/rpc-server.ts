import {
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  type StatusObject,
  status,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import type { AuthCheck } from './auth';
import { CallContext, type RpcHandler } from './call-context';
import type { RecordingCallLog } from './call-log';
import { DEFAULT_DATABASE } from './database';
import type { EmulatorState } from './emulator-state';
import { EmulatorStartError, MilvusStatusError } from './errors';
import type { FaultEngine, InjectedFailure } from './fault-controller';
import type { AppliedStatus } from './late-applications';
import { errorStatus, MilvusCode, type WireStatus } from './milvus-status';
import { type MethodInfo, MILVUS_SERVICE_NAME, type MilvusProtocol } from './proto';

// Milvus' proxy accepts requests up to 256 MB (proxy.grpc.serverMaxRecvSize); grpc-js would
// otherwise refuse anything over 4 MB, which a bulk insert easily exceeds.
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** What the gRPC layer needs. */
export interface RpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly protocol: MilvusProtocol;
  readonly state: EmulatorState;
  readonly faults: FaultEngine;
  readonly calls: RecordingCallLog;
  readonly auth: AuthCheck;
  readonly handlers: ReadonlyMap<string, RpcHandler>;
  /** Where unexpected handler errors are reported (never the token). */
  readonly logError: (message: string) => void;
}

/** A listening gRPC server. */
export interface RpcServer {
  readonly port: number;
  stop(): Promise<void>;
}

type Outcome = { readonly response: object } | { readonly error: Partial<StatusObject> };

/**
 * The ports emulators of this process have listened on. A client left connected to a stopped
 * emulator keeps a subchannel for its address in grpc-js's process-wide pool, reconnecting with a
 * backoff of up to two minutes; a new emulator on that port would be unreachable from this
 * process's new clients meanwhile ("No connection established"). Kept on the global object, so
 * that every copy of this module in a process (a test worker evaluates it once per file) shares it.
 */
const USED_PORTS = Symbol.for('milvus-snapshot-scheduler.emulator.used-ports');
const portsHolder = globalThis as { [USED_PORTS]?: Set<number> };
portsHolder[USED_PORTS] ??= new Set();
const usedPorts = portsHolder[USED_PORTS];

/**
 * Any free port, but none an emulator of this process listened on ({@link usedPorts}): while the
 * port the system gives is one of those, listens on another one as well and lets go of it.
 */
export async function listenOnFreshPort(listener: {
  bindAny(): Promise<number>;
  unbind(port: number): void;
}): Promise<number> {
  let port = await listener.bindAny();
  while (usedPorts.has(port)) {
    const taken = port;
    port = await listener.bindAny();
    listener.unbind(taken);
  }
  return port;
}

/** The ports emulators of this process listened on, for an emulator of another process to avoid too. */
export function usedPortList(): number[] {
  return [...usedPorts];
}

/** Marks `port` as one an emulator of this process listened on. */
export function markPortUsed(port: number): void {
  usedPorts.add(port);
}

/** Binds `server` to `host:port`, resolving to the port it listens on. */
function bindPort(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error !== null) {
        // grpc-js words a taken port "No address added out of total 1 resolved errors: [...]".
        const why = /EADDRINUSE/.test(error.message)
          ? 'the port is in use; pick another, or 0 for a free one'
          : error.message;
        reject(new EmulatorStartError(`could not listen on ${host}:${port}: ${why}`, { cause: error }));
      } else {
        resolve(boundPort);
      }
    });
  });
}

/** Starts the gRPC server for the Milvus service on `host:port` (port 0 = any free port). */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const pendingDelays = new Set<NodeJS.Timeout>();
  const implementation: Record<string, UntypedHandleCall> = {};
  for (const method of options.protocol.methods.values()) {
    implementation[method.name] =
      method.requestStream || method.responseStream
        ? streamingHandler(method, options)
        : unaryHandler(method, options, pendingDelays);
  }
  server.addService(options.protocol.service, implementation);

  const hostForBind = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port =
    options.port === 0
      ? await listenOnFreshPort({
          bindAny: () => bindPort(server, hostForBind, 0),
          unbind: (taken) => server.unbind(`${hostForBind}:${taken}`),
        })
      : await bindPort(server, hostForBind, options.port);
  markPortUsed(port);

  let stopping: Promise<void> | undefined;
  return {
    port,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        for (const timer of pendingDelays) {
          clearTimeout(timer);
        }
        pendingDelays.clear();
        // Give in-flight calls a moment, then cut connections the SDK keeps alive.
        const force = setTimeout(() => server.forceShutdown(), 500);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return stopping;
    },
  };
}

function unaryHandler(
  method: MethodInfo,
  options: RpcServerOptions,
  pendingDelays: Set<NodeJS.Timeout>,
): handleUnaryCall<object, object> {
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });

  return (call, callback) => {
    const request = call.request as Record<string, unknown>;
    const context = new CallContext(
      options.state,
      options.faults,
      metadataValue(call.metadata, 'dbname') ?? DEFAULT_DATABASE,
    );
    const collections = requestCollections(request);
    const receivedAtMs = options.state.now();
    const database = context.databaseName(requestDatabase(request));
    const collection = collections.length > 0 ? { collection: collections.join(',') } : {};
    options.calls.record({ method: method.name, at: receivedAtMs, database, ...collection });

    const refusal = options.auth(call.metadata);
    if (refusal !== undefined) {
      callback(refusal);
      return;
    }
    const decision = options.faults.decide(method.name, collections);
    const { failure } = decision;
    if (failure?.applyAfterMs !== undefined) {
      // The server keeps the request and performs it after the client was told it failed.
      options.state.late.add(
        {
          method: method.name,
          database,
          ...collection,
          receivedAtMs,
          dueAtMs: receivedAtMs + failure.applyAfterMs,
        },
        () => appliedStatus(method, execute(method, request, context, options)),
      );
    }
    const respond = (): void => {
      if (failure !== undefined && !failure.afterApply) {
        deliver(callback, method, failure);
        return;
      }
      const outcome = execute(method, request, context, options);
      if (failure !== undefined) {
        // afterApply: the change happened, but the client never sees the real reply.
        deliver(callback, method, failure);
      } else if ('error' in outcome) {
        callback(outcome.error);
      } else {
        callback(null, outcome.response);
      }
    };
    if (decision.latencyMs > 0) {
      void sleep(decision.latencyMs).then(respond);
    } else {
      respond();
    }
  };
}

function execute(
  method: MethodInfo,
  request: unknown,
  context: CallContext,
  options: RpcServerOptions,
): Outcome {
  const handler = options.handlers.get(method.name);
  if (handler === undefined) {
    return {
      error: {
        code: status.UNIMPLEMENTED,
        details: `unknown method ${method.name} for service ${MILVUS_SERVICE_NAME}: not implemented by the Milvus emulator`,
      },
    };
  }
  try {
    options.state.settle();
    return { response: handler(request, context) };
  } catch (error) {
    if (error instanceof MilvusStatusError) {
      return { response: withStatus(method, errorStatus(error.code, error.reason)) };
    }
    // A bug in the emulator must not take the process down or hang the client.
    const message = error instanceof Error ? error.message : String(error);
    options.logError(`Milvus emulator: ${method.name} failed unexpectedly: ${message}`);
    return {
      response: withStatus(
        method,
        errorStatus(MilvusCode.Unexpected, `Milvus emulator internal error: ${message}`),
      ),
    };
  }
}

/** The Milvus status a performed call answered with (a gRPC error counts as unexpected). */
function appliedStatus(method: MethodInfo, outcome: Outcome): AppliedStatus {
  if ('error' in outcome) {
    return { code: MilvusCode.Unexpected, reason: outcome.error.details ?? 'gRPC error' };
  }
  const response = outcome.response as { status?: WireStatus } & Partial<WireStatus>;
  const wire = method.respondsWithBareStatus ? (response as WireStatus) : response.status;
  return { code: wire?.code ?? 0, reason: wire?.reason ?? '' };
}

function deliver(
  callback: Parameters<handleUnaryCall<object, object>>[1],
  method: MethodInfo,
  failure: InjectedFailure,
): void {
  if (failure.kind === 'grpc') {
    callback({ code: status[failure.status], details: failure.details });
  } else {
    callback(null, withStatus(method, errorStatus(failure.code, failure.reason)));
  }
}

function withStatus(method: MethodInfo, wireStatus: WireStatus): object {
  return method.respondsWithBareStatus ? wireStatus : { status: wireStatus };
}

function streamingHandler(
  method: MethodInfo,
  options: RpcServerOptions,
): handleServerStreamingCall<object, object> | handleBidiStreamingCall<object, object> {
  return (call: Parameters<handleBidiStreamingCall<object, object>>[0]) => {
    options.calls.record({ method: method.name, at: options.state.now(), database: DEFAULT_DATABASE });
    call.emit('error', {
      code: status.UNIMPLEMENTED,
      details: `unknown method ${method.name} for service ${MILVUS_SERVICE_NAME}: not implemented by the Milvus emulator`,
    });
  };
}

function requestDatabase(request: Record<string, unknown>): string | undefined {
  const name = request.db_name ?? request.dbName;
  return typeof name === 'string' ? name : undefined;
}

function metadataValue(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return value === undefined || value === '' ? undefined : String(value);
}

/**
 * The collections a request names (Flush names several; RestoreSnapshot names its source;
 * RenameCollection its old name; GetPersistentSegmentInfo spells the field in camelCase).
 */
function requestCollections(request: Record<string, unknown>): string[] {
  const names = request.collection_names;
  if (Array.isArray(names)) {
    return names.filter((n): n is string => typeof n === 'string' && n !== '');
  }
  for (const key of ['collection_name', 'collectionName', 'oldName']) {
    const name = request[key];
    if (typeof name === 'string' && name !== '') {
      return [name];
    }
  }
  return [];
}
