import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { clusterIdentity } from '../functions/shared/contracts/deployment';
import { type DeploymentConfig, runtimeConfigOf } from './config/deployment-config';
import { MilvusSnapshotScheduler } from './milvus-snapshot-scheduler';

/** Properties of {@link MilvusSnapshotSchedulerStack}. */
export interface MilvusSnapshotSchedulerStackProps extends StackProps {
  /** The validated deployment configuration (see `loadDeploymentConfig`). */
  readonly config: DeploymentConfig;
}

/** The configuration's `functionRuntime`, as a Lambda runtime. */
const FUNCTION_RUNTIME_OF: Record<DeploymentConfig['functionRuntime'], lambda.Runtime> = {
  'nodejs22.x': lambda.Runtime.NODEJS_22_X,
  'nodejs24.x': lambda.Runtime.NODEJS_24_X,
};

/** A secret's ARN ends with `-` and six random characters only when it is complete. */
const COMPLETE_SECRET_ARN = /:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The deployable stack: turns the configuration's ids and ARNs into imported resources (without
 * lookups, so synth needs no AWS account) and composes one {@link MilvusSnapshotScheduler}.
 */
export class MilvusSnapshotSchedulerStack extends Stack {
  public readonly scheduler: MilvusSnapshotScheduler;

  public constructor(scope: Construct, id: string, props: MilvusSnapshotSchedulerStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.scheduler = new MilvusSnapshotScheduler(this, 'Scheduler', {
      runtimeConfig: runtimeConfigOf(config),
      milvus: { address: config.milvus.address, tls: config.milvus.tls, timeoutMs: config.milvus.timeoutMs },
      ...(config.deploymentId && { deploymentId: config.deploymentId }),
      ...(config.milvus.clusterId && { milvusClusterId: config.milvus.clusterId }),
      milvusTokenSecret: this.tokenSecret(config.milvus.tokenSecret),
      ...this.network(config.network),
      reportTopic: config.notifications.topicArn
        ? sns.Topic.fromTopicArn(this, 'ReportTopic', config.notifications.topicArn)
        : undefined,
      reportEmails: config.notifications.emails,
      failureReportEmails: config.notifications.failureEmails,
      alarmTopic: config.alarms.topicArn
        ? sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarms.topicArn)
        : undefined,
      alarmEmails: config.alarms.emails,
      reportRetention: Duration.days(config.reports.retentionDays),
      mapConcurrency: config.mapConcurrency,
      logLevel: config.logLevel,
      // The configuration only accepts the retention periods CloudWatch Logs has, which are the enum's values.
      logRetention: config.logRetentionDays as logs.RetentionDays,
      runTimeout: Duration.minutes(config.runTimeoutMinutes),
      perCollectionMetrics: config.perCollectionMetrics,
      runtime: FUNCTION_RUNTIME_OF[config.functionRuntime],
    });

    const { scheduler } = this;
    const outputs: Record<string, [string, string]> = {
      StateMachineArn: [scheduler.stateMachine.stateMachineArn, 'Start runs here (console, CLI `start`)'],
      ReportsBucketName: [scheduler.reportsBucket.bucketName, 'Run reports under reports/<yyyy>/<mm>/<dd>/'],
      ReportTopicArn: [scheduler.reportTopic.topicArn, 'Run reports are published here'],
      AlarmTopicArn: [scheduler.alarmTopic.topicArn, 'Alarms are sent here'],
      MilvusTokenSecretArn: [scheduler.milvusTokenSecret.secretArn, 'Put the Milvus token here'],
      ScheduleGroupName: [
        scheduler.schedules.group.scheduleGroupName,
        'The schedules (CLI `schedules list`)',
      ],
      DeadLetterQueueUrl: [
        scheduler.schedules.deadLetterQueue.queueUrl,
        'Runs the schedules could not start',
      ],
      DashboardName: [scheduler.monitoring.dashboard.dashboardName, 'CloudWatch dashboard'],
      // What the CLI needs to read the deployment's records and its Milvus (`snapshots list`).
      DeploymentId: [scheduler.deploymentId, "The deployment's id: its records in the bucket are under it"],
      MilvusAddress: [config.milvus.address, 'The Milvus the functions back up'],
      MilvusTls: [String(config.milvus.tls), 'Whether the functions reach Milvus over TLS'],
      MilvusClusterKey: [
        clusterIdentity(config.milvus.address, config.milvus.clusterId).key,
        "The Milvus cluster's key in the records (milvus.clusterId, or derived from the address)",
      ],
    };
    if (scheduler.milvusClientSecurityGroup) {
      outputs.MilvusClientSecurityGroupId = [
        scheduler.milvusClientSecurityGroup.securityGroupId,
        "Allow this security group in Milvus' inbound rules",
      ];
    }
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }

  private tokenSecret(reference: string | undefined): secretsmanager.ISecret | undefined {
    if (!reference) return undefined;
    if (!reference.startsWith('arn:'))
      return secretsmanager.Secret.fromSecretNameV2(this, 'MilvusToken', reference);
    return COMPLETE_SECRET_ARN.test(reference)
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'MilvusToken', reference)
      : secretsmanager.Secret.fromSecretPartialArn(this, 'MilvusToken', reference);
  }

  private network(network: DeploymentConfig['network']): {
    vpc?: ec2.IVpc;
    vpcSubnets?: ec2.SubnetSelection;
    securityGroups?: ec2.ISecurityGroup[];
    s3GatewayEndpoint?: { routeTableIds: string[] };
  } {
    if (!network) return {};
    return {
      // Imported from ids alone (no lookup, so synth needs no account): the functions only use the
      // subnets and security groups given here; the zones are the stack's (tokens), never looked up.
      vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: network.vpcId,
        availabilityZones: this.availabilityZones,
      }),
      vpcSubnets: {
        subnets: network.subnetIds.map((id) => ec2.Subnet.fromSubnetId(this, `Subnet-${id}`, id)),
      },
      securityGroups: network.securityGroupIds?.map((id) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id, { mutable: false }),
      ),
      ...(network.s3GatewayEndpointRouteTableIds && {
        s3GatewayEndpoint: { routeTableIds: network.s3GatewayEndpointRouteTableIds },
      }),
    };
  }
}
