import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';

const TOKEN = 'svc_backup:S3cr3t-Pa55';

describe('authentication', () => {
  let emulator: RunningMilvusEmulator;
  const logged: string[] = [];
  const clients: MilvusClient[] = [];

  beforeAll(async () => {
    emulator = await startMilvusEmulator({ token: TOKEN, logError: (message) => logged.push(message) });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.closeConnection()));
    await emulator.stop();
  });

  const client = (auth: { token?: string; username?: string; password?: string }): MilvusClient => {
    const c = new MilvusClient({ address: emulator.address, logLevel: 'error', ...auth });
    clients.push(c);
    return c;
  };

  it('serves a client that presents the token', async () => {
    // Prepare
    const trusted = client({ token: TOKEN });

    // Act
    await trusted.connectPromise;
    const listed = await trusted.showCollections();

    // Assess
    expect(listed.status.error_code).toBe('Success');
  });

  it('serves a client that gives the same credentials as username and password', async () => {
    // Prepare
    const trusted = client({ username: 'svc_backup', password: 'S3cr3t-Pa55' });

    // Act
    await trusted.connectPromise;
    const listed = await trusted.listDatabases();

    // Assess
    expect(listed.db_names).toEqual(['default']);
  });

  it.each([
    ['no token', {}, 'missing authorization in header'],
    [
      'another user:password',
      { token: 'svc_backup:guess' },
      'auth check failure, please check username and password are correct',
    ],
    ['another API key', { token: 'not-the-key' }, 'auth check failure, please check api key is correct'],
  ])('refuses a client with %s with gRPC UNAUTHENTICATED', async (_label, auth, details) => {
    // Prepare
    const intruder = client(auth);

    // Act
    const connect = await intruder.connectPromise.then(
      () => undefined,
      (error: unknown) => error,
    );
    const call = await intruder.listSnapshots({ collection_name: 'any' }).catch((error: unknown) => error);

    // Assess
    expect(connect).toMatchObject({ code: 16, details });
    expect(call).toMatchObject({ code: 16, details });
    expect(String((call as Error).message)).not.toContain('S3cr3t');
  });

  it('logs refused calls too, and never the token', async () => {
    // Prepare
    const intruder = client({ token: 'wrong' });
    await intruder.connectPromise.catch(() => undefined);

    // Act
    await intruder.showCollections().catch(() => undefined);

    // Assess
    expect(emulator.calls.count('ShowCollections')).toBeGreaterThan(0);
    expect(JSON.stringify(emulator.calls.entries)).not.toContain('S3cr3t');
    expect(logged.join('\n')).not.toContain('S3cr3t');
  });
});

describe('without a token', () => {
  it('accepts clients with or without credentials, like Milvus with authentication off', async () => {
    // Prepare
    const emulator = await startMilvusEmulator();
    const anonymous = new MilvusClient({ address: emulator.address, logLevel: 'error' });
    const withToken = new MilvusClient({
      address: emulator.address,
      token: 'root:Milvus',
      logLevel: 'error',
    });

    try {
      // Act
      await Promise.all([anonymous.connectPromise, withToken.connectPromise]);
      const results = await Promise.all([anonymous.listDatabases(), withToken.listDatabases()]);

      // Assess
      expect(results.map((r) => r.status.error_code)).toEqual(['Success', 'Success']);
    } finally {
      await Promise.all([anonymous.closeConnection(), withToken.closeConnection()]);
      await emulator.stop();
    }
  });
});
