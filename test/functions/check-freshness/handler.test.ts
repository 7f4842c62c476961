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
import { handler } from '../../../functions/check-freshness/handler';
import { useClock } from '../../../functions/shared/clock';

const context = { functionName: 'CheckFreshness', awsRequestId: 'req-1' } as Context;
const s3 = mockClient(S3Client);
const body = (value: unknown) =>
  ({ transformToString: async () => JSON.stringify(value) }) as unknown as GetObjectCommandOutput['Body'];

let restoreClock: () => void;

describe('CheckFreshness handler (deployed: S3)', () => {
  beforeEach(() => {
    restoreClock = useClock(() => Date.parse('2026-11-22T05:10:00.000Z'));
    process.env.AWS_REGION = 'eu-west-1';
    process.env.REPORTS_BUCKET = 'reports-bucket';
    process.env.DEPLOYMENT_ID = 'Production.eu-west-1';
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(GetObjectCommand, {
      Bucket: 'reports-bucket',
      Key: 'status/Production.eu-west-1/schedules/nightly.json',
    }).resolves({
      Body: body({
        schemaVersion: 1,
        deploymentId: 'Production.eu-west-1',
        schedule: 'nightly',
        lastSuccess: {
          runId: 'exec-9',
          mode: 'full',
          startedAt: '2026-11-21T03:00:00.000Z',
          finishedAt: '2026-11-21T03:10:00.000Z',
        },
      }),
    });
    s3.on(PutObjectCommand).resolves({});
  });
  afterEach(() => {
    s3.reset();
    restoreClock();
    vi.restoreAllMocks();
    delete process.env.REPORTS_BUCKET;
    delete process.env.DEPLOYMENT_ID;
  });

  it('publishes HoursSinceLastSuccess per deployment and schedule, as the freshness alarms read it', async () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);

    // Act
    await handler({ schedules: ['nightly', 'weekly'] }, context);

    // Assess
    const emf = written
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
          },
      );
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({
      service: 'CheckFreshness',
      Deployment: 'Production.eu-west-1',
      Schedule: 'nightly',
      HoursSinceLastSuccess: 26,
    });
    expect(emf[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'MilvusSnapshotScheduler',
      Dimensions: [['service', 'Deployment', 'Schedule']],
    });
    // No record yet for weekly: a baseline is written (only if none is there) and its age is 0.
    expect(emf[1]).toMatchObject({ Schedule: 'weekly', HoursSinceLastSuccess: 0 });
    const [baseline] = s3.commandCalls(PutObjectCommand);
    expect(baseline?.args[0].input).toMatchObject({
      Key: 'status/Production.eu-west-1/baselines/weekly.json',
      IfNoneMatch: '*',
    });
  });

  it('refuses to run without DEPLOYMENT_ID, saying what to set', async () => {
    delete process.env.DEPLOYMENT_ID;
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(handler({ schedules: ['nightly'] }, context)).rejects.toThrow('set DEPLOYMENT_ID');
  });
});
