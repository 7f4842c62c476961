import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileReportStore,
  ReportKeys,
  reportStoreFromEnvironment,
  S3ReportStore,
} from '../../../../functions/shared/reports/report-store';

describe('FileReportStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reports-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, reads back and lists JSON documents by key', async () => {
    // Prepare
    const store = new FileReportStore(dir);
    const runId = 'run-1';

    // Act
    const where = await store.putJson(ReportKeys.collectionResult(runId, 'default', 'products'), { ok: 1 });
    await store.putJson(ReportKeys.collectionResult(runId, 'analytics', 'user_events'), { ok: 2 });
    await store.putJson(ReportKeys.collectionResult('run-2', 'default', 'products'), { ok: 3 });

    // Assess
    expect(where).toBe(join(dir, 'runs/run-1/collections/default/products.json'));
    expect(await store.getJson('runs/run-1/collections/default/products.json')).toEqual({ ok: 1 });
    expect(await store.list(ReportKeys.collectionResults(runId))).toEqual([
      'runs/run-1/collections/analytics/user_events.json',
      'runs/run-1/collections/default/products.json',
    ]);
    expect(await store.getJson('runs/nope.json')).toBeUndefined();
    expect(await store.list('runs/none/')).toEqual([]);
  });

  it('creates a document only once, in a directory it makes, leaving no temporary file', async () => {
    // Prepare
    const store = new FileReportStore(dir);
    const key = 'ledger/d/c/snapshots/default/products/s1.json';

    // Act
    const first = await store.createJson(key, { n: 1 });
    const second = await store.createJson(key, { n: 2 });
    await store.putJson('ledger/d/c/snapshots/default/products/s2.json', { n: 3 });

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await store.getJson(key)).toEqual({ n: 1 });
    expect(readdirSync(join(dir, 'ledger/d/c/snapshots/default/products')).sort()).toEqual([
      's1.json',
      's2.json',
    ]);
  });

  it('deletes a document, and deleting one that is not there is fine', async () => {
    // Prepare
    const store = new FileReportStore(dir);
    await store.putJson('status/x.json', { ok: true });

    // Act
    await store.delete('status/x.json');
    await store.delete('status/x.json');
    await store.delete('nowhere/y.json');

    // Assess
    expect(await store.getJson('status/x.json')).toBeUndefined();
    expect(await store.list('status/')).toEqual([]);
  });

  it('refuses a key that escapes its directory', async () => {
    await expect(new FileReportStore(dir).putJson('../outside.json', {})).rejects.toThrow(
      /outside the report directory/,
    );
  });
});

describe('S3ReportStore', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => {
    s3.reset();
  });

  it('writes JSON objects to the bucket and returns their s3:// location', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const store = new S3ReportStore(new S3Client({}), 'reports-bucket');

    // Act
    const where = await store.putJson('reports/2026/11/21/run.json', { a: 1 });

    // Assess
    expect(where).toBe('s3://reports-bucket/reports/2026/11/21/run.json');
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'reports-bucket',
      Key: 'reports/2026/11/21/run.json',
      ContentType: 'application/json',
    });
    expect(JSON.parse(String(put?.Body))).toEqual({ a: 1 });
  });

  it('reads an object, and answers undefined for a missing key', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'here.json' }).resolves({
      // The one method of the SDK's stream mix-in the store uses.
      Body: { transformToString: async () => '{"x":true}' } as unknown as GetObjectCommandOutput['Body'],
    });
    s3.on(GetObjectCommand, { Key: 'missing.json' }).rejects(
      new NoSuchKey({ message: 'nope', $metadata: {} }),
    );
    const store = new S3ReportStore(new S3Client({}), 'b');

    // Act & Assess
    expect(await store.getJson('here.json')).toEqual({ x: true });
    expect(await store.getJson('missing.json')).toBeUndefined();
  });

  it('lists every page of keys', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'runs/r/b.json' }], NextContinuationToken: 't', IsTruncated: true })
      .resolvesOnce({ Contents: [{ Key: 'runs/r/a.json' }] });

    // Act
    const keys = await new S3ReportStore(new S3Client({}), 'b').list('runs/r/');

    // Assess
    expect(keys).toEqual(['runs/r/a.json', 'runs/r/b.json']);
  });
});

describe('reportStoreFromEnvironment', () => {
  it('needs a bucket or a directory, and says so', () => {
    expect(() => reportStoreFromEnvironment({})).toThrow(/set REPORTS_BUCKET \(deployed\) or REPORTS_DIR/);
    expect(reportStoreFromEnvironment({ REPORTS_BUCKET: 'b' })).toBeInstanceOf(S3ReportStore);
    expect(reportStoreFromEnvironment({ REPORTS_DIR: '/tmp/x' })).toBeInstanceOf(FileReportStore);
  });
});
