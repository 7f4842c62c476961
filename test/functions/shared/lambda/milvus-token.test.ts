import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../../../emulator';
import { PLACEHOLDER_TOKEN, tokenFromSecretValue } from '../../../../functions/shared/lambda/milvus-token';
import { collectionInput, drillRun, lambdaContext } from '../../../support/step-world';

const TOKEN = 'root:Milvus-S3cret-Token';
const WRONG = 'root:An0ther-Wrong-Token';
const secrets = mockClient(SecretsManagerClient);

describe('the Milvus token, read from Secrets Manager', () => {
  let emulator: RunningMilvusEmulator;
  let output: string[];
  let flush: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

  beforeAll(async () => {
    emulator = await startMilvusEmulator({ token: TOKEN, seedDemo: true });
    // Log everything, so the assertion below covers every line a handler can write.
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.stubEnv('MILVUS_ADDRESS', emulator.address);
    ({ handler: flush } = await import('../../../../functions/flush/handler'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await emulator.stop();
  });
  afterEach(() => {
    secrets.reset();
    vi.restoreAllMocks();
  });

  function captureOutput(): void {
    output = [];
    const keep = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  }

  function input(run = drillRun({ clock: emulator.clock, emulator } as never)) {
    return collectionInput(run, 'products');
  }

  it('connects with the token from the secret (JSON form) and flushes', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: 'milvus/good' })
      .resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
    vi.stubEnv('MILVUS_TOKEN_SECRET_ID', 'milvus/good');
    captureOutput();

    // Act
    const result = await flush(input(), lambdaContext('Flush'));

    // Assess
    expect(result).toMatchObject({ segmentIds: expect.any(Array) });
    expect(output.join('')).not.toContain(TOKEN);
  });

  it('fails a wrong token with an authentication error that shows neither token, in the error or any log line', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: 'milvus/wrong' }).resolves({ SecretString: WRONG });
    vi.stubEnv('MILVUS_TOKEN_SECRET_ID', 'milvus/wrong');
    captureOutput();

    // Act
    const error: Error = await flush(input(), lambdaContext('Flush')).then(
      () => new Error('expected the flush to fail'),
      (e: Error) => e,
    );

    // Assess
    expect(error.name).toBe('MilvusAuthenticationError');
    expect(error.message).toMatch(/refused the credentials.*Check the token secret's value/);
    const everything = [error.message, String(error.stack), ...output].join('\n');
    for (const secret of [TOKEN, WRONG]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
    expect(output.join('')).toContain('MilvusAuthenticationError');
  });

  it('says how to set the secret when it still holds the placeholder, before calling Milvus', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: 'milvus/new' })
      .resolves({ SecretString: PLACEHOLDER_TOKEN });
    vi.stubEnv('MILVUS_TOKEN_SECRET_ID', 'milvus/new');
    emulator.calls.reset();
    captureOutput();

    // Act
    const act = flush(input(), lambdaContext('Flush'));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('aws secretsmanager put-secret-value --secret-id milvus/new'),
    });
    expect(emulator.calls.count()).toBe(0);
  });
});

describe('tokenFromSecretValue', () => {
  it.each([
    ['  abc-token  ', 'abc-token'],
    ['{"token":"t1"}', 't1'],
    ['{"username":"root","password":"Milvus"}', 'root:Milvus'],
    ['{not json', '{not json'],
  ])('reads %j', (value, token) => {
    expect(tokenFromSecretValue(value)).toBe(token);
  });
});
