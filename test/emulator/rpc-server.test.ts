import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import { createAuthCheck } from '../../emulator/auth';
import { RecordingCallLog } from '../../emulator/call-log';
import { ManualClock } from '../../emulator/clock';
import { EmulatorState } from '../../emulator/emulator-state';
import { FaultEngine } from '../../emulator/fault-controller';
import { rpcHandlers } from '../../emulator/handlers';
import { loadMilvusProtocol } from '../../emulator/proto';
import { startRpcServer } from '../../emulator/rpc-server';
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
