import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { createAuthCheck } from '../../emulator/auth';
import { RecordingCallLog } from '../../emulator/call-log';
import { ManualClock } from '../../emulator/clock';
import { EmulatorState } from '../../emulator/emulator-state';
import { FaultEngine } from '../../emulator/fault-controller';
import { rpcHandlers } from '../../emulator/handlers';
import { loadMilvusProtocol } from '../../emulator/proto';
import { listenOnFreshPort, markPortUsed, startRpcServer } from '../../emulator/rpc-server';
import { RawMilvusClient } from './support/raw-client';

// Requests no SDK would send, straight on the wire: the process must answer and stay up.
describe('bad input on the wire', () => {
  let emulator: RunningMilvusEmulator;
  let raw: RawMilvusClient;
  const internalErrors: string[] = [];

  beforeAll(async () => {
    emulator = await startMilvusEmulator({ logError: (message) => internalErrors.push(message) });
    raw = new RawMilvusClient(emulator.address);
  });

  afterAll(async () => {
    raw.close();
    await emulator.stop();
  });

  it.each([
    ['CreateCollection', { collection_name: 'garbage', schema: Buffer.from([0xff, 0xff, 0xff]) }, 1100],
    [
      'CreateCollection',
      { collection_name: 'nofields', schema: Buffer.from('0a086e6f6669656c6473', 'hex') },
      1100,
    ],
    ['CreateCollection', { collection_name: '', schema: Buffer.alloc(0) }, 1100],
    ['Insert', { collection_name: 'nothing_here', fields_data: [], num_rows: 3 }, 100],
    ['Search', { collection_name: 'nothing_here', placeholder_group: Buffer.from([1, 2, 3]) }, 100],
    ['Query', { collection_name: 'nothing_here', expr: 'id in [' }, 100],
    ['Flush', { collection_names: ['', 'x'] }, 100],
    ['CreateSnapshot', { collection_name: 'x', name: '' }, 1100],
    ['DescribeSnapshot', { collection_name: '', name: 's' }, 1101],
    ['PinSnapshotData', { collection_name: 'x', name: 's', ttl_seconds: '-9223372036854775808' }, 1100],
    ['GetRestoreSnapshotState', { job_id: '-1' }, 2101],
    ['ListRestoreSnapshotJobs', { collection_name: 'nope' }, 100],
    ['CreateDatabase', { db_name: '1st' }, 802],
    ['DropDatabase', { db_name: 'default' }, 1100],
  ])('%s %j answers code %i', async (method, request, code) => {
    // Act
    const result = await raw.call(method, request);

    // Assess
    expect('response' in result).toBe(true);
    const response = 'response' in result ? result.response : {};
    const status = (response.status ?? response) as { code?: number };
    expect(status.code).toBe(code);
  });

  it('answers a database that does not exist in the dbname metadata with code 800', async () => {
    // Act
    const result = await raw.call('ShowCollections', {}, { dbname: 'nowhere' });

    // Assess
    expect(result).toMatchObject({ response: { status: { code: 800 } } });
  });

  it('stays up and reports no internal error after all of that', async () => {
    // Act
    const health = await raw.call('CheckHealth', {});

    // Assess
    expect(health).toMatchObject({ response: { isHealthy: true } });
    expect(internalErrors).toEqual([]);
  });
});

describe('a handler that throws unexpectedly', () => {
  it('answers a Milvus status 65535, reports the error and keeps serving', async () => {
    // Prepare
    const reported: string[] = [];
    const state = new EmulatorState(new ManualClock(), {
      restoreJobRetentionMs: 0,
      pinReleaseLagMs: 0,
      restoreTimeoutMs: 0,
      defaultRestoreDurationMs: 0,
    });
    const server = await startRpcServer({
      host: '127.0.0.1',
      port: 0,
      protocol: loadMilvusProtocol(),
      state,
      faults: new FaultEngine(),
      calls: new RecordingCallLog(),
      auth: createAuthCheck(undefined),
      handlers: new Map([
        ...rpcHandlers,
        [
          'ListDatabases',
          () => {
            throw new TypeError('boom');
          },
        ],
      ]),
      logError: (message) => reported.push(message),
    });
    const raw = new RawMilvusClient(`127.0.0.1:${server.port}`);

    try {
      // Act
      const failed = await raw.call('ListDatabases', {});
      const next = await raw.call('CheckHealth', {});

      // Assess
      expect(failed).toMatchObject({
        response: { status: { code: 65535, reason: 'Milvus emulator internal error: boom' } },
      });
      expect(reported).toEqual(['Milvus emulator: ListDatabases failed unexpectedly: boom']);
      expect(next).toMatchObject({ response: { isHealthy: true } });
    } finally {
      raw.close();
      await server.stop();
    }
  });
});

describe('the port of an emulator started on any free port', () => {
  it('is never one an emulator of this process listened on: a client left on a stopped one would make it unreachable', async () => {
    // Prepare: what a process that left a client on a stopped emulator sees, on that port
    const first = await startMilvusEmulator();
    const left = new MilvusClient({ address: first.address });
    await left.listCollections();
    await first.stop();
    const sameAddress = await startMilvusEmulator({ port: Number(first.address.split(':')[1]) });
    const newcomer = new MilvusClient({ address: sameAddress.address });
    // The SDK connects as it is built: that fails too, and says so through this promise.
    newcomer.connectPromise.catch(() => undefined);
    const there = await newcomer.listCollections().catch((error: unknown) => String(error));
    await Promise.all([newcomer.closeConnection(), sameAddress.stop()]);
    try {
      // Act: any free port, many times over
      const ports = new Set<number>();
      for (let i = 0; i < 5; i += 1) {
        const emulator = await startMilvusEmulator();
        const client = new MilvusClient({ address: emulator.address });
        const listed = await client.listCollections();
        expect(listed.status.error_code).toBe('Success');
        ports.add(Number(emulator.address.split(':')[1]));
        await Promise.all([client.closeConnection(), emulator.stop()]);
      }

      // Assess
      expect(there).toMatch(/UNAVAILABLE: No connection established/);
      expect(ports.size).toBe(5);
      expect(ports.has(Number(first.address.split(':')[1]))).toBe(false);
    } finally {
      await left.closeConnection();
    }
  });

  it('is taken afresh while the system gives a used one, letting go of each', async () => {
    // Prepare: the system gives two ports emulators had, then a fresh one
    const [a, b] = [61_001, 61_002];
    markPortUsed(a);
    markPortUsed(b);
    const given = [a, b, 61_003];
    const unbound: number[] = [];

    // Act
    const port = await listenOnFreshPort({
      bindAny: async () => given.shift() ?? 0,
      unbind: (taken) => unbound.push(taken),
    });

    // Assess
    expect(port).toBe(61_003);
    expect(unbound).toEqual([a, b]);
  });
});
