import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
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
