import type { Template } from 'aws-cdk-lib/assertions';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MilvusSnapshotSchedulerStack } from '../../../lib/milvus-snapshot-scheduler-stack';
import { exampleConfig, logicalId, propertiesOf, testApp } from '../fixtures';

const NAMESPACE = 'MilvusSnapshotScheduler';

/** A CloudFormation value as text: references become `<Logical.Id>`, joins are joined. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const v = value as Record<string, unknown>;
  if ('Ref' in v) return `<${String(v.Ref)}>`;
  if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Every custom metric an alarm or the dashboard reads, with its dimensions. */
function watchedMetrics(template: Template): { metric: string; dimensions: Record<string, string> }[] {
  const { Resources } = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const found: { metric: string; dimensions: Record<string, string> }[] = [];
  for (const r of Object.values(Resources)) {
    if (r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === NAMESPACE) {
      const dims = r.Properties.Dimensions as { Name: string; Value: unknown }[];
      found.push({
        metric: String(r.Properties.MetricName),
        dimensions: Object.fromEntries(dims.map((d) => [d.Name, render(d.Value)])),
      });
    }
    if (r.Type === 'AWS::CloudWatch::Dashboard') {
      const body = JSON.parse(render(r.Properties.DashboardBody)) as {
        widgets: { properties: { metrics?: unknown[][] } }[];
      };
      for (const line of body.widgets.flatMap((w) => w.properties.metrics ?? [])) {
        const parts = line.filter((p): p is string => typeof p === 'string');
        if (parts[0] !== NAMESPACE) continue;
        const dimensions: Record<string, string> = {};
        for (let i = 2; i + 1 < parts.length; i += 2) dimensions[parts[i] as string] = parts[i + 1] as string;
        found.push({ metric: parts[1] as string, dimensions });
      }
    }
  }
  return found;
}

function deployed(stackName: string) {
  const stack = new MilvusSnapshotSchedulerStack(testApp(), stackName, { config: exampleConfig() });
  const template = CdkTemplate.fromStack(stack);
  const environment = propertiesOf(template, logicalId(stack.scheduler.functions.BuildReport))
    .Environment as {
    Variables: Record<string, unknown>;
  };
  return { template, deploymentId: render(environment.Variables.DEPLOYMENT_ID) };
}

let production: ReturnType<typeof deployed>;
let staging: ReturnType<typeof deployed>;

// Two stacks to synthesize: more than the default hook timeout on a busy machine.
beforeAll(() => {
  production = deployed('Production');
  staging = deployed('Staging');
}, 120_000);

describe('two stacks in one account', () => {
  it('are two deployments: <stack name>.<region>', () => {
    expect(production.deploymentId).toBe('Production.<AWS::Region>');
    expect(staging.deploymentId).toBe('Staging.<AWS::Region>');
  });

  it.each([
    ['production', () => production],
    ['staging', () => staging],
  ])("%s's alarms and dashboard read only its own custom metrics", (_name, which) => {
    const { template, deploymentId } = which();
    const metrics = watchedMetrics(template);
    expect(metrics.length).toBeGreaterThan(0);
    for (const { metric, dimensions } of metrics) {
      expect({ metric, deployment: dimensions.Deployment }).toEqual({ metric, deployment: deploymentId });
    }
  });

  it('watch no metric in common', () => {
    const keys = (t: Template) => new Set(watchedMetrics(t).map((m) => JSON.stringify(m)));
    const shared = [...keys(production.template)].filter((k) => keys(staging.template).has(k));
    expect(shared).toEqual([]);
  });
});
