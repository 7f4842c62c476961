import { createRequire } from 'node:module';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { afterAll, vi } from 'vitest';

/**
 * Vitest setup (vitest.config.ts `setupFiles`, first): what each test file starts from, now that a
 * worker runs many files (`isolate: false`) instead of starting a process for each.
 *
 * A fresh process per file loaded the AWS CDK, the Milvus SDK and the AWS SDK clients anew for
 * each of the suite's files, a third of its CPU time. A worker now loads those libraries once; the
 * project's own modules, and everything a test can change, are still fresh for every file:
 *
 * - every module of the project is evaluated again (handlers build their Powertools logger and
 *   read their environment at import, and tests set that environment before importing them);
 * - the environment is the worker's own, whatever the previous file set or stubbed;
 * - no AWS SDK client mock, fake timer or stubbed global of the previous file is left, and no
 *   secret Powertools Parameters cached for it (`getSecret` keeps values for their `maxAge`);
 * - no Milvus client of the previous file is left open. A handler keeps its client for its next
 *   invocation, as a warm Lambda does, and a test stops its emulator: the client's channel would
 *   go on resolving and reconnecting, on grpc-js's backoff timers, for the rest of the worker's
 *   life, and under a later file's fake timers that backoff runs without end.
 *
 * A setup file runs before every test file: this one checks those three on its way in, and undoes
 * what the file did on its way out. test/support/file-isolation.test.ts checks it.
 */

/**
 * The sinon aws-sdk-client-mock stubs clients with: its default sandbox, as aws-sdk-client-mock
 * loads it (its CommonJS build requires sinon's CommonJS build, a module apart from sinon's ES one).
 */
const requireFromMock = createRequire(createRequire(import.meta.url).resolve('aws-sdk-client-mock'));
const sinon = requireFromMock('sinon') as { restore(): void };

interface WorkerBaseline {
  readonly env: Readonly<Record<string, string | undefined>>;
}
const BASELINE = Symbol.for('milvus-snapshot-scheduler.test.worker-baseline');
const holder = globalThis as { [BASELINE]?: WorkerBaseline };
// The first file's setup runs before anything of the file: the environment as vitest made it.
holder[BASELINE] ??= { env: { ...process.env } };
const baseline = holder[BASELINE];

function restoreEnvironment(): void {
  vi.unstubAllEnvs();
  for (const key of Object.keys(process.env)) if (!(key in baseline.env)) delete process.env[key];
  for (const [key, value] of Object.entries(baseline.env)) if (value !== undefined) process.env[key] = value;
}

/**
 * The Milvus SDK's clients opened since the last reset: every client connects as it is built
 * (`connect`, on the class's prototype, which the worker loads once).
 */
interface ClientRegistry {
  readonly open: Set<{ closeConnection(): Promise<unknown> }>;
}
const CLIENTS = Symbol.for('milvus-snapshot-scheduler.test.milvus-clients');
const sdk = createRequire(import.meta.url)('@zilliz/milvus2-sdk-node') as {
  MilvusClient: { prototype: { connect(...args: unknown[]): unknown } };
};
const clientHolder = sdk.MilvusClient.prototype as { [CLIENTS]?: ClientRegistry };
const clients: ClientRegistry = clientHolder[CLIENTS] ?? trackClients();
clientHolder[CLIENTS] = clients;

function trackClients(): ClientRegistry {
  const registry: ClientRegistry = { open: new Set() };
  const prototype = sdk.MilvusClient.prototype;
  const connect = prototype.connect;
  prototype.connect = function (this: { closeConnection(): Promise<unknown> }, ...args: unknown[]) {
    registry.open.add(this);
    return connect.apply(this, args);
  };
  return registry;
}

/**
 * grpc-js's process-wide pool of subchannels (connections by address), as the SDK loads it. A
 * closed client's subchannel stays there, in reconnection backoff if its server is gone, until
 * grpc-js's cleanup every 10 s; a client of a later file for the same address (an emulator of its
 * own, in this process or another, that the system gave the same port) would get it and fail with
 * "No connection established" until its backoff ends.
 */
const subchannels = createRequire(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node'))(
  '@grpc/grpc-js/build/src/subchannel-pool',
) as { getSubchannelPool(global: true): { unrefUnusedSubchannels(): void } };

/**
 * Closes them, and lets go of their subchannels; one with a call still waiting on a server that is
 * gone finishes closing later.
 */
async function closeClients(): Promise<void> {
  const open = [...clients.open];
  clients.open.clear();
  const closed = Promise.all(open.map((client) => client.closeConnection().catch(() => undefined)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
  clearTimeout(timer);
  subchannels.getSubchannelPool(true).unrefUnusedSubchannels();
}

/** Puts back what a test file may have changed in the worker. */
function resetWorker(): void {
  restoreEnvironment();
  // aws-sdk-client-mock stubs a client class's `send` in sinon's default sandbox.
  sinon.restore();
  clearCaches();
  vi.useRealTimers();
  vi.unstubAllGlobals();
}

resetWorker();
vi.resetModules();
afterAll(async () => {
  await closeClients();
  resetWorker();
});
