import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asl from 'amazon-states-language-service';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';
import { type CfnTemplate, definitionFromTemplate } from '../../lib/state-machine/synthesized-definition';
import {
  everyOptionConfig,
  everyOptionInput,
  exampleConfig,
  PROJECT_ROOT,
  synthStack,
  testApp,
} from './fixtures';

/** The field paths of the README's Configuration table, as written there (`schedules.<name>.cron`). */
function configurationFields(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Configuration\n'),
    readme.indexOf('\n## Default settings\n'),
  );
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
}

/** Whether a field path (`<name>` any key, `[]` any element) is set in a configuration as written. */
function isSet(value: unknown, path: string[]): boolean {
  if (path.length === 0) return value !== undefined;
  const [head, ...rest] = path as [string, ...string[]];
  if (value === null || typeof value !== 'object') return false;
  if (head === '<name>') return Object.values(value).some((v) => isSet(v, rest));
  if (head.endsWith('[]')) {
    const list = (value as Record<string, unknown>)[head.slice(0, -2)];
    return Array.isArray(list) && list.some((v) => isSet(v, rest));
  }
  return isSet((value as Record<string, unknown>)[head], rest);
}

/** The definition as Step Functions reads it, checked by AWS's own ASL language service. */
async function aslDiagnostics(template: Template): Promise<string[]> {
  const definition = definitionFromTemplate(template.toJSON() as CfnTemplate);
  const service = asl.getLanguageService({});
  const document = asl.TextDocument.create('run.asl.json', 'json', 0, JSON.stringify(definition, null, 2));
  const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
  return diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`);
}

function nagFindings(stack: Stack): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(stack).violations.flatMap((v) => v.violatingResources.map(() => v.ruleName)),
  );
}

let stack: MilvusSnapshotSchedulerStack;
let template: Template;

beforeAll(() => {
  stack = new MilvusSnapshotSchedulerStack(testApp(), 'EveryOption', { config: everyOptionConfig() });
  template = Template.fromStack(stack);
}, 120_000);

describe('a configuration that sets every option of the README', () => {
  it('sets every field the Configuration section lists', () => {
    const fields = configurationFields();
    expect(fields.length).toBeGreaterThan(30);
    const notSet = fields.filter(
      (field) => !isSet(everyOptionInput(), field.replace(/\[\]\./g, '[].').split('.')),
    );
    expect(notSet).toEqual([]);
  });

  it('synthesizes, with each option in effect', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      RouteTableIds: ['rtb-0a1b2c3d', 'rtb-1a2b3c4d'],
    });
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { DEPLOYMENT_ID: 'production-eu', POWERTOOLS_LOG_LEVEL: 'DEBUG' } },
    });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    // The paused monthly schedule is deployed, and watched by no freshness alarm.
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'monthly', State: 'DISABLED' });
    expect(Object.keys(stack.scheduler.monitoring.freshness)).toEqual(['hourly', 'nightly', 'weekly']);
  });

  it('is clean under cdk-nag', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('synthesizes through bin/app.ts, as `npx cdk synth -c config=…` runs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'every-option-'));
    writeFileSync(join(dir, 'every.json'), JSON.stringify(everyOptionInput()));
    const result = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        SNAPSHOT_SCHEDULER_CONFIG: '',
        CDK_OUTDIR: dir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], config: join(dir, 'every.json') }),
      },
    });
    expect(result.stderr).not.toContain('Error');
    expect(result.status).toBe(0);
  }, 120_000);
});

describe("AWS's ASL language service", () => {
  it('finds nothing wrong with the definition of the example deployment', async () => {
    expect(await aslDiagnostics(synthStack(exampleConfig()).template)).toEqual([]);
  });

  it('finds nothing wrong with the definition of the every-option deployment', async () => {
    expect(await aslDiagnostics(template)).toEqual([]);
  });

  it('reports a broken definition (the validator is live)', async () => {
    const service = asl.getLanguageService({});
    const broken = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } });
    const document = asl.TextDocument.create('broken.asl.json', 'json', 0, broken);
    const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
    expect(diagnostics.map((d) => d.message)).toContain(
      'The value of "Next" property must be the name of an existing state.',
    );
  });
});
