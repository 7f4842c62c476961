import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENT_OUTPUTS } from '../../cli/aws/deployment';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import type { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';
import { STEP_CATALOG, STEP_NAMES, type StepName } from '../../lib/step-catalog';
import { exampleConfig, exampleWith, logicalId, propertiesOf, synthStack } from './fixtures';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let stack: MilvusSnapshotSchedulerStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthStack());
});

const fnId = (step: StepName) => logicalId(stack.scheduler.functions[step]);
const functionProps = (step: StepName) => propertiesOf(template, fnId(step));
const environmentOf = (step: StepName) =>
  (functionProps(step).Environment as { Variables: Record<string, unknown> }).Variables;

/** Every statement of the policies attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  const resources = (
    template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }
  ).Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const roleOf = (step: StepName) =>
  (functionProps(step).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

const MILVUS_STEPS = STEP_NAMES.filter((s) => STEP_CATALOG[s].milvus);
const OTHER_STEPS = STEP_NAMES.filter((s) => !STEP_CATALOG[s].milvus);

describe('functions', () => {
  it('creates one function per step, each with its own log group and role', () => {
    // And the freshness check beside them.
    template.resourceCountIs('AWS::Lambda::Function', STEP_NAMES.length + 1);
    // A log group per step, the freshness check's and the state machine's.
    template.resourceCountIs('AWS::Logs::LogGroup', STEP_NAMES.length + 2);
    expect(MILVUS_STEPS).toEqual([
      // It lists databases and collections to resolve the selectors.
      'PrepareRun',
      'Flush',
      'CheckFlush',
      'CreateSnapshot',
      'EnforceRetention',
      'ChooseSnapshot',
      'SweepOrphans',
      'StartRestore',
      'PollRestore',
      'VerifyRestore',
      'SwitchOver',
      'CleanupDrill',
    ]);
  });

  it.each(STEP_NAMES)(
    '%s runs Node.js 22 on arm64 with X-Ray, its log group, source maps and Powertools',
    (step) => {
      expect(functionProps(step)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: STEP_CATALOG[step].memoryMb,
        LoggingConfig: { LogGroup: { Ref: expect.stringContaining(`Scheduler${step}Logs`) } },
      });
      expect(environmentOf(step)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: step,
        POWERTOOLS_METRICS_NAMESPACE: 'MilvusSnapshotScheduler',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    },
  );

  it('keeps the functions logs 90 days, and the log groups when the stack is deleted', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('sizes timeouts to each step', () => {
    const timeouts = Object.fromEntries(STEP_NAMES.map((s) => [s, functionProps(s).Timeout]));
    expect(timeouts).toEqual({
      PrepareRun: 60,
      Flush: 60,
      CheckFlush: 60,
      CreateSnapshot: 120,
      EnforceRetention: 300,
      ChooseSnapshot: 120,
      SweepOrphans: 300,
      StartRestore: 120,
      PollRestore: 60,
      VerifyRestore: 300,
      SwitchOver: 120,
      CleanupDrill: 120,
      RecordDrill: 30,
      RecordCollectionResult: 30,
      BuildReport: 300,
    });
  });

  it.each(MILVUS_STEPS)(
    '%s gets the Milvus endpoint and the token secret, never the token itself',
    (step) => {
      expect(environmentOf(step)).toMatchObject({
        MILVUS_ADDRESS: 'milvus.internal.example.com:19530',
        MILVUS_TLS: 'false',
        MILVUS_TIMEOUT_MS: '15000',
        MILVUS_TOKEN_SECRET_ID: { Ref: logicalId(stack.scheduler.milvusTokenSecret) },
      });
      expect(environmentOf(step)).not.toHaveProperty('MILVUS_TOKEN');
    },
  );

  it.each(OTHER_STEPS)('%s knows nothing about Milvus', (step) => {
    const env = environmentOf(step);
    for (const key of ['MILVUS_ADDRESS', 'MILVUS_TLS', 'MILVUS_TIMEOUT_MS', 'MILVUS_TOKEN_SECRET_ID']) {
      expect(env).not.toHaveProperty(key);
    }
    expect(actionsOf(statementsOfRole(roleOf(step)))).not.toContain('secretsmanager:GetSecretValue');
  });

  it.each(STEP_NAMES)('%s knows the deployment, which every metric it emits carries', (step) => {
    expect(environmentOf(step).DEPLOYMENT_ID).toEqual(stack.resolve(stack.scheduler.deploymentId));
  });

  it('tells exactly the steps that emit per-collection metrics whether to give them a Collection dimension', () => {
    const told = STEP_NAMES.filter((s) => 'PER_COLLECTION_METRICS' in environmentOf(s));
    // RecordDrill is no Milvus step, and emits six of them.
    expect(told).toEqual(['CheckFlush', 'CreateSnapshot', 'EnforceRetention', 'RecordDrill']);
    for (const step of told) expect(environmentOf(step).PER_COLLECTION_METRICS).toBe('true');
  });

  it('gives the reports bucket only to the steps that read or write results', () => {
    const withBucket = STEP_NAMES.filter((s) => 'REPORTS_BUCKET' in environmentOf(s));
    // PrepareRun stores the run's collection list (runs/<runId>/items.json) for the Map and reads the
    // ledger's drill and restore records; the Milvus
    // steps that create, drop or prove ownership keep the ledger in the bucket.
    expect(withBucket).toEqual([
      'PrepareRun',
      'CreateSnapshot',
      'EnforceRetention',
      'ChooseSnapshot',
      'SweepOrphans',
      'StartRestore',
      'SwitchOver',
      'CleanupDrill',
      'RecordDrill',
      'RecordCollectionResult',
      'BuildReport',
    ]);
    expect(environmentOf('BuildReport').REPORTS_BUCKET).toEqual({
      Ref: logicalId(stack.scheduler.reportsBucket),
    });
  });
});

describe('least-privilege IAM', () => {
  const bucketArn = () => ({ 'Fn::GetAtt': [logicalId(stack.scheduler.reportsBucket), 'Arn'] });
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn(), `/${prefix}*`]] });

  it.each(MILVUS_STEPS)('lets %s read the token secret, and only that secret', (step) => {
    const reads = statementsOfRole(roleOf(step)).filter((s) =>
      actionsOf([s]).includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: { Ref: logicalId(stack.scheduler.milvusTokenSecret) },
      },
    ]);
  });

  it('scopes S3 object access to the key prefixes each step uses', () => {
    const s3 = (step: StepName) =>
      statementsOfRole(roleOf(step)).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    // Listing the bucket makes S3 answer a missing key with 404, not 403; it cannot be narrowed by
    // s3:prefix, which a GetObject's request context does not have.
    const listing = { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn() };
    expect(s3('BuildReport')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('runs/'), objects('status/')] },
      listing,
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [objects('reports/'), objects('status/'), objects('ledger/')],
      },
    ]);
    expect(s3('RecordCollectionResult')).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('runs/') },
    ]);
    expect(s3('EnforceRetention')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('drills/'), objects('ledger/')] },
      listing,
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [objects('drills/'), objects('ledger/'), objects('runs/')],
      },
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: [objects('drills/'), objects('ledger/')] },
    ]);
    // ChooseSnapshot holds the snapshot it picks: it writes the drill's record, and sets aside an ended one.
    expect(s3('ChooseSnapshot')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('ledger/') },
      listing,
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('ledger/') },
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objects('ledger/') },
    ]);
    // A swap files the original's snapshot records and their drills under the name it set the original aside under.
    expect(s3('SwitchOver')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('drills/'), objects('ledger/')] },
      listing,
      { Effect: 'Allow', Action: 's3:PutObject', Resource: [objects('drills/'), objects('ledger/')] },
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: [objects('drills/'), objects('ledger/')] },
    ]);
    expect(s3('RecordDrill')).toHaveLength(3);
    expect(s3('Flush')).toEqual([]);
  });

  it('uses a wildcard resource only for actions that have no resource-level permissions', () => {
    const statements = (
      template.toJSON() as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      }
    ).Resources;
    const wildcard = Object.values(statements)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => [s.Resource].flat().includes('*'));
    expect([...new Set(actionsOf(wildcard))].sort()).toEqual([
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('lets the state machine invoke only its functions, publish only to its topic and put events only on the default bus', () => {
    const role = (
      propertiesOf(template, logicalId(stack.scheduler.stateMachine)).RoleArn as { 'Fn::GetAtt': [string] }
    )['Fn::GetAtt'][0];
    const statements = statementsOfRole(role);
    const invoked = statements
      .filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat())
      .map((r) => JSON.stringify(r));
    const ours = STEP_NAMES.flatMap((s) => [
      JSON.stringify({ 'Fn::GetAtt': [fnId(s), 'Arn'] }),
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId(s), 'Arn'] }, ':*']] }),
    ]);
    expect(new Set(invoked)).toEqual(new Set(ours));
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: { Ref: logicalId(stack.scheduler.reportTopic) },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':event-bus/default',
          ],
        ],
      },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: { 'Fn::GetAtt': [logicalId(stack.scheduler.encryptionKey), 'Arn'] },
    });
    // The Distributed Map starts children of this very state machine.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: { Ref: logicalId(stack.scheduler.stateMachine) },
      }),
    );
  });
});

describe('state machine', () => {
  it('is a Standard workflow with X-Ray and ERROR logs without execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': ['', [Match.stringLikeRegexp('^/aws/vendedlogs/states/'), Match.anyValue()]],
      },
    });
  });
});

describe('redeploying after cdk destroy', () => {
  it('retains no resource under an explicit name that a second deploy of the stack would reuse', () => {
    const resources = (
      template.toJSON() as {
        Resources: Record<string, { DeletionPolicy?: string; Properties?: Record<string, unknown> }>;
      }
    ).Resources;
    const retainedNames = Object.entries(resources)
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .flatMap(([id, r]) =>
        Object.entries(r.Properties ?? {})
          .filter(([key]) => /Name$/.test(key) && key !== 'DisplayName')
          .map(([key, value]) => ({ id, key, value: JSON.stringify(value) })),
      );
    // The state machine's log group is the one retained resource that has a name: it carries the stack's id.
    expect(retainedNames.map((n) => n.key)).toEqual(['LogGroupName']);
    for (const name of retainedNames) expect(name.value).toContain('"Ref":"AWS::StackId"');
    expect(retainedNames[0]?.value).toContain('/aws/vendedlogs/states/');
  });
});

describe('reports bucket', () => {
  it('is encrypted, versioned, private, TLS-only and expires reports', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'expire-run-reports', Prefix: 'reports/', ExpirationInDays: 365, Status: 'Enabled' },
          { Id: 'expire-collection-results', Prefix: 'runs/', ExpirationInDays: 30, Status: 'Enabled' },
          {
            Id: 'expire-old-versions',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            Status: 'Enabled',
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('notifications', () => {
  it('encrypts both topics with a rotating key, and refuses plain HTTP publishing', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.allResourcesProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.scheduler.encryptionKey), 'Arn'] },
    });
    template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('lets CloudWatch publish to every topic an alarm notifies, and use its key', () => {
    const { Resources } = template.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const cloudwatchMay = (statements: Statement[], actions: string[]) =>
      statements.some(
        (s) =>
          s.Effect === 'Allow' &&
          JSON.stringify((s as { Principal?: unknown }).Principal) ===
            JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }) &&
          actions.every((a) => actionsOf([s]).includes(a)),
      );
    const alarmTargets = new Set(
      Object.values(Resources)
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .flatMap((r) => r.Properties.AlarmActions as { Ref: string }[])
        .map((action) => action.Ref),
    );
    expect([...alarmTargets]).toEqual([logicalId(stack.scheduler.alarmTopic)]);
    for (const topic of alarmTargets) {
      const policies = Object.values(Resources).filter(
        (r) =>
          r.Type === 'AWS::SNS::TopicPolicy' &&
          (r.Properties.Topics as { Ref: string }[]).some((t) => t.Ref === topic),
      );
      const statements = policies.flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      expect(cloudwatchMay(statements, ['sns:Publish'])).toBe(true);
      // Only alarms of this account may use that permission (confused deputy).
      expect(
        statements.find((s) => s.Effect === 'Allow' && actionsOf([s]).includes('sns:Publish'))?.Condition,
      ).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudwatch:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':alarm:*',
              ],
            ],
          },
        },
      });
      const key = propertiesOf(template, topic).KmsMasterKeyId as { 'Fn::GetAtt': [string] };
      const keyPolicy = (propertiesOf(template, key['Fn::GetAtt'][0]).KeyPolicy as { Statement: Statement[] })
        .Statement;
      expect(cloudwatchMay(keyPolicy, ['kms:Decrypt', 'kms:GenerateDataKey*'])).toBe(true);
    }
  });

  it('subscribes the report, failure-only and alarm e-mail addresses', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'backup-reports@example.com',
      TopicArn: { Ref: logicalId(stack.scheduler.reportTopic) },
      FilterPolicy: Match.absent(),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: logicalId(stack.scheduler.reportTopic) },
      FilterPolicy: { status: ['FAILED'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: logicalId(stack.scheduler.alarmTopic) },
    });
  });

  it('creates the token secret with the placeholder the functions recognise', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: { SecretString: 'REPLACE_ME_WITH_THE_MILVUS_TOKEN' },
    });
  });
});

describe('schedules', () => {
  const input = (name: string) =>
    JSON.stringify({ schedule: name, scheduledTime: '<aws.scheduler.scheduled-time>' });

  it.each([
    ['hourly', 'cron(15 * * * ? *)', 'UTC'],
    ['nightly', 'cron(0 3 * * ? *)', 'Europe/Paris'],
    ['weekly', 'cron(0 6 ? * SUN *)', 'America/New_York'],
  ])('starts a %s run at %s in %s, with the slot time in the input', (name, expression, timezone) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: name,
      GroupName: stack.resolve(stack.scheduler.schedules.group.scheduleGroupName),
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { Ref: logicalId(stack.scheduler.stateMachine) },
        RoleArn: { 'Fn::GetAtt': [logicalId(stack.scheduler.schedules.role), 'Arn'] },
        Input: input(name),
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [logicalId(stack.scheduler.schedules.deadLetterQueue), 'Arn'] },
        },
      },
    });
  });

  it('keeps runs it could not start in an encrypted, TLS-only queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.scheduler.encryptionKey), 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('assumes a role only Scheduler in this account and this schedule group can use, allowed to start runs and fill the queue', () => {
    const roleId = logicalId(stack.scheduler.schedules.role);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': stack.resolve(stack.scheduler.schedules.group.scheduleGroupArn),
              },
            },
          },
        ],
      },
    });
    expect(statementsOfRole(roleId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'states:StartExecution',
          Resource: { Ref: logicalId(stack.scheduler.stateMachine) },
        }),
        expect.objectContaining({
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [logicalId(stack.scheduler.schedules.deadLetterQueue), 'Arn'] },
        }),
      ]),
    );
  });
});

describe('alarms and dashboard', () => {
  const alarmTopic = () => [{ Ref: logicalId(stack.scheduler.alarmTopic) }];

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])('alarms on %s', (metric) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.scheduler.stateMachine) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: alarmTopic(),
    });
  });

  it('alarms when a schedule could not start a run', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      AlarmActions: alarmTopic(),
    });
  });

  it.each([
    // Hourly: 60 min + 60 min margin.
    ['hourly', 2],
    // Nightly in Paris: the 25-hour autumn night + 120 min margin.
    ['nightly', 27],
    // Weekly in New York: a week and an hour across the autumn change + 60 min margin.
    ['weekly', 170],
  ])(
    'alarms when %s has had no successful run for more than %i hours, as the freshness check measures it',
    (name, hours) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'MilvusSnapshotScheduler',
        MetricName: 'HoursSinceLastSuccess',
        // The dimensions of the check's embedded metric (order does not matter to CloudWatch).
        Dimensions: [
          { Name: 'Deployment', Value: stack.resolve(stack.scheduler.deploymentId) },
          { Name: 'Schedule', Value: name },
          { Name: 'service', Value: 'CheckFreshness' },
        ],
        Statistic: 'Maximum',
        Period: 900,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        Threshold: hours,
        ComparisonOperator: 'GreaterThanThreshold',
        // Before the first check there is no data: INSUFFICIENT_DATA, which pages no one.
        TreatMissingData: 'missing',
        AlarmActions: alarmTopic(),
      });
    },
  );

  it('watches every enabled schedule, weekly included, without a synth warning', () => {
    expect(Object.keys(stack.scheduler.monitoring.freshness)).toEqual(['hourly', 'nightly', 'weekly']);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('freshness'));
    // Failed, timed out, aborted, dead letters, the check's own failures, one per schedule, and
    // the example's coverage.alarm.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 1 + 3 + 1);
  });

  it('alarms when a run finds collections nothing covers, with coverage.alarm (the example turns it on)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MilvusSnapshotScheduler',
      MetricName: 'UnprotectedCollections',
      Dimensions: [
        { Name: 'Deployment', Value: stack.resolve(stack.scheduler.deploymentId) },
        { Name: 'service', Value: 'BuildReport' },
      ],
      Statistic: 'Maximum',
      Period: 86_400,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: alarmTopic(),
    });
  });

  it('has no coverage alarm by default (the metric is published all the same)', () => {
    // Act
    const { stack: plain, template: plainTemplate } = synthStack(
      exampleWith({ coverage: { databases: 'configured', alarm: false } }),
    );

    // Assess
    expect(plain.scheduler.monitoring.unprotectedCollections).toBeUndefined();
    expect(
      Object.values(plainTemplate.findResources('AWS::CloudWatch::Alarm')).map(
        (r) => (r as { Properties: { MetricName?: string } }).Properties.MetricName,
      ),
    ).not.toContain('UnprotectedCollections');
    plainTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 4 + 1 + 3);
  });

  it('checks freshness every 15 minutes, naming the schedules to watch, and alarms when the check fails', () => {
    const check = stack.scheduler.freshnessCheck;
    if (!check) throw new Error('no freshness check');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(check), 'Arn'] },
          Input: JSON.stringify({ schedules: ['hourly', 'nightly', 'weekly'] }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(check) } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: alarmTopic(),
    });
    const props = propertiesOf(template, logicalId(check));
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'CheckFreshness',
      DEPLOYMENT_ID: stack.resolve(stack.scheduler.deploymentId),
      REPORTS_BUCKET: { Ref: logicalId(stack.scheduler.reportsBucket) },
    });
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('draws runs, durations, snapshots, drills and alarms on a dashboard', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const title of [
      'Runs',
      'Run duration',
      'Snapshots',
      'Restore drills',
      'Collections per run',
      'Alarms',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionTime',
      'SnapshotsCreated',
      'SnapshotsDropped',
      'DrillsVerified',
      'DrillsFailed',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('stack outputs', () => {
  it('names what an operator needs after deploying', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'AlarmTopicArn',
        'DashboardName',
        'DeadLetterQueueUrl',
        'DeploymentId',
        'MilvusAddress',
        'MilvusClusterKey',
        'MilvusTls',
        'MilvusTokenSecretArn',
        'ReportTopicArn',
        'ReportsBucketName',
        'ScheduleGroupName',
        'StateMachineArn',
      ].sort(),
    );
  });

  it('has every output the CLI reads, the Milvus ones as the functions use them', () => {
    // Act
    const outputs = template.findOutputs('*');

    // Assess
    for (const { output } of Object.values(DEPLOYMENT_OUTPUTS)) expect(outputs).toHaveProperty(output);
    const { milvus } = exampleConfig();
    expect(outputs.MilvusAddress?.Value).toBe(milvus.address);
    expect(outputs.MilvusTls?.Value).toBe(String(milvus.tls));
    expect(outputs.MilvusClusterKey?.Value).toBe(clusterIdentity(milvus.address, milvus.clusterId).key);
  });
});

describe('embedded configuration', () => {
  it('is the validated run part of the configuration', () => {
    expect(stack.scheduler.runtimeConfig.collections).toHaveLength(exampleConfig().collections.length);
  });
});
