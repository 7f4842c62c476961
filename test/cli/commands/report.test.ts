import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, DEPLOYED, executionArn, jsonBody } from '../support/deployment-fixture';
import { sampleReport } from '../support/sample-report';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const DEPLOYMENT = [
  '--state-machine-arn',
  DEPLOYED.stateMachineArn,
  '--reports-bucket',
  DEPLOYED.reportsBucket,
];
const NAME = 'cli-20261121-030000-3fa2';
const KEY = `reports/2026/11/21/${NAME}.json`;

function executionIs(status: string, extra: { error?: string; cause?: string } = {}): void {
  sfn.on(DescribeExecutionCommand).resolves({
    executionArn: executionArn(NAME),
    stateMachineArn: DEPLOYED.stateMachineArn,
    name: NAME,
    status: status as 'SUCCEEDED',
    startDate: new Date('2026-11-21T03:00:00.412Z'),
    ...(status === 'RUNNING' ? {} : { stopDate: new Date('2026-11-21T03:04:12Z') }),
    ...extra,
  });
}

function noSuchKey() {
  return Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
}

afterEach(() => {
  sfn.reset();
  s3.reset();
});

describe('report <run>', () => {
  it("finds the report by the execution's start day and prints a summary with every failure", async () => {
    // Prepare
    executionIs('FAILED');
    s3.on(GetObjectCommand, { Bucket: DEPLOYED.reportsBucket, Key: KEY }).resolves({
      Body: jsonBody(sampleReport(NAME)),
    });

    // Act
    const run = await cli('report', NAME, ...DEPLOYMENT);

    // Assess
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: executionArn(NAME),
    });
    expect(run.stdout).toBe(
      [
        `Run ${NAME}: FAILED (manual full; started by hand)`,
        'Started 2026-11-21 03:00:00Z, finished 2026-11-21 03:04:12Z (4m 12s)',
        'Collections  3: 1 succeeded, 2 failed, 0 skipped',
        'Snapshots    2 created, 1 dropped',
        'Drills       1 verified, 1 failed',
        '',
        'COLLECTION               STATUS     SNAPSHOT                RETENTION          DRILL',
        'default.products         SUCCEEDED  manual_20261121_030000  kept 1, dropped 1  verified (restore 12s)',
        'default.support_tickets  FAILED     -                       -                  -',
        'analytics.user_events    FAILED     manual_20261121_030000  -                  NOT verified (Completed)',
        '',
        'Failures',
        '  default.support_tickets: MilvusUnavailableError: flush of default.support_tickets: UNAVAILABLE',
        '  analytics.user_events: drill of manual_20261121_030000 not verified (Completed)',
        '  analytics.user_events:   check rowCount: expected 500, got 490',
        '',
        `Report: s3://${DEPLOYED.reportsBucket}/${KEY}`,
        '',
      ].join('\n'),
    );
  });

  it('lists the drill collections a drill kept on purpose, apart from the failures', async () => {
    // Prepare: the products drill kept its collection (drill.keepDrillCollection)
    executionIs('FAILED');
    const report = sampleReport(NAME);
    const products = report.collections[0];
    if (!products?.drill) throw new Error('the sample report has no products drill');
    const kept = { ...products, drill: { ...products.drill, kept: 'drill.keepDrillCollection is set' } };
    s3.on(GetObjectCommand, { Bucket: DEPLOYED.reportsBucket, Key: KEY }).resolves({
      Body: jsonBody({ ...report, collections: [kept, ...report.collections.slice(1)] }),
    });

    // Act
    const run = await cli('report', NAME, ...DEPLOYMENT);

    // Assess
    const lines = run.stdout.split('\n');
    expect(lines).toContain(
      'default.products         SUCCEEDED  manual_20261121_030000  kept 1, dropped 1  verified (restore 12s), collection kept',
    );
    const section = lines.indexOf('Kept in Milvus on purpose');
    expect(section).toBeGreaterThan(lines.indexOf('Failures'));
    expect(lines[section + 1]).toBe(
      '  default.products: drill collection drill_products_20261121_030000_a1b2c3 (drill.keepDrillCollection is set)',
    );
  });

  it('prints the report as JSON with --json, as stored', async () => {
    // Prepare
    executionIs('FAILED');
    s3.on(GetObjectCommand).resolves({ Body: jsonBody(sampleReport(NAME)) });

    // Act
    const run = await cli('report', NAME, ...DEPLOYMENT, '--json');

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(sampleReport(NAME));
  });

  it('takes the execution ARN as well as its name', async () => {
    // Prepare
    executionIs('FAILED');
    s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: jsonBody(sampleReport(NAME)) });

    // Act
    const run = await cli('report', executionArn(NAME), ...DEPLOYMENT, '--json');

    // Assess
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      executionArn(NAME),
    );
  });

  it('finds the report of a run Step Functions has forgotten by listing reports/', async () => {
    // Prepare
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const oldKey = `reports/2026/03/02/${NAME}.json`;
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'reports/2026/03/02/other-run.json' }, { Key: oldKey }],
    });
    s3.on(GetObjectCommand, { Key: oldKey }).resolves({
      Body: jsonBody(sampleReport(NAME, '2026-03-02T03:00:00.000Z')),
    });

    // Act
    const run = await cli('report', NAME, ...DEPLOYMENT);

    // Assess
    expect(run.code).toBe(0);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: DEPLOYED.reportsBucket,
      Prefix: 'reports/',
    });
    expect(run.stdout).toContain(`Report: s3://${DEPLOYED.reportsBucket}/${oldKey}`);
  });

  describe('when there is no report', () => {
    it('says a running run has none yet (exit code 1)', async () => {
      // Prepare
      executionIs('RUNNING');
      s3.on(GetObjectCommand).rejects(noSuchKey());

      // Act
      const run = await cli('report', NAME, ...DEPLOYMENT);

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `error: run ${NAME} is RUNNING (started 2026-11-21 03:00:00Z); its report is stored when it ends\n`,
      );
      // The execution's start day gives the exact key: no need to list the whole bucket.
      expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    });

    it('gives the error of a run that failed before its report, without the Lambda stack trace', async () => {
      // Prepare
      executionIs('FAILED', {
        error: 'InvalidInputError',
        cause: JSON.stringify({
          errorType: 'InvalidInputError',
          errorMessage: 'unknown collection "default.prodcts"; configured: default.products',
          trace: ['InvalidInputError: unknown collection', '    at prepareRun (/var/task/index.js:1:2)'],
        }),
      });
      s3.on(GetObjectCommand).rejects(noSuchKey());

      // Act
      const run = await cli('report', NAME, ...DEPLOYMENT);

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `error: run ${NAME} FAILED before its report was built: InvalidInputError: ` +
          'unknown collection "default.prodcts"; configured: default.products\n',
      );
    });

    it('refuses a run that does not exist anywhere (exit code 2)', async () => {
      // Prepare
      sfn
        .on(DescribeExecutionCommand)
        .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
      s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'reports/2026/11/20/another.json' }] });

      // Act
      const run = await cli('report', 'no-such-run', ...DEPLOYMENT);

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: no run named no-such-run');
      expect(run.stderr).toContain('"runs" lists the recent ones');
    });
  });

  it('refuses a stored document that is not a run report, naming where it is (exit code 1)', async () => {
    // Prepare
    executionIs('SUCCEEDED');
    s3.on(GetObjectCommand).resolves({ Body: jsonBody({ ...sampleReport(NAME), schemaVersion: 3 }) });

    // Act
    const run = await cli('report', NAME, ...DEPLOYMENT);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: s3://${DEPLOYED.reportsBucket}/${KEY} is not a valid run report`);
    expect(run.stderr).toContain('schemaVersion');
  });
});
