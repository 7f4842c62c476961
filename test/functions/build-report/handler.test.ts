import './powertools-env';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/build-report/handler';
import { backup, products, retention, runContext } from '../record-collection-result/fixtures';

const context = { functionName: 'BuildReport', awsRequestId: 'req-1' } as Context;
const s3 = mockClient(S3Client);
const body = (value: unknown) =>
  ({ transformToString: async () => JSON.stringify(value) }) as unknown as GetObjectCommandOutput['Body'];

describe('BuildReport handler (deployed: S3)', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.REPORTS_BUCKET = 'reports-bucket';
    s3.on(GetObjectCommand, {
      Bucket: 'reports-bucket',
      Key: 'runs/exec-9/collections/default/products.json',
    }).resolves({
      Body: body({ database: 'default', collection: 'products', status: 'SUCCEEDED', backup, retention }),
    });
    s3.on(GetObjectCommand, { Bucket: 'reports-bucket', Key: 'runs/exec-9/items.json' }).resolves({
      Body: body([products]),
    });
    // A run prepared before selectors stored no coverage: S3 answers 404 (the mock, undefined).
    s3.on(GetObjectCommand, { Bucket: 'reports-bucket', Key: 'runs/exec-9/coverage.json' }).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(PutObjectCommand).resolves({});
  });
  afterEach(() => {
    s3.reset();
    vi.restoreAllMocks();
    delete process.env.REPORTS_BUCKET;
  });

  it('stores the report in the bucket and returns what SNS and EventBridge publish, pointing at it', async () => {
    // Prepare
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Act
    const published = await handler(
      {
        run: runContext({ name: 'exec-9', mode: 'backup' }),
        collections: { key: 'runs/exec-9/items.json', count: 1 },
      },
      context,
    );

    // Assess
    const [put] = s3.commandCalls(PutObjectCommand);
    expect(put?.args[0].input).toMatchObject({
      Bucket: 'reports-bucket',
      Key: 'reports/2026/11/21/exec-9.json',
    });
    expect(published).toMatchObject({
      status: 'SUCCEEDED',
      mode: 'backup',
      subject: '[OK] nightly backup: 1 collection succeeded',
      event: { reportLocation: 's3://reports-bucket/reports/2026/11/21/exec-9.json', status: 'SUCCEEDED' },
    });
  });

  it("records the schedule's newest success for the freshness check, under the run's deployment", async () => {
    // Prepare
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const run = runContext({ name: 'exec-9', mode: 'backup' });
    s3.on(GetObjectCommand, { Key: `status/${run.deployment.id}/schedules/nightly.json` }).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );

    // Act
    await handler({ run, collections: { key: 'runs/exec-9/items.json', count: 1 } }, context);

    // Assess
    const status = s3
      .commandCalls(PutObjectCommand)
      .find((c) => String(c.args[0].input.Key).startsWith('status/'));
    expect(status?.args[0].input.Key).toBe(`status/${run.deployment.id}/schedules/nightly.json`);
    expect(JSON.parse(String(status?.args[0].input.Body))).toMatchObject({
      deploymentId: run.deployment.id,
      schedule: 'nightly',
      lastSuccess: { runId: 'exec-9', mode: 'backup' },
    });
  });

  it("emits the schedule's SuccessfulRuns metric the freshness alarm watches", async () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    await handler(
      {
        run: runContext({ name: 'exec-9', mode: 'backup' }),
        collections: { key: 'runs/exec-9/items.json', count: 1 },
      },
      context,
    );

    // Assess: CloudWatch embedded metric format, as the freshness alarm's metric is defined.
    const emf = written
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: {
              CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
            };
          },
      );
    const freshness = emf.find((m) =>
      m._aws.CloudWatchMetrics[0]?.Metrics.some((x) => x.Name === 'SuccessfulRuns'),
    );
    expect(freshness).toMatchObject({ service: 'BuildReport', Schedule: 'nightly', SuccessfulRuns: 1 });
    expect(freshness?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'MilvusSnapshotScheduler',
      Dimensions: [expect.arrayContaining(['service', 'Schedule'])],
    });
    const totals = emf.find((m) =>
      m._aws.CloudWatchMetrics[0]?.Metrics.some((x) => x.Name === 'SnapshotsCreated'),
    );
    expect(totals).toMatchObject({ service: 'BuildReport', SnapshotsCreated: 1, SnapshotsDropped: 1 });
    expect(totals?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
  });
});
