import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { DeploymentConfig, DeploymentConfigInput } from '../../lib/config/deployment-config';
import { loadDeploymentConfig, parseDeploymentConfig } from '../../lib/config/load-config';
import { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The example configuration, as `cdk synth` on a fresh clone reads it. */
export function exampleConfig(): DeploymentConfig {
  return loadDeploymentConfig({ path: join(PROJECT_ROOT, 'examples', 'scheduler.config.json') }).config;
}

/** The example configuration as written, with some fields replaced. */
export function exampleWith(overrides: Partial<DeploymentConfigInput>): DeploymentConfig {
  return parseDeploymentConfig({ ...exampleConfig(), ...overrides });
}

/**
 * A configuration that sets every option of the README's Configuration section (the example's
 * collections, schedules and retention, and every deployment setting away from its default).
 */
export function everyOptionConfig(): DeploymentConfig {
  return parseDeploymentConfig(everyOptionInput());
}

/** {@link everyOptionConfig} as written in the file. */
export function everyOptionInput(): DeploymentConfigInput {
  const example = exampleConfig();
  return {
    ...example,
    deploymentId: 'production-eu',
    milvus: {
      address: 'https://in01-0123456789abcdef.zillizcloud.com:19530',
      tls: true,
      timeoutMs: 30_000,
      tokenSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:milvus-token-AbCdEf',
      clusterId: 'zilliz-prod',
    },
    collections: example.collections.map((c, i) =>
      i === 0 ? { ...c, protect: ['baseline_20260101_000000'] } : c,
    ),
    schedules: {
      ...example.schedules,
      monthly: {
        cron: 'cron(0 4 1 * ? *)',
        timezone: 'Europe/Berlin',
        mode: 'backup',
        snapshotPrefix: 'monthly',
        collections: ['products'],
        enabled: false,
        description: 'Monthly snapshot, paused',
        freshnessMarginMinutes: 240,
      },
    },
    drill: {
      timeoutMinutes: 90,
      backoff: { initialSeconds: 10, factor: 1.5, maxSeconds: 300 },
      verification: 'deep',
      rowTolerancePercent: 0.5,
      sampleSize: 5,
      prefix: 'drl',
      keepDrillCollection: false,
      keepOnFailure: true,
      orphanMaxAgeHours: 48,
    },
    flush: { timeoutSeconds: 900, pollSeconds: 10 },
    manualSnapshotPrefix: 'byhand',
    network: {
      vpcId: 'vpc-0a1b2c3d',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-1a2b3c4d'],
      securityGroupIds: ['sg-0a1b2c3d'],
      s3GatewayEndpointRouteTableIds: ['rtb-0a1b2c3d', 'rtb-1a2b3c4d'],
    },
    notifications: {
      emails: ['backup-reports@example.com'],
      failureEmails: ['oncall@example.com'],
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:backups',
    },
    alarms: { emails: ['oncall@example.com'], topicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' },
    reports: { retentionDays: 730 },
    mapConcurrency: 25,
    logLevel: 'DEBUG',
    logRetentionDays: 180,
    runTimeoutMinutes: 360,
    perCollectionMetrics: false,
    functionRuntime: 'nodejs24.x',
  };
}

/** An app that does not bundle (fast); `bundle: true` runs esbuild like `cdk synth` does. */
export function testApp(options: { bundle?: boolean; outdir?: string } = {}): App {
  return new App({
    ...(options.outdir && { outdir: options.outdir }),
    // Asset metadata (as the CLI asks for it) tells where each bundled function landed.
    context: options.bundle ? { 'aws:cdk:enable-asset-metadata': true } : { 'aws:cdk:bundling-stacks': [] },
  });
}

/** The deployable stack, synthesized without bundling. */
export function synthStack(config: DeploymentConfig = exampleConfig()): {
  stack: MilvusSnapshotSchedulerStack;
  template: Template;
} {
  const stack = new MilvusSnapshotSchedulerStack(testApp(), 'MilvusSnapshotScheduler', { config });
  return { stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(resource).getLogicalId(resource);
}

/** A resource's properties from a synthesized template. */
export function propertiesOf(template: Template, id: string): Record<string, unknown> {
  const resource = (
    template.toJSON() as { Resources: Record<string, { Properties?: Record<string, unknown> }> }
  ).Resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource.Properties ?? {};
}
