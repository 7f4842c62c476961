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
