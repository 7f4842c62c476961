import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MilvusSnapshotScheduler,
  type MilvusSnapshotSchedulerProps,
} from '../../lib/milvus-snapshot-scheduler';
import { type CfnTemplate, definitionFromTemplate } from '../../lib/state-machine/synthesized-definition';
import type { StepName } from '../../lib/step-catalog';
import { logicalId, propertiesOf, testApp } from './fixtures';

const runtimeConfig = {
  collections: [{ name: 'products' }],
  schedules: {
    nightly: { cron: 'cron(0 3 * * ? *)' },
    paused: { cron: 'rate(1 hour)', enabled: false },
  },
  retention: { default: { keepDaily: 7 } },
};

interface Built {
  readonly stack: Stack;
  readonly scheduler: MilvusSnapshotScheduler;
  readonly template: Template;
}

function build(props: (stack: Stack) => Partial<MilvusSnapshotSchedulerProps> = () => ({})): Built {
  const stack = new Stack(testApp(), 'Test');
  const scheduler = new MilvusSnapshotScheduler(stack, 'Scheduler', {
    runtimeConfig,
    milvus: { address: 'milvus.internal:19530' },
    ...props(stack),
  });
  return { stack, scheduler, template: Template.fromStack(stack) };
}

const env = (b: Built, step: StepName) =>
  (
    propertiesOf(b.template, logicalId(b.scheduler.functions[step])).Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
const fn = (b: Built, step: StepName) => propertiesOf(b.template, logicalId(b.scheduler.functions[step]));
const definition = (b: Built) => definitionFromTemplate(b.template.toJSON() as CfnTemplate);

let defaults: Built;
let overridden: Built;
let withVpc: Built;

beforeAll(() => {
  defaults = build();
  overridden = build((stack) => ({
    encryptionKey: new kms.Key(stack, 'OwnKey', { enableKeyRotation: true }),
    milvusTokenSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'milvus/token'),
    reportTopic: sns.Topic.fromTopicArn(stack, 'Reports', 'arn:aws:sns:eu-west-1:123456789012:backups'),
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Alarms', 'arn:aws:sns:eu-west-1:123456789012:alarms'),
    reportEmails: ['team@example.com'],
    failureReportEmails: ['oncall@example.com'],
    alarmEmails: ['oncall@example.com'],
    reportRetention: Duration.days(7),
    accessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'access-logs'),
    mapConcurrency: 40,
    logLevel: 'DEBUG',
    logRetention: logs.RetentionDays.ONE_WEEK,
    runTimeout: Duration.hours(2),
    perCollectionMetrics: false,
    scheduleRetryAttempts: 0,
    scheduleMaxEventAge: Duration.minutes(10),
    milvus: { address: 'https://in01.zillizcloud.com:19530', tls: true, timeoutMs: 120_000 },
  }));
  withVpc = build((stack) => ({
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d',
      availabilityZones: ['eu-west-1a'],
    }),
    vpcSubnets: { subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0a1b2c3d')] },
  }));
});

describe('defaults and their overrides', () => {
  it('creates a rotating key for topics and queue, or uses the one given', () => {
    defaults.template.resourceCountIs('AWS::KMS::Key', 1);
    overridden.template.resourceCountIs('AWS::KMS::Key', 1);
    overridden.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] },
    });
  });

  it('creates the token secret with a placeholder, or reads the one given by name', () => {
    defaults.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    overridden.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(env(overridden, 'Flush').MILVUS_TOKEN_SECRET_ID).toBe('milvus/token');
    overridden.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: {
              'Fn::Join': ['', Match.arrayWith([':secret:milvus/token-??????'])],
            },
          }),
        ]),
      },
    });
  });

  it('creates encrypted report and alarm topics, or publishes to the ones given', () => {
    defaults.template.resourceCountIs('AWS::SNS::Topic', 2);
    overridden.template.resourceCountIs('AWS::SNS::Topic', 0);
    overridden.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Resource: 'arn:aws:sns:eu-west-1:123456789012:backups' }),
        ]),
      },
    });
    overridden.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
    });
  });

  it('warns at synth when a given alarm topic cannot be opened to CloudWatch here', () => {
    Annotations.fromStack(defaults.stack).hasNoWarning('*', Match.stringLikeRegexp('alarmTopic is imported'));
    Annotations.fromStack(overridden.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('alarmTopic is imported.*allow cloudwatch.amazonaws.com to sns:Publish'),
    );
  });

  it('subscribes no one by default, and the given addresses otherwise', () => {
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    overridden.template.resourceCountIs('AWS::SNS::Subscription', 3);
    overridden.template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'oncall@example.com',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:backups',
      FilterPolicy: { status: ['FAILED'] },
    });
  });

  it('keeps reports 365 days (results 30) by default, or as long as asked', () => {
    const rules = (b: Built) =>
      (
        Object.values(b.template.findResources('AWS::S3::Bucket'))[0] as {
          Properties: { LifecycleConfiguration: { Rules: { Id: string; ExpirationInDays?: number }[] } };
        }
      ).Properties.LifecycleConfiguration.Rules.map((r) => [r.Id, r.ExpirationInDays]);
    expect(rules(defaults)).toEqual([
      ['expire-run-reports', 365],
      ['expire-collection-results', 30],
      ['expire-old-versions', undefined],
    ]);
    expect(rules(overridden)).toEqual([
      ['expire-run-reports', 7],
      ['expire-collection-results', 7],
      ['expire-old-versions', undefined],
    ]);
  });

  it('logs the reports bucket access only when given a bucket for it', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.absent() });
    overridden.template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: 'access-logs',
        LogFilePrefix: 'milvus-snapshot-reports/',
      },
    });
  });

  it('runs every function on nodejs22.x by default, or on the runtime given', () => {
    const newer = build(() => ({ runtime: lambda.Runtime.NODEJS_24_X }));
    defaults.template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
    newer.template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x' });
  });

  it('processes 10 collections at once by default', () => {
    expect(definition(defaults).States.Collections).toMatchObject({ MaxConcurrency: 10 });
    expect(definition(overridden).States.Collections).toMatchObject({ MaxConcurrency: 40 });
  });

  it('logs at INFO for 90 days by default', () => {
    expect(env(defaults, 'BuildReport').POWERTOOLS_LOG_LEVEL).toBe('INFO');
    expect(env(overridden, 'BuildReport').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    defaults.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    overridden.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('stops a run after 12 hours by default', () => {
    expect(definition(defaults).TimeoutSeconds).toBe(43_200);
    expect(definition(overridden).TimeoutSeconds).toBe(7_200);
  });

  it.each(['CheckFlush', 'CreateSnapshot', 'EnforceRetention', 'RecordDrill'] as const)(
    'lets %s emit per-collection metrics by default, and not when turned off',
    (step) => {
      expect(env(defaults, step).PER_COLLECTION_METRICS).toBe('true');
      expect(env(overridden, step).PER_COLLECTION_METRICS).toBe('false');
    },
  );

  it('names the deployment <stack name>.<region> by default, or as given', () => {
    const given = build(() => ({ deploymentId: 'prod-eu' }));
    expect(defaults.stack.resolve(defaults.scheduler.deploymentId)).toEqual({
      'Fn::Join': ['', ['Test.', { Ref: 'AWS::Region' }]],
    });
    expect(env(defaults, 'BuildReport').DEPLOYMENT_ID).toEqual({
      'Fn::Join': ['', ['Test.', { Ref: 'AWS::Region' }]],
    });
    expect(env(given, 'BuildReport').DEPLOYMENT_ID).toBe('prod-eu');
    expect(JSON.stringify(given.template.findResources('AWS::CloudWatch::Dashboard'))).toContain('prod-eu');
  });

  it('retries starting a scheduled run 5 times within an hour by default', () => {
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 } },
    });
    overridden.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600 } },
    });
  });

  it('deploys a disabled schedule disabled, without a freshness alarm', () => {
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'paused',
      State: 'DISABLED',
    });
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly',
      State: 'ENABLED',
    });
    expect(Object.keys(defaults.scheduler.monitoring.freshness)).toEqual(['nightly']);
  });

  it('checks the freshness of the enabled schedules only, and needs no check without any', () => {
    defaults.template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Input: JSON.stringify({ schedules: ['nightly'] }) })],
    });
    const paused = build(() => ({
      runtimeConfig: { ...runtimeConfig, schedules: { paused: { cron: 'rate(1 hour)', enabled: false } } },
    }));
    expect(paused.scheduler.freshnessCheck).toBeUndefined();
    paused.template.resourceCountIs('AWS::Events::Rule', 0);
    expect(paused.scheduler.monitoring.freshnessCheckFailed).toBeUndefined();
  });

  it('talks to Milvus without TLS within 15 s per call by default, and stretches timeouts for slower calls', () => {
    expect(env(defaults, 'Flush')).toMatchObject({ MILVUS_TLS: 'false', MILVUS_TIMEOUT_MS: '15000' });
    expect(env(overridden, 'Flush')).toMatchObject({
      MILVUS_ADDRESS: 'https://in01.zillizcloud.com:19530',
      MILVUS_TLS: 'true',
      MILVUS_TIMEOUT_MS: '120000',
    });
    expect(fn(defaults, 'Flush').Timeout).toBe(60);
    // Two 120 s calls and 30 s to spare (PrepareRun lists Milvus too); the non-Milvus steps keep theirs.
    expect(fn(overridden, 'Flush').Timeout).toBe(270);
    expect(fn(overridden, 'VerifyRestore').Timeout).toBe(300);
    expect(fn(overridden, 'PrepareRun').Timeout).toBe(270);
    expect(fn(overridden, 'RecordCollectionResult').Timeout).toBe(30);
  });

  it('runs outside a VPC by default; in a VPC, only the Milvus functions join it, in their own security group', () => {
    expect(fn(defaults, 'Flush').VpcConfig).toBeUndefined();
    expect(fn(withVpc, 'Flush').VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d'],
      SecurityGroupIds: [
        {
          'Fn::GetAtt': [logicalId(withVpc.scheduler.milvusClientSecurityGroup ?? withVpc.stack), 'GroupId'],
        },
      ],
    });
    expect(fn(withVpc, 'BuildReport').VpcConfig).toBeUndefined();
    withVpc.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0a1b2c3d',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
    });
    withVpc.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']), Resource: '*' }),
        ]),
      },
    });
    expect(defaults.scheduler.milvusClientSecurityGroup).toBeUndefined();
  });

  it('adds no S3 endpoint by default, and a gateway endpoint on the route tables given', () => {
    withVpc.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    const endpoint = build((stack) => ({
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d',
        availabilityZones: ['eu-west-1a'],
      }),
      vpcSubnets: { subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0a1b2c3d')] },
      s3GatewayEndpoint: { routeTableIds: ['rtb-0a1b2c3d'] },
    }));
    endpoint.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0a1b2c3d',
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      RouteTableIds: ['rtb-0a1b2c3d'],
    });
  });

  it("adds the S3 endpoint to the subnets' own route tables when they know them", () => {
    const endpoint = build((stack) => ({
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d',
        availabilityZones: ['eu-west-1a'],
      }),
      vpcSubnets: {
        subnets: [
          ec2.Subnet.fromSubnetAttributes(stack, 'Subnet', {
            subnetId: 'subnet-0a1b2c3d',
            routeTableId: 'rtb-1a2b3c4d',
          }),
        ],
      },
      s3GatewayEndpoint: {},
    }));
    endpoint.template.hasResourceProperties('AWS::EC2::VPCEndpoint', { RouteTableIds: ['rtb-1a2b3c4d'] });
    expect(() =>
      build((stack) => ({
        vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-0a1b2c3d',
          availabilityZones: ['eu-west-1a'],
        }),
        vpcSubnets: { subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0a1b2c3d')] },
        s3GatewayEndpoint: {},
      })),
    ).toThrow(
      's3GatewayEndpoint needs routeTableIds: subnet subnet-0a1b2c3d was imported without its route table, got s3GatewayEndpoint {}',
    );
  });

  it('uses the security groups given instead of creating one', () => {
    const given = build((stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d',
        availabilityZones: ['eu-west-1a'],
      });
      return {
        vpc,
        vpcSubnets: { subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0a1b2c3d')] },
        securityGroups: [
          ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0a1b2c3d', { mutable: false }),
        ],
      };
    });
    given.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(fn(given, 'Flush').VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d'],
      SecurityGroupIds: ['sg-0a1b2c3d'],
    });
  });
});

describe('invalid props', () => {
  const attempt = (props: (stack: Stack) => Partial<MilvusSnapshotSchedulerProps>) => () => build(props);

  it.each([
    [{ mapConcurrency: 0 }, 'mapConcurrency must be a whole number from 1 to 1000, got 0'],
    [{ mapConcurrency: 2.5 }, 'mapConcurrency must be a whole number from 1 to 1000, got 2.5'],
    [{ logLevel: 'LOUD' as 'INFO' }, 'logLevel must be one of DEBUG, INFO, WARN, ERROR, got "LOUD"'],
    [
      { runTimeout: Duration.minutes(30) },
      'runTimeout must be at least 85 minutes (flush.timeoutSeconds + drill.timeoutMinutes + 15 minutes), got 30 minutes',
    ],
    [
      { reportRetention: Duration.hours(12) },
      'reportRetention must be a whole number of days, at least 1, got 12 hours',
    ],
    [
      { reportEmails: ['ops at example.com'] },
      'reportEmails must hold e-mail addresses, got "ops at example.com"',
    ],
    [{ scheduleRetryAttempts: 200 }, 'scheduleRetryAttempts must be a whole number from 0 to 185, got 200'],
    [
      { scheduleMaxEventAge: Duration.seconds(30) },
      'scheduleMaxEventAge must be from 1 minute to 24 hours, got 30 seconds',
    ],
    [{ milvus: { address: ' ' } }, 'invalid milvus: $.address: address is required'],
    [
      {
        runtimeConfig: {
          ...runtimeConfig,
          drill: { timeoutMinutes: 240, backoff: { initialSeconds: 5, factor: 1, maxSeconds: 5 } },
        },
        runTimeout: Duration.hours(6),
      },
      "invalid runtimeConfig: $.drill.timeoutMinutes: one collection's run may write 27,065 history events",
    ],
    [
      { runtimeConfig: { ...runtimeConfig, schedules: { [`n${'x'.repeat(48)}`]: { cron: 'rate(1 day)' } } } },
      `invalid runtimeConfig: $.schedules.n${'x'.repeat(48)}: schedule names use letters, digits, "_" and "-", at most 48 characters, got "n${'x'.repeat(48)}" (49 characters)`,
    ],
    [
      { runtimeConfig: { ...runtimeConfig, schedules: { nightly: { cron: 'cron(0 24 * * ? *)' } } } },
      'invalid runtimeConfig: $.schedules.nightly.cron: cron hours must be 0-23, got "24"',
    ],
    [
      {
        runtimeConfig: {
          ...runtimeConfig,
          schedules: { nightly: { cron: 'rate(1 day)', collections: ['orders'] } },
        },
      },
      "invalid runtimeConfig: $.schedules.nightly.collections[0]: schedule 'nightly' names orders, which is not in collections",
    ],
  ])('refuses %j', (props, message) => {
    expect(attempt(() => props)).toThrow(message);
  });

  it.each([
    [lambda.Runtime.PYTHON_3_12, 'runtime must be a Node.js runtime, 22 or newer, got python3.12'],
    [lambda.Runtime.NODEJS_20_X, 'runtime must be a Node.js runtime, 22 or newer, got nodejs20.x'],
  ])('refuses the runtime %s', (runtime, message) => {
    expect(attempt(() => ({ runtime }))).toThrow(message);
  });

  it('refuses an S3 endpoint without a VPC', () => {
    expect(attempt(() => ({ s3GatewayEndpoint: { routeTableIds: ['rtb-0a1b2c3d'] } }))).toThrow(
      's3GatewayEndpoint needs vpc, got s3GatewayEndpoint without a vpc',
    );
  });

  it('refuses subnets or security groups without a VPC', () => {
    expect(attempt(() => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))).toThrow(
      'vpcSubnets needs vpc, got vpcSubnets without a vpc',
    );
    expect(
      attempt((stack) => ({
        securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0a1b2c3d')],
      })),
    ).toThrow('securityGroups needs vpc, got security groups without a vpc');
  });
});
