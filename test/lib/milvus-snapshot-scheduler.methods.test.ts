import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MilvusSnapshotScheduler, type MilvusSnapshotSchedulerProps, type RunStatus } from '../../lib/index';
import { type CfnTemplate, definitionFromTemplate } from '../../lib/state-machine/synthesized-definition';
import { logicalId, propertiesOf, testApp } from './fixtures';

/** The methods CDK users expect of an L3 (grants, metrics, events) and the props that go with them. */

const runtimeConfig = {
  collections: [{ name: 'products' }],
  schedules: { nightly: { cron: 'cron(0 3 * * ? *)' } },
  retention: { default: { keepDaily: 7 } },
};

function build(props: (stack: Stack) => Partial<MilvusSnapshotSchedulerProps> = () => ({})) {
  const stack = new Stack(testApp(), 'Test');
  const scheduler = new MilvusSnapshotScheduler(stack, 'Scheduler', {
    runtimeConfig,
    milvus: { address: 'milvus.internal:19530' },
    deploymentId: 'production',
    ...props(stack),
  });
  return { stack, scheduler };
}

/** Renders a metric as CloudWatch sees it: namespace, name, dimensions, statistic, period. */
function rendered(stack: Stack, metric: cloudwatch.IMetric) {
  const config = metric.toMetricConfig().metricStat;
  return stack.resolve({
    namespace: config?.namespace,
    metricName: config?.metricName,
    dimensions: config?.dimensions,
    statistic: config?.statistic,
    period: config?.period.toSeconds(),
  });
}

describe('grants', () => {
  it('lets a principal start runs: states:StartExecution on the state machine, nothing more', () => {
    // Prepare
    const { stack, scheduler } = build();
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    // Act
    scheduler.grantStartRun(role);
    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(role) }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'states:StartExecution',
            Effect: 'Allow',
            Resource: { Ref: logicalId(scheduler.stateMachine) },
          },
        ],
      },
    });
  });

  it('lets a principal read the run reports only: objects under reports/', () => {
    const { stack, scheduler } = build();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    scheduler.grantReadReports(role);
    const bucket = logicalId(scheduler.reportsBucket);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(role) }],
      PolicyDocument: {
        Statement: [
          {
            Action: Match.arrayWith(['s3:GetObject*', 's3:List*']),
            Resource: [
              { 'Fn::GetAtt': [bucket, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/reports/*']] },
            ],
          },
        ],
      },
    });
  });
});

describe('metrics', () => {
  it('gives the run counts BuildReport emits, with this deployment as the Deployment dimension', () => {
    const { stack, scheduler } = build();
    expect(rendered(stack, scheduler.metricSnapshotsCreated())).toEqual({
      namespace: 'MilvusSnapshotScheduler',
      metricName: 'SnapshotsCreated',
      dimensions: [
        { name: 'Deployment', value: 'production' },
        { name: 'service', value: 'BuildReport' },
      ],
      statistic: 'Sum',
      period: 300,
    });
    for (const [metric, name] of [
      [scheduler.metricSnapshotsDropped(), 'SnapshotsDropped'],
      [scheduler.metricDrillsVerified(), 'DrillsVerified'],
      [scheduler.metricDrillsFailed(), 'DrillsFailed'],
      [scheduler.metricCollectionsSucceeded(), 'CollectionsSucceeded'],
      [scheduler.metricCollectionsFailed(), 'CollectionsFailed'],
      [scheduler.metricCollectionsSkipped(), 'CollectionsSkipped'],
      [scheduler.metricUnprotectedCollections(), 'UnprotectedCollections'],
    ] as const) {
      expect(rendered(stack, metric)).toMatchObject({ metricName: name, statistic: 'Sum' });
    }
  });

  it('takes the options CDK metric methods take (period, statistic)', () => {
    const { stack, scheduler } = build();
    expect(
      rendered(stack, scheduler.metricRunsFailed({ period: Duration.hours(1), statistic: 'Maximum' })),
    ).toMatchObject({ metricName: 'ExecutionsFailed', statistic: 'Maximum', period: 3600 });
  });

  it('returns exactly the metric the failed-executions alarm watches', () => {
    // Prepare
    const { stack, scheduler } = build();
    const template = Template.fromStack(stack);
    const alarm = propertiesOf(template, logicalId(scheduler.monitoring.executionsFailed));
    // Act
    const metric = rendered(stack, scheduler.metricRunsFailed());
    // Assess
    expect({
      namespace: alarm.Namespace,
      metricName: alarm.MetricName,
      dimensions: (alarm.Dimensions as { Name: string; Value: unknown }[]).map((d) => ({
        name: d.Name,
        value: d.Value,
      })),
      statistic: alarm.Statistic,
      period: alarm.Period,
    }).toEqual(metric);
  });

  it('returns the metric the coverage alarm watches, at the statistic and period it takes', () => {
    // Prepare
    const { stack, scheduler } = build(() => ({
      runtimeConfig: { ...runtimeConfig, coverage: { alarm: true } },
    }));
    const alarm = propertiesOf(
      Template.fromStack(stack),
      logicalId(scheduler.monitoring.unprotectedCollections as cloudwatch.Alarm),
    );
    // Act
    const metric = rendered(
      stack,
      scheduler.metricUnprotectedCollections({ period: Duration.days(1), statistic: 'Maximum' }),
    );
    // Assess
    expect({
      namespace: alarm.Namespace,
      metricName: alarm.MetricName,
      dimensions: (alarm.Dimensions as { Name: string; Value: unknown }[]).map((d) => ({
        name: d.Name,
        value: d.Value,
      })),
      statistic: alarm.Statistic,
      period: alarm.Period,
    }).toEqual(metric);
  });

  it("returns exactly the metric a schedule's freshness alarm watches", () => {
    const { stack, scheduler } = build();
    const alarm = propertiesOf(
      Template.fromStack(stack),
      logicalId(scheduler.monitoring.freshness.nightly as cloudwatch.Alarm),
    );
    expect(rendered(stack, scheduler.metricHoursSinceLastSuccess('nightly'))).toEqual({
      namespace: alarm.Namespace,
      metricName: alarm.MetricName,
      dimensions: (alarm.Dimensions as { Name: string; Value: unknown }[]).map((d) => ({
        name: d.Name,
        value: d.Value,
      })),
      statistic: alarm.Statistic,
      period: alarm.Period,
    });
    expect(rendered(stack, scheduler.metricSuccessfulRuns('nightly'))).toMatchObject({
      metricName: 'SuccessfulRuns',
      dimensions: expect.arrayContaining([{ name: 'Schedule', value: 'nightly' }]),
    });
  });

  it('refuses a schedule the configuration does not have, naming it', () => {
    const { scheduler } = build();
    expect(() => scheduler.metricHoursSinceLastSuccess('nightyl')).toThrow(
      'schedule must be one of the configured schedules (nightly), got "nightyl"',
    );
  });
});

describe('onRunCompleted', () => {
  it("matches this deployment's run-completed events on the default bus, of any status by default", () => {
    // Prepare
    const { stack, scheduler } = build();
    const queue = new sqs.Queue(stack, 'Runs');
    // Act
    const rule = scheduler.onRunCompleted('AnyRun', { target: new eventsTargets.SqsQueue(queue) });
    // Assess
    const properties = propertiesOf(Template.fromStack(stack), logicalId(rule));
    expect(properties.EventBusName).toBeUndefined();
    expect(properties.EventPattern).toEqual({
      source: ['milvus-snapshot-scheduler'],
      'detail-type': ['Milvus Snapshot Run Completed'],
      detail: { deployment: { id: ['production'] } },
    });
    expect(properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] } }),
    ]);
  });

  it('matches one status when asked, and refuses another value', () => {
    const { stack, scheduler } = build();
    const rule = scheduler.onRunCompleted('Failed', { status: 'FAILED' });
    expect(propertiesOf(Template.fromStack(stack), logicalId(rule)).EventPattern).toMatchObject({
      detail: { deployment: { id: ['production'] }, status: ['FAILED'] },
    });
    expect(() => scheduler.onRunCompleted('Done', { status: 'DONE' as RunStatus })).toThrow(
      'status must be SUCCEEDED or FAILED, got "DONE"',
    );
  });

  it('puts the run events on the eventBus given, and listens there', () => {
    // Prepare
    const stack = new Stack(testApp(), 'Test');
    const bus = new events.EventBus(stack, 'Backups');
    // Act
    const scheduler = new MilvusSnapshotScheduler(stack, 'Scheduler', {
      runtimeConfig,
      milvus: { address: 'milvus.internal:19530' },
      eventBus: bus,
    });
    const rule = scheduler.onRunCompleted('AnyRun');
    // Assess
    const template = Template.fromStack(stack);
    const emit = definitionFromTemplate(template.toJSON() as CfnTemplate).States.EmitRunEvent;
    const entries = (emit?.Parameters as { Entries?: { EventBusName?: string }[] } | undefined)?.Entries;
    expect(entries?.[0]?.EventBusName).toBe(`arn:aws:local:local:000000000000:${logicalId(bus)}`);
    expect(propertiesOf(template, logicalId(rule)).EventBusName).toEqual({ Ref: logicalId(bus) });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'events:PutEvents',
            Resource: { 'Fn::GetAtt': [logicalId(bus), 'Arn'] },
          }),
        ]),
      },
    });
  });
});

describe('stepOverrides', () => {
  let overridden: ReturnType<typeof build>;
  let template: Template;
  beforeAll(() => {
    overridden = build(() => ({
      stepOverrides: {
        VerifyRestore: { memorySize: 2048, timeout: Duration.minutes(10) },
        CheckFreshness: { memorySize: 512 },
      },
    }));
    template = Template.fromStack(overridden.stack);
  });

  it("sets a function's memory and timeout, and the task waits for the new timeout", () => {
    const fn = propertiesOf(template, logicalId(overridden.scheduler.functions.VerifyRestore));
    expect({ memory: fn.MemorySize, timeout: fn.Timeout }).toEqual({ memory: 2048, timeout: 600 });
    const states = definitionFromTemplate(template.toJSON() as CfnTemplate).States;
    const map = Object.values(states).find((s) => s.ItemProcessor);
    expect(map?.ItemProcessor?.States.VerifyRestore?.TimeoutSeconds).toBe(630);
  });

  it('leaves the other functions at their step size, and sizes the freshness check too', () => {
    const flush = propertiesOf(template, logicalId(overridden.scheduler.functions.Flush));
    expect({ memory: flush.MemorySize, timeout: flush.Timeout }).toEqual({ memory: 512, timeout: 60 });
    const check = overridden.scheduler.freshnessCheck;
    expect(check && propertiesOf(template, logicalId(check)).MemorySize).toBe(512);
  });

  it.each([
    [
      { Flush: { memorySize: 64 } },
      'stepOverrides.Flush.memorySize must be a whole number of MB from 128 to 10240, got 64',
    ],
    [
      { Flush: { timeout: Duration.seconds(20) } },
      'stepOverrides.Flush.timeout must be at least 60 seconds for a function that talks to Milvus (2 × milvus.timeoutMs + 30 s), got 20 seconds',
    ],
    [
      { BuildReport: { timeout: Duration.minutes(16) } },
      'stepOverrides.BuildReport.timeout must be whole seconds from 1 second to 15 minutes, got 16 minutes',
    ],
    [{ Flsh: { memorySize: 256 } }, 'stepOverrides must name functions of the workflow (PrepareRun, Flush,'],
  ])('refuses %j', (stepOverrides, message) => {
    expect(() =>
      build(() => ({ stepOverrides: stepOverrides as MilvusSnapshotSchedulerProps['stepOverrides'] })),
    ).toThrow(message);
  });
});
