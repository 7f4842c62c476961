import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../lib/config/deployment-config';
import { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';
import { everyOptionConfig, exampleConfig } from './fixtures';

/** One finding of the CDK's built-in CloudFormation validation, as `cdk synth` would print it. */
interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly paths: readonly string[];
}

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly violations: readonly {
      readonly ruleName: string;
      readonly severity: string;
      readonly description: string;
      readonly violatingConstructs: readonly { readonly constructPath?: string }[];
    }[];
  }[];
}

/**
 * Synthesizes the app with the CDK's CloudFormation validation on and strict (its findings are
 * errors, as `@aws-cdk/core:validateAgainstDefaultRules` makes them; by default they would only be
 * warnings), and returns every finding of the report it writes into the cloud assembly.
 */
function validate(build: (app: App) => void): Finding[] {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      // Report, rather than set the process's exit code: the report is what is checked.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  });
  build(app);
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({
      rule: v.ruleName,
      severity: v.severity,
      description: v.description,
      paths: v.violatingConstructs.map((c) => c.constructPath ?? '?'),
    })),
  );
}

function stackOf(config: DeploymentConfig): (app: App) => void {
  return (app) => {
    new MilvusSnapshotSchedulerStack(app, 'MilvusSnapshotScheduler', { config });
  };
}

// The rest of the suite synthesizes without this validation (CDK_VALIDATION=false in
// vitest.config.ts: it costs seconds of CPU per synthesis); this file is where it runs.
beforeAll(() => {
  delete process.env.CDK_VALIDATION;
});

describe("the CDK's built-in CloudFormation validation", () => {
  it('finds nothing in the stack of the example configuration', () => {
    expect(validate(stackOf(exampleConfig()))).toEqual([]);
  });

  it('finds nothing in the stack that sets every option (VPC, existing secret and topics, alarms)', () => {
    expect(validate(stackOf(everyOptionConfig()))).toEqual([]);
  });

  it('is live here: it reports a resource CloudFormation would reject', () => {
    const findings = validate((app) => {
      const stack = new Stack(app, 'Broken');
      new CfnResource(stack, 'Queue', {
        type: 'AWS::SQS::Queue',
        properties: { VisibilityTimeout: 'a minute', Colour: 'blue' },
      });
    });
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', paths: ['Broken/Queue'] }),
        expect.objectContaining({ description: expect.stringContaining("'Colour' was unexpected") }),
      ]),
    );
  });
});
