import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { MilvusSnapshotSchedulerStack } from '../../lib/milvus-snapshot-scheduler-stack';
import { exampleWith, synthStack, testApp } from './fixtures';

/** Every finding of the AwsSolutions and Serverless packs that no acknowledgement (with a reason) covers. */
function findings(stack: Stack): string[] {
  Template.fromStack(stack);
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) =>
        v.violatingResources.map(
          (r) => `${v.ruleName} on ${(r as { constructPath?: string }).constructPath ?? r.resourceLogicalId}`,
        ),
      ),
  );
}

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the example deployment', () => {
    expect(findings(synthStack().stack)).toEqual([]);
  });

  it('finds nothing unacknowledged with a VPC, an existing secret and existing topics', () => {
    const config = exampleWith({
      milvus: {
        address: 'milvus.internal:19530',
        tokenSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:milvus-token-AbCdEf',
      },
      network: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0a1b2c3d', 'subnet-1a2b3c4d'] },
      notifications: {
        emails: [],
        failureEmails: [],
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:backups',
      },
      alarms: { emails: ['oncall@example.com'], topicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' },
    });
    const stack = new MilvusSnapshotSchedulerStack(testApp(), 'Vpc', { config });
    expect(findings(stack)).toEqual([]);
  });

  it('would report a finding nobody acknowledged (the check is live)', () => {
    const stack = new MilvusSnapshotSchedulerStack(testApp(), 'Live', { config: exampleWith({}) });
    // A bucket without TLS enforcement or logging that no one reviewed.
    new Bucket(stack, 'Unreviewed');
    expect(findings(stack)).toEqual([
      'AwsSolutions-S1 on Live/Unreviewed/Resource',
      'AwsSolutions-S10 on Live/Unreviewed/Resource',
    ]);
  });
});
