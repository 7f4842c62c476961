import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/record-collection-result/handler';
import { backup, lambdaError, products, retention, runContext } from './fixtures';

const context = { functionName: 'RecordCollectionResult', awsRequestId: 'req-1' } as Context;
const s3 = mockClient(S3Client);

describe('RecordCollectionResult handler (deployed: S3)', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.REPORTS_BUCKET = 'reports-bucket';
    s3.on(PutObjectCommand).resolves({});
  });
  afterEach(() => {
    s3.reset();
    delete process.env.REPORTS_BUCKET;
  });

  it('puts the result under runs/<runId>/collections/ in the reports bucket, as JSON', async () => {
    // Act
    const recorded = await handler(
      { run: runContext({ name: 'exec-7', mode: 'backup' }), target: products, backup, retention },
      context,
    );

    // Assess
    expect(recorded).toEqual({ database: 'default', collection: 'products', status: 'SUCCEEDED' });
    const [put] = s3.commandCalls(PutObjectCommand);
    expect(put?.args[0].input).toMatchObject({
      Bucket: 'reports-bucket',
      Key: 'runs/exec-7/collections/default/products.json',
      ContentType: 'application/json',
    });
    expect(JSON.parse(String(put?.args[0].input.Body))).toEqual({
      database: 'default',
      collection: 'products',
      status: 'SUCCEEDED',
      backup,
      retention,
    });
  });

  it('records a caught failure as the collection failing, not as a failure of the step', async () => {
    const recorded = await handler(
      {
        run: runContext({ mode: 'backup' }),
        target: products,
        error: lambdaError('MilvusUnavailableError', 'Milvus at milvus:19530 is unavailable'),
      },
      context,
    );
    expect(recorded.status).toBe('FAILED');
  });

  it('fails the step when S3 refuses the write, so the state machine can retry or report it', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(handler({ run: runContext(), target: products, backup }, context)).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
