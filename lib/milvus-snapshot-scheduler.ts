import {
  Annotations,
  ArnFormat,
  Aws,
  CfnElement,
  Duration,
  Fn,
  Names,
  RemovalPolicy,
  SecretValue,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { z } from 'zod';
import { RunMetric } from '../functions/build-report/run-metrics';
import { clusterIdSchema, deploymentIdSchema } from '../functions/shared/contracts/deployment';
import type { RunReport } from '../functions/shared/contracts/run-report';
import type { RuntimeConfig } from '../functions/shared/contracts/runtime-config';
import { emitsCollectionMetrics } from '../functions/shared/lambda/metric-names';
import { PLACEHOLDER_TOKEN } from '../functions/shared/lambda/token-placeholder';
import {
  type MilvusConnection,
  type MilvusConnectionInput,
  milvusConnectionSchema,
} from '../functions/shared/milvus/milvus-connection-settings';
import { MAP_RESULTS_PREFIX, RUN_ITEMS_PATTERN } from '../functions/shared/reports/map-keys';
import {
  deployableRuntimeConfigSchema,
  LOG_LEVELS,
  type RuntimeConfigInput,
  scheduleFreshness,
} from './config/deployment-config';
import { configIssues } from './config/load-config';
import { RunMetrics } from './monitoring/run-metrics';
import { RunMonitoring } from './monitoring/run-monitoring';
import { RunSchedules } from './schedules/run-schedules';
import { buildRunDefinition, MAP_LABEL, RUN_EVENT } from './state-machine/run-definition';
import {
  FRESHNESS_CHECK,
  FRESHNESS_CHECK_MINUTES,
  forEachStep,
  type ReportsAccess,
  STEP_CATALOG,
  STEP_NAMES,
  type StepDefinition,
  type StepName,
  stepTimeoutSeconds,
} from './step-catalog';
import {
  DEFAULT_FUNCTION_RUNTIME,
  type FunctionNetwork,
  MIN_NODE_MAJOR,
  nodeMajorOf,
  WorkflowFunction,
} from './workflow-function';

/** A Powertools log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How a run ended, as its report and its EventBridge event say. */
export type RunStatus = RunReport['status'];

/** A function of the construct: a workflow step, or the freshness check (`CheckFreshness`). */
export type FunctionName = StepName | typeof FRESHNESS_CHECK.state;

/** The memory and timeout of one function, set with {@link MilvusSnapshotSchedulerProps.stepOverrides}. */
export interface StepOverride {
  /**
   * Memory in MB, 128 to 10,240 (Lambda gives CPU in proportion).
   *
   * @default the step's size: see the README's "Default settings"
   */
  readonly memorySize?: number;

  /**
   * The function's timeout, 1 second to 15 minutes, in whole seconds. The state machine waits 30
   * seconds longer for it. A function that talks to Milvus needs at least two Milvus calls' worth
   * of time (2 × `milvus.timeoutMs` + 30 s), so that a slow Milvus fails as a typed, retried error.
   *
   * @default the step's timeout: see the README's "Default settings"
   */
  readonly timeout?: Duration;
}

/** Options of {@link MilvusSnapshotScheduler.onRunCompleted}. */
export interface OnRunCompletedOptions extends events.OnEventOptions {
  /**
   * Only runs that ended so (`FAILED` includes a run whose report could not be built).
   *
   * @default every run, whatever its status
   */
  readonly status?: RunStatus;
}

/** Properties of {@link MilvusSnapshotScheduler}. */
export interface MilvusSnapshotSchedulerProps {
  /**
   * The run configuration — collections, schedules, retention policies, drill and flush settings —
   * as written (defaults are applied). It is validated here and embedded in the state machine
   * definition, so every run sees exactly what was deployed.
   */
  readonly runtimeConfig: RuntimeConfigInput;

  /** How the functions reach Milvus: address, TLS, per-call timeout. */
  readonly milvus: MilvusConnectionInput;

  /**
   * A stable name of this deployment. It is written into every snapshot's ownership marker and
   * keys this deployment's ledger (what it created), drill records, metrics and reports, so two
   * deployments on one Milvus never touch or count each other's snapshots. Changing it later makes
   * the deployment a stranger to what it created before (nothing is dropped: see the README's
   * upgrade notes).
   *
   * @default `<stack name>.<region>`
   */
  readonly deploymentId?: string;

  /**
   * A stable id of the Milvus cluster, for when its address is not stable (a DNS name that moves
   * between clusters, say). Records (ledger, drill results) are kept per cluster.
   *
   * @default derived from `milvus.address`
   */
  readonly milvusClusterId?: string;

  /**
   * The secret holding the Milvus token (`user:password` or an API key, or JSON `{"token": "..."}`).
   * Only the functions that talk to Milvus may read it.
   *
   * @default a new secret holding a placeholder; set the real token after the first deployment
   *   with `aws secretsmanager put-secret-value`
   */
  readonly milvusTokenSecret?: secretsmanager.ISecret;

  /**
   * The VPC the functions that talk to Milvus run in. The other functions stay outside it.
   *
   * @default not in a VPC (Milvus is reachable over the internet, e.g. Zilliz Cloud)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets for those functions. They need routes to Milvus, to Secrets Manager (the token) and
   * to S3 (the reports bucket: drill records, the ledger): a NAT gateway, or VPC endpoints (see
   * `s3GatewayEndpoint`).
   *
   * @default the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Adds an S3 gateway endpoint (free of charge) to the VPC, so the functions in it reach the
   * reports bucket without a NAT gateway: to the given route tables, or to those of `vpcSubnets`
   * when the subnets know theirs (subnets imported by id alone do not: give `routeTableIds`).
   *
   * @default no endpoint: the subnets must reach S3 already (a NAT gateway, or an S3 endpoint of the VPC)
   */
  readonly s3GatewayEndpoint?: { readonly routeTableIds?: readonly string[] };

  /**
   * Security groups for those functions.
   *
   * @default one new security group (all outbound allowed), exposed as `milvusClientSecurityGroup`
   *   so Milvus' security group can let it in
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];

  /**
   * Where run reports are published.
   *
   * @default a new topic encrypted with `encryptionKey`
   */
  readonly reportTopic?: sns.ITopic;

  /**
   * E-mail addresses subscribed to every run report.
   *
   * @default none
   */
  readonly reportEmails?: readonly string[];

  /**
   * E-mail addresses subscribed to reports of failed runs only (a filter on the `status` attribute).
   *
   * @default none
   */
  readonly failureReportEmails?: readonly string[];

  /**
   * Where alarms are sent.
   *
   * @default a new topic encrypted with `encryptionKey`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * E-mail addresses subscribed to the alarm topic.
   *
   * @default none
   */
  readonly alarmEmails?: readonly string[];

  /**
   * Encrypts the topics and the schedules' dead-letter queue the construct creates.
   *
   * @default a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long run reports are kept in the reports bucket (per-collection intermediate results are
   * kept 30 days, or less when this is shorter).
   *
   * @default Duration.days(365)
   */
  readonly reportRetention?: Duration;

  /**
   * A bucket for the reports bucket's server access logs.
   *
   * @default no server access logs
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Collections processed at the same time (the Distributed Map's `MaxConcurrency`), 1 to 1,000.
   *
   * @default 10
   */
  readonly mapConcurrency?: number;

  /**
   * The functions' log level.
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;

  /**
   * How long the functions' and the state machine's logs are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A run still going after this long is stopped. At least one collection's worst case (flush
   * timeout + drill timeout + 15 minutes).
   *
   * @default Duration.hours(12)
   */
  readonly runTimeout?: Duration;

  /**
   * Emit the steps' metrics with a `Collection` dimension (one custom metric per collection and
   * metric). Turn off with thousands of collections to keep metric costs flat.
   *
   * @default true
   */
  readonly perCollectionMetrics?: boolean;

  /**
   * The Lambda runtime of every function: a Node.js runtime, 22 or newer. Lambda's standard
   * support of `nodejs22.x` ends on 2027-04-30; move to a newer one here before then.
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * Attempts EventBridge Scheduler makes to start a run before it goes to the dead-letter queue.
   *
   * @default 5
   */
  readonly scheduleRetryAttempts?: number;

  /**
   * How long EventBridge Scheduler keeps trying to start a run (1 minute to 24 hours).
   *
   * @default Duration.hours(1)
   */
  readonly scheduleMaxEventAge?: Duration;

  /**
   * The event bus every run's completion event is put on (and that {@link MilvusSnapshotScheduler.onRunCompleted}
   * rules listen to). The state machine may put events only on this bus.
   *
   * @default the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * The memory and timeout of individual functions, by step name (`Flush`, `VerifyRestore`, …,
   * and `CheckFreshness` for the freshness check). The state machine's task timeouts follow.
   *
   * @default every function keeps its step's size and timeout (the README's "Default settings")
   */
  readonly stepOverrides?: { readonly [step in FunctionName]?: StepOverride };
}

/** A task state waits this much longer than its function's timeout before giving up on it. */
const TASK_TIMEOUT_MARGIN = Duration.seconds(30);

/** The construct's defaults, in one place (the README's "Default settings" lists them). */
export const SCHEDULER_DEFAULTS = {
  reportRetention: Duration.days(365),
  intermediateResultRetention: Duration.days(30),
  noncurrentVersionRetention: Duration.days(30),
  mapConcurrency: 10,
  logLevel: 'INFO' as LogLevel,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  runTimeout: Duration.hours(12),
  perCollectionMetrics: true,
  scheduleRetryAttempts: 5,
  scheduleMaxEventAge: Duration.hours(1),
  runtime: DEFAULT_FUNCTION_RUNTIME,
} as const;

/**
 * Scheduled Milvus collection snapshots, retention and restore drills as a Step Functions
 * workflow: EventBridge Scheduler starts runs; a Distributed Map runs each collection in its own
 * child execution (flush → snapshot → retention → drill); the run report is stored in S3,
 * published to SNS and put on EventBridge (the default bus, or `eventBus`); alarms watch failed runs, schedules
 * that could not start a run, and schedules without a recent successful run.
 */
export class MilvusSnapshotScheduler extends Construct {
  /** The run configuration as embedded in the definition (validated, defaults applied). */
  public readonly runtimeConfig: RuntimeConfig;
  /** The deployment's id (see {@link MilvusSnapshotSchedulerProps.deploymentId}); a token until deploy by default. */
  public readonly deploymentId: string;
  /** The workflow: start runs here (see {@link MilvusSnapshotScheduler.grantStartRun}). */
  public readonly stateMachine: sfn.StateMachine;
  /** Collection results (`runs/`), run reports (`reports/`) and drill records (`drills/`). */
  public readonly reportsBucket: s3.Bucket;
  /** Where every run report is published (`reportTopic`, or the topic the construct created). */
  public readonly reportTopic: sns.ITopic;
  /** Where the alarms go (`alarmTopic`, or the topic the construct created). */
  public readonly alarmTopic: sns.ITopic;
  /** The secret the Milvus functions read the token from (`milvusTokenSecret`, or the one created with a placeholder). */
  public readonly milvusTokenSecret: secretsmanager.ISecret;
  /** The key the construct's topics and queue are encrypted with. */
  public readonly encryptionKey: kms.IKey;
  /** The workflow's functions, by step. */
  public readonly functions: Readonly<Record<StepName, lambda.IFunction>>;
  /** The security group of the Milvus functions when the construct created it. */
  public readonly milvusClientSecurityGroup?: ec2.SecurityGroup;
  /** The EventBridge Scheduler schedules that start runs, their group and dead-letter queue. */
  public readonly schedules: RunSchedules;
  /**
   * Publishes, every 15 minutes, the hours since each enabled schedule's newest successful run
   * (the freshness alarms read it); absent when no enabled schedule has a regular interval.
   */
  public readonly freshnessCheck?: lambda.IFunction;
  /** The alarms and the dashboard. */
  public readonly monitoring: RunMonitoring;
  /** The bus the run-completed events go to; `undefined` for the account's default bus. */
  public readonly eventBus?: events.IEventBus;
  private readonly metrics: RunMetrics;

  public constructor(scope: Construct, id: string, props: MilvusSnapshotSchedulerProps) {
    super(scope, id);
    const settings = validateProps(props);
    this.runtimeConfig = settings.runtimeConfig;
    const stack = Stack.of(this);
    this.deploymentId = props.deploymentId ?? `${stack.stackName}.${stack.region}`;
    this.eventBus = props.eventBus;

    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'EncryptionKey', {
        description: 'Encrypts the Milvus snapshot workflow topics and dead-letter queue',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.milvusTokenSecret = props.milvusTokenSecret ?? this.createTokenSecret();
    this.reportsBucket = this.createReportsBucket(props, settings.reportRetention);
    this.reportTopic = props.reportTopic ?? this.createTopic('ReportTopic', 'Milvus snapshot run reports');
    this.alarmTopic = props.alarmTopic ?? this.createTopic('AlarmTopic', 'Milvus snapshot workflow alarms');
    this.letCloudWatchPublishAlarms(!props.alarmTopic);
    const emailSubscriptions: sns.Subscription[] = [];
    for (const email of props.reportEmails ?? []) {
      emailSubscriptions.push(this.reportTopic.addSubscription(new subscriptions.EmailSubscription(email)));
    }
    for (const email of props.failureReportEmails ?? []) {
      const subscription = this.reportTopic.addSubscription(
        new subscriptions.EmailSubscription(email, {
          filterPolicy: { status: sns.SubscriptionFilter.stringFilter({ allowlist: ['FAILED'] }) },
        }),
      );
      emailSubscriptions.push(subscription);
    }
    for (const email of props.alarmEmails ?? []) {
      emailSubscriptions.push(this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email)));
    }
    for (const subscription of emailSubscriptions) {
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'an e-mail endpoint: SNS retries delivery itself, and every run report stays in the reports bucket, so a dead-letter queue would only duplicate it',
      });
    }

    const { network, createdGroup } = this.network(props);
    this.milvusClientSecurityGroup = createdGroup;
    const functions = this.createFunctions(settings, network);
    this.functions = forEachStep((name) => functions[name].function);

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      // Under /aws/vendedlogs/ (so CloudWatch Logs does not add a resource policy per log group),
      // and unique to this stack instance: the group outlives `cdk destroy` (Retain), so a name
      // without the stack's id would make the next deploy of the same stack fail ("already exists").
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 150 })}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`,
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Milvus collection snapshots: flush, snapshot, retention, restore drill, report',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        // States are constructs too: their own scope keeps their names apart from the functions' ids.
        buildRunDefinition(new Construct(this, 'Definition'), {
          functions: this.functions,
          talksToMilvus: forEachStep((name) => STEP_CATALOG[name].milvus),
          taskTimeouts: forEachStep((name) => functions[name].timeout.plus(TASK_TIMEOUT_MARGIN)),
          runtimeConfig: settings.runtimeConfig,
          deployment: {
            id: this.deploymentId,
            runTimeoutMinutes: settings.runTimeout.toMinutes({ integral: false }),
          },
          reportTopic: this.reportTopic,
          mapConcurrency: settings.mapConcurrency,
          reportsBucket: this.reportsBucket,
          eventBus: props.eventBus,
        }),
      ),
      timeout: settings.runTimeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });
    if (!props.reportTopic) {
      // Publishing to a KMS-encrypted topic needs the key.
      this.encryptionKey.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');
    }
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-SF1',
        reason:
          'logs ERROR events without execution data on purpose: inputs carry the whole run context, and every run report is stored in S3',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray and CloudWatch Logs vended delivery actions do not support resource-level permissions',
      },
      ...this.mapRunAcknowledgements(),
      {
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.reportsBucket)}.Arn>/${RUN_ITEMS_PATTERN}]`,
        reason: "the Distributed Map's ItemReader reads each run's collection list, and only those lists",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.reportsBucket)}.Arn>/${MAP_RESULTS_PREFIX}/*]`,
        reason: "the Distributed Map's ResultWriter writes each Map Run's results under this prefix only",
      },
      ...STEP_NAMES.map((name) => ({
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.functions[name])}.Arn>:*]`,
        reason: `invoking ${name} includes its versions and aliases (ARN:*); the role may invoke only this workflow's functions`,
      })),
    );

    this.schedules = new RunSchedules(this, 'Schedules', {
      stateMachine: this.stateMachine,
      schedules: settings.runtimeConfig.schedules,
      encryptionKey: this.encryptionKey,
      retryAttempts: settings.scheduleRetryAttempts,
      maxEventAge: settings.scheduleMaxEventAge,
    });
    this.freshnessCheck = this.createFreshnessCheck(settings);
    this.metrics = new RunMetrics(
      this.stateMachine,
      this.deploymentId,
      Object.keys(settings.runtimeConfig.schedules),
    );
    this.monitoring = new RunMonitoring(this, 'Monitoring', {
      metrics: this.metrics,
      alarmTopic: this.alarmTopic,
      deadLetterQueue: this.schedules.deadLetterQueue,
      schedules: settings.runtimeConfig.schedules,
      functions: this.functions,
      freshnessCheck: this.freshnessCheck,
      unprotectedCollectionsAlarm: settings.runtimeConfig.coverage.alarm,
    });
  }

  /**
   * Lets a principal start runs (`states:StartExecution` on the state machine), with any input
   * the README's "Start a run by hand" lists.
   */
  public grantStartRun(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets a principal read the run reports (`reports/` in the reports bucket; the bucket is
   * encrypted with an S3-managed key, so no KMS permission is needed).
   */
  public grantReadReports(grantee: iam.IGrantable): iam.Grant {
    return this.reportsBucket.grantRead(grantee, 'reports/*');
  }

  /**
   * An EventBridge rule on this deployment's run-completed events (on {@link MilvusSnapshotScheduler.eventBus}), whose
   * `detail` is the run report (`schemas/run-report.schema.json`).
   */
  public onRunCompleted(id: string, options: OnRunCompletedOptions = {}): events.Rule {
    const { status } = options;
    if (status !== undefined && status !== 'SUCCEEDED' && status !== 'FAILED') {
      throw new Error(`status must be SUCCEEDED or FAILED, got ${JSON.stringify(status)}`);
    }
    const rule = new events.Rule(this, id, {
      description: options.description ?? `Milvus snapshot runs of ${this.node.path} that completed`,
      ruleName: options.ruleName,
      eventPattern: options.eventPattern,
      eventBus: this.eventBus,
      crossStackScope: options.crossStackScope,
      targets: options.target ? [options.target] : [],
    });
    rule.addEventPattern({
      source: [RUN_EVENT.source],
      detailType: [RUN_EVENT.detailType],
      // The bus may carry other deployments' runs (a staging stack in the same account).
      detail: { deployment: { id: [this.deploymentId] }, ...(status && { status: [status] }) },
    });
    return rule;
  }

  /** Runs started: the state machine's `ExecutionsStarted`, Sum over 5 minutes by default. */
  public metricRunsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runsStarted(props);
  }

  /** Runs that succeeded: `ExecutionsSucceeded`, Sum over 5 minutes by default. */
  public metricRunsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runsSucceeded(props);
  }

  /**
   * Runs that failed (a collection failed, or the run itself broke): `ExecutionsFailed`, Sum over 5
   * minutes by default. The construct's `ExecutionsFailed` alarm watches it.
   */
  public metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runsFailed(props);
  }

  /** Runs stopped by the run timeout: `ExecutionsTimedOut`, Sum over 5 minutes by default. */
  public metricRunsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runsTimedOut(props);
  }

  /** Runs stopped before they finished: `ExecutionsAborted`, Sum over 5 minutes by default. */
  public metricRunsAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runsAborted(props);
  }

  /** How long runs take: `ExecutionTime` in milliseconds, Average over 5 minutes by default. */
  public metricRunTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runTime(props);
  }

  /** Snapshots the runs created (BuildReport's `SnapshotsCreated`), Sum over 5 minutes by default. */
  public metricSnapshotsCreated(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.SnapshotsCreated, props);
  }

  /** Snapshots retention dropped (`SnapshotsDropped`), Sum over 5 minutes by default. */
  public metricSnapshotsDropped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.SnapshotsDropped, props);
  }

  /** Restore drills whose collection was verified (`DrillsVerified`), Sum over 5 minutes by default. */
  public metricDrillsVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.DrillsVerified, props);
  }

  /** Restore drills that failed (`DrillsFailed`), Sum over 5 minutes by default. */
  public metricDrillsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.DrillsFailed, props);
  }

  /** Collections that succeeded in the runs (`CollectionsSucceeded`), Sum over 5 minutes by default. */
  public metricCollectionsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.CollectionsSucceeded, props);
  }

  /** Collections that failed in the runs (`CollectionsFailed`), Sum over 5 minutes by default. */
  public metricCollectionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.CollectionsFailed, props);
  }

  /** Collections the runs skipped (`CollectionsSkipped`), Sum over 5 minutes by default. */
  public metricCollectionsSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.CollectionsSkipped, props);
  }

  /**
   * Collections in the databases a run looked at that no entry of `collections` and no selector
   * covers (BuildReport's `UnprotectedCollections`, the report's `coverage.counts.unprotected`; one
   * value per run), Sum over 5 minutes by default. The coverage alarm (`coverage.alarm`) watches
   * its Maximum over a day.
   */
  public metricUnprotectedCollections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.runCount(RunMetric.UnprotectedCollections, props);
  }

  /**
   * Hours since a schedule's newest successful, non-dry run (`HoursSinceLastSuccess`, published
   * by the freshness check every 15 minutes), Maximum over 15 minutes by default. The schedule's
   * freshness alarm watches it. Throws for a schedule the configuration does not have.
   */
  public metricHoursSinceLastSuccess(schedule: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.hoursSinceLastSuccess(schedule, props);
  }

  /**
   * Successful, non-dry runs of a schedule (BuildReport's `SuccessfulRuns`), Sum over 5 minutes by
   * default. Throws for a schedule the configuration does not have.
   */
  public metricSuccessfulRuns(schedule: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.successfulRuns(schedule, props);
  }

  /** The Distributed Map starts, describes and stops this state machine's own child executions. */
  private mapRunAcknowledgements(): { id: string; reason: string }[] {
    const name = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.logicalIdOf(this.stateMachine)}"}]}]}`;
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}`;
    const reason =
      "the Distributed Map describes and stops its child executions, which are this state machine's own executions";
    return [
      { id: `AwsSolutions-IAM5[Resource::${executions}:*]`, reason },
      { id: `AwsSolutions-IAM5[Resource::${executions}/${MAP_LABEL}:*]`, reason },
    ];
  }

  private logicalIdOf(construct: Construct): string {
    const resource = construct.node.defaultChild;
    if (!(resource instanceof CfnElement))
      throw new Error(`${construct.node.path} has no CloudFormation resource`);
    return Stack.of(this).getLogicalId(resource);
  }

  private createTokenSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'MilvusToken', {
      description:
        'Milvus token of the snapshot workflow. Holds a placeholder until set with: aws secretsmanager put-secret-value --secret-id <this secret> --secret-string <token>',
      // Not a secret: a marker the functions recognise and refuse with instructions.
      secretStringValue: SecretValue.unsafePlainText(PLACEHOLDER_TOKEN),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'the token is issued by Milvus or Zilliz Cloud, not by AWS: rotate it there and put the new value here; the functions re-read it every 5 minutes',
    });
    return secret;
  }

  private createReportsBucket(props: MilvusSnapshotSchedulerProps, reportRetention: Duration): s3.Bucket {
    const intermediate = Duration.days(
      Math.min(reportRetention.toDays(), SCHEDULER_DEFAULTS.intermediateResultRetention.toDays()),
    );
    const bucket = new s3.Bucket(this, 'ReportsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.accessLogsBucket && {
        serverAccessLogsBucket: props.accessLogsBucket,
        serverAccessLogsPrefix: 'milvus-snapshot-reports/',
      }),
      lifecycleRules: [
        { id: 'expire-run-reports', prefix: 'reports/', expiration: reportRetention },
        { id: 'expire-collection-results', prefix: 'runs/', expiration: intermediate },
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: SCHEDULER_DEFAULTS.noncurrentVersionRetention,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    if (!props.accessLogsBucket) {
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'only the workflow functions write run reports here; pass accessLogsBucket to turn server access logs on',
      });
    }
    return bucket;
  }

  /**
   * Alarms notify through the alarm topic only if CloudWatch may publish to it. A topic's access
   * policy replaces SNS's default one, and `enforceSSL` gives the topic a policy (the TLS deny):
   * without an Allow for `cloudwatch.amazonaws.com`, every alarm would change state and tell no one.
   * CloudWatch also needs the topic's key (SNS "Enable compatibility between event sources from AWS
   * services and encrypted topics"). Topics and keys imported from elsewhere cannot be changed
   * here: synth warns, and the README says what their policies need.
   */
  private letCloudWatchPublishAlarms(createdTopic: boolean): void {
    const stack = Stack.of(this);
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const { statementAdded } = this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (!statementAdded) {
      Annotations.of(this).addWarningV2(
        'milvus-snapshot-scheduler:alarm-topic-policy',
        'alarmTopic is imported, so its access policy cannot be changed here: allow cloudwatch.amazonaws.com to sns:Publish to it (and to use its KMS key, if it has one), or alarms notify no one',
      );
    }
    if (!createdTopic) return;
    const keyStatement = this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsUseTopicKey',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    if (!keyStatement.statementAdded) {
      Annotations.of(this).addWarningV2(
        'milvus-snapshot-scheduler:alarm-topic-key',
        'encryptionKey is imported, so its key policy cannot be changed here: allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* on it, or alarms notify no one',
      );
    }
  }

  private createTopic(id: string, displayName: string): sns.Topic {
    return new sns.Topic(this, id, { displayName, masterKey: this.encryptionKey, enforceSSL: true });
  }

  private network(props: MilvusSnapshotSchedulerProps): {
    network?: FunctionNetwork;
    createdGroup?: ec2.SecurityGroup;
  } {
    if (!props.vpc) return {};
    const createdGroup = props.securityGroups?.length
      ? undefined
      : new ec2.SecurityGroup(this, 'MilvusClientSecurityGroup', {
          vpc: props.vpc,
          description: 'Milvus snapshot workflow functions that call Milvus',
          allowAllOutbound: true,
        });
    if (props.s3GatewayEndpoint)
      this.addS3GatewayEndpoint(props.vpc, props.s3GatewayEndpoint, props.vpcSubnets);
    return {
      createdGroup,
      network: {
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: createdGroup ? [createdGroup] : [...(props.securityGroups ?? [])],
      },
    };
  }

  /**
   * An S3 gateway endpoint on the route tables the Milvus functions' subnets use: without a route
   * to S3, EnforceRetention (drill records) and every step that reads or writes the ledger would
   * hang until their timeouts, and retention would never prune.
   */
  private addS3GatewayEndpoint(
    vpc: ec2.IVpc,
    endpoint: NonNullable<MilvusSnapshotSchedulerProps['s3GatewayEndpoint']>,
    vpcSubnets: ec2.SubnetSelection | undefined,
  ): void {
    const routeTableIds =
      endpoint.routeTableIds ??
      vpc
        .selectSubnets(vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
        .subnets.map((subnet) => {
          const id = (subnet.routeTable as ec2.IRouteTable | undefined)?.routeTableId;
          if (!id) {
            throw new Error(
              `s3GatewayEndpoint needs routeTableIds: subnet ${subnet.subnetId} was imported without its route table, got s3GatewayEndpoint ${JSON.stringify(endpoint)}`,
            );
          }
          return id;
        });
    new ec2.CfnVPCEndpoint(this, 'S3GatewayEndpoint', {
      vpcId: vpc.vpcId,
      serviceName: ec2.GatewayVpcEndpointAwsService.S3.name,
      vpcEndpointType: ec2.VpcEndpointType.GATEWAY,
      routeTableIds: [...new Set(routeTableIds)],
    });
  }

  private createFunctions(
    settings: ValidatedSettings,
    network: FunctionNetwork | undefined,
  ): Record<StepName, WorkflowFunction> {
    const milvusEnvironment: Record<string, string> = {
      MILVUS_ADDRESS: settings.milvus.address,
      // Names the cluster in records.
      ...(settings.milvusClusterId && { MILVUS_CLUSTER_ID: settings.milvusClusterId }),
      MILVUS_TLS: String(settings.milvus.tls),
      MILVUS_TIMEOUT_MS: String(settings.milvus.timeoutMs),
      MILVUS_TOKEN_SECRET_ID: this.milvusTokenSecret.secretFullArn ?? this.milvusTokenSecret.secretName,
    };
    return forEachStep((name) => {
      const step = STEP_CATALOG[name];
      const fn = new WorkflowFunction(this, name, {
        step,
        ...functionSize(step, settings),
        runtime: settings.runtime,
        logLevel: settings.logLevel,
        logRetention: settings.logRetention,
        environment: {
          // Every metric carries the deployment (see step-environment.ts).
          DEPLOYMENT_ID: this.deploymentId,
          ...(emitsCollectionMetrics(name) && {
            PER_COLLECTION_METRICS: String(settings.perCollectionMetrics),
          }),
          ...(step.milvus && milvusEnvironment),
          ...(step.reports && { REPORTS_BUCKET: this.reportsBucket.bucketName }),
        },
        network: step.milvus ? network : undefined,
      });
      if (step.milvus) this.milvusTokenSecret.grantRead(fn.role);
      if (step.reports) this.grantReports(fn, step.reports);
      return fn;
    });
  }

  /** Exactly the S3 access a step needs: objects under its prefixes (and listing them). */
  private grantReports(fn: WorkflowFunction, access: ReportsAccess): void {
    grantReports(this.reportsBucket, fn.role, access);
    const bucket = this.logicalIdOf(this.reportsBucket);
    Validations.of(fn).acknowledge(
      ...[...new Set([...access.read, ...access.write, ...(access.delete ?? [])])].map((prefix) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${prefix}*]`,
        reason: `object access is limited to the ${prefix} key prefix this step reads or writes`,
      })),
    );
  }

  /**
   * The freshness check, started every `FRESHNESS_CHECK_MINUTES` (15) minutes by an EventBridge
   * rule whose input names the schedules to watch: every enabled one with a regular interval.
   */
  private createFreshnessCheck(settings: ValidatedSettings): lambda.IFunction | undefined {
    const watched = Object.entries(settings.runtimeConfig.schedules)
      .filter(([, schedule]) => schedule.enabled && scheduleFreshness(schedule).windowMinutes !== undefined)
      .map(([name]) => name);
    if (watched.length === 0) return undefined;
    const fn = new WorkflowFunction(this, FRESHNESS_CHECK.state, {
      step: FRESHNESS_CHECK,
      invokedBy: 'schedule',
      ...functionSize(FRESHNESS_CHECK, settings),
      runtime: settings.runtime,
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
      environment: { DEPLOYMENT_ID: this.deploymentId, REPORTS_BUCKET: this.reportsBucket.bucketName },
    });
    if (FRESHNESS_CHECK.reports) this.grantReports(fn, FRESHNESS_CHECK.reports);
    const rule = new events.Rule(this, 'FreshnessCheckSchedule', {
      description: `Starts the Milvus snapshot freshness check every ${FRESHNESS_CHECK_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(FRESHNESS_CHECK_MINUTES)),
      targets: [
        new eventsTargets.LambdaFunction(fn.function, {
          event: events.RuleTargetInput.fromObject({ schedules: watched }),
          retryAttempts: 2,
          maxEventAge: Duration.minutes(FRESHNESS_CHECK_MINUTES),
        }),
      ],
    });
    Validations.of(rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'a check that could not be delivered is not worth replaying: the next one starts 15 minutes later, and a check that fails raises the FreshnessCheckFailed alarm',
    });
    return fn.function;
  }
}

/** A function's memory and timeout: its step's, unless `stepOverrides` says otherwise (validated). */
function functionSize(
  step: StepDefinition<string>,
  settings: ValidatedSettings,
): { readonly timeout: Duration; readonly memorySize: number } {
  const override = settings.stepOverrides[step.state as FunctionName];
  return {
    timeout: override?.timeout ?? Duration.seconds(stepTimeoutSeconds(step, settings.milvus.timeoutMs)),
    memorySize: override?.memorySize ?? step.memoryMb,
  };
}

/** Exactly the S3 access a step needs: objects under its prefixes, and listing them (so a missing key is a 404). */
function grantReports(bucket: s3.IBucket, role: iam.IRole, access: ReportsAccess): void {
  if (access.read.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: access.read.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
    // Listing the bucket is what makes S3 answer a missing key with 404 rather than 403, and every
    // step tells "no record yet" from "not allowed" that way (the ledger depends on it). It is not
    // narrowed with an s3:prefix condition: that key is absent from a GetObject's request context,
    // so the condition could turn every 404 into a 403. Object access stays limited by prefix.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
  }
  if (access.write.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: access.write.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
  if (access.delete?.length) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:DeleteObject'],
        resources: access.delete.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
}

interface ValidatedSettings {
  readonly runtimeConfig: RuntimeConfig;
  readonly milvusClusterId?: string;
  readonly milvus: MilvusConnection;
  readonly mapConcurrency: number;
  readonly logLevel: LogLevel;
  readonly logRetention: logs.RetentionDays;
  readonly runTimeout: Duration;
  readonly reportRetention: Duration;
  readonly perCollectionMetrics: boolean;
  readonly scheduleRetryAttempts: number;
  readonly scheduleMaxEventAge: Duration;
  readonly runtime: lambda.Runtime;
  readonly stepOverrides: NonNullable<MilvusSnapshotSchedulerProps['stepOverrides']>;
}

/** Checks every prop before anything is built; messages name the prop and the value received. */
function validateProps(props: MilvusSnapshotSchedulerProps): ValidatedSettings {
  const parsed = deployableRuntimeConfigSchema.safeParse(props.runtimeConfig, { reportInput: true });
  if (!parsed.success) {
    const issues = configIssues(parsed.error.issues, props.runtimeConfig);
    throw new Error(`invalid runtimeConfig: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  const runtimeConfig = parsed.data;
  const milvus = milvusConnectionSchema.safeParse(props.milvus, { reportInput: true });
  if (!milvus.success) {
    const issues = configIssues(milvus.error.issues, props.milvus);
    throw new Error(`invalid milvus: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }

  for (const [prop, value, schema] of [
    ['deploymentId', props.deploymentId, deploymentIdSchema],
    ['milvusClusterId', props.milvusClusterId, clusterIdSchema],
  ] as const) {
    if (value === undefined || Token.isUnresolved(value)) continue;
    const checked = schema.safeParse(value);
    if (!checked.success) {
      throw new Error(
        `${prop}: ${checked.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(value)}`,
      );
    }
  }
  const mapConcurrency = props.mapConcurrency ?? SCHEDULER_DEFAULTS.mapConcurrency;
  if (!Number.isInteger(mapConcurrency) || mapConcurrency < 1 || mapConcurrency > 1000) {
    throw new Error(`mapConcurrency must be a whole number from 1 to 1000, got ${mapConcurrency}`);
  }
  const logLevel = props.logLevel ?? SCHEDULER_DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const runTimeout = props.runTimeout ?? SCHEDULER_DEFAULTS.runTimeout;
  const neededMinutes =
    Math.ceil(runtimeConfig.flush.timeoutSeconds / 60) + runtimeConfig.drill.timeoutMinutes + 15;
  if (runTimeout.toMinutes({ integral: false }) < neededMinutes) {
    throw new Error(
      `runTimeout must be at least ${neededMinutes} minutes (flush.timeoutSeconds + drill.timeoutMinutes + 15 minutes), got ${runTimeout.toHumanString()}`,
    );
  }
  const reportRetention = props.reportRetention ?? SCHEDULER_DEFAULTS.reportRetention;
  if (
    reportRetention.toDays({ integral: false }) < 1 ||
    !Number.isInteger(reportRetention.toDays({ integral: false }))
  ) {
    throw new Error(
      `reportRetention must be a whole number of days, at least 1, got ${reportRetention.toHumanString()}`,
    );
  }
  const email = z.email();
  for (const [prop, list] of [
    ['reportEmails', props.reportEmails],
    ['failureReportEmails', props.failureReportEmails],
    ['alarmEmails', props.alarmEmails],
  ] as const) {
    for (const address of list ?? []) {
      if (!email.safeParse(address).success)
        throw new Error(`${prop} must hold e-mail addresses, got "${address}"`);
    }
  }
  if (props.vpcSubnets && !props.vpc) throw new Error('vpcSubnets needs vpc, got vpcSubnets without a vpc');
  if (props.s3GatewayEndpoint && !props.vpc) {
    throw new Error('s3GatewayEndpoint needs vpc, got s3GatewayEndpoint without a vpc');
  }
  if (props.securityGroups?.length && !props.vpc) {
    throw new Error('securityGroups needs vpc, got security groups without a vpc');
  }
  const scheduleRetryAttempts = props.scheduleRetryAttempts ?? SCHEDULER_DEFAULTS.scheduleRetryAttempts;
  if (!Number.isInteger(scheduleRetryAttempts) || scheduleRetryAttempts < 0 || scheduleRetryAttempts > 185) {
    throw new Error(
      `scheduleRetryAttempts must be a whole number from 0 to 185, got ${scheduleRetryAttempts}`,
    );
  }
  const scheduleMaxEventAge = props.scheduleMaxEventAge ?? SCHEDULER_DEFAULTS.scheduleMaxEventAge;
  const ageSeconds = scheduleMaxEventAge.toSeconds({ integral: false });
  if (ageSeconds < 60 || ageSeconds > 86_400) {
    throw new Error(
      `scheduleMaxEventAge must be from 1 minute to 24 hours, got ${scheduleMaxEventAge.toHumanString()}`,
    );
  }
  const runtime = props.runtime ?? SCHEDULER_DEFAULTS.runtime;
  if ((nodeMajorOf(runtime) ?? 0) < MIN_NODE_MAJOR) {
    throw new Error(`runtime must be a Node.js runtime, ${MIN_NODE_MAJOR} or newer, got ${runtime.name}`);
  }
  const stepOverrides = validateStepOverrides(props.stepOverrides ?? {}, milvus.data.timeoutMs);
  return {
    runtime,
    stepOverrides,
    runtimeConfig,
    ...(props.milvusClusterId !== undefined && { milvusClusterId: props.milvusClusterId }),
    milvus: milvus.data,
    mapConcurrency,
    logLevel,
    logRetention: props.logRetention ?? SCHEDULER_DEFAULTS.logRetention,
    runTimeout,
    reportRetention,
    perCollectionMetrics: props.perCollectionMetrics ?? SCHEDULER_DEFAULTS.perCollectionMetrics,
    scheduleRetryAttempts,
    scheduleMaxEventAge,
  };
}

/** Lambda's memory range, in MB. */
const MEMORY_RANGE = { min: 128, max: 10_240 } as const;

/** Each override names a function and stays within what Lambda and the step need. */
function validateStepOverrides(
  overrides: NonNullable<MilvusSnapshotSchedulerProps['stepOverrides']>,
  milvusTimeoutMs: number,
): NonNullable<MilvusSnapshotSchedulerProps['stepOverrides']> {
  const steps: Record<string, StepDefinition<string>> = {
    ...STEP_CATALOG,
    [FRESHNESS_CHECK.state]: FRESHNESS_CHECK,
  };
  for (const [name, override] of Object.entries(overrides)) {
    const step = steps[name];
    if (!step) {
      throw new Error(
        `stepOverrides must name functions of the workflow (${Object.keys(steps).join(', ')}), got ${JSON.stringify(name)}`,
      );
    }
    const memorySize = override?.memorySize;
    if (
      memorySize !== undefined &&
      (!Number.isInteger(memorySize) || memorySize < MEMORY_RANGE.min || memorySize > MEMORY_RANGE.max)
    ) {
      throw new Error(
        `stepOverrides.${name}.memorySize must be a whole number of MB from ${MEMORY_RANGE.min} to ${MEMORY_RANGE.max}, got ${memorySize}`,
      );
    }
    const timeout = override?.timeout;
    if (timeout === undefined) continue;
    const seconds = timeout.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
      throw new Error(
        `stepOverrides.${name}.timeout must be whole seconds from 1 second to 15 minutes, got ${timeout.toHumanString()}`,
      );
    }
    const floor = stepTimeoutSeconds({ ...step, timeoutSeconds: 0 }, milvusTimeoutMs);
    if (seconds < floor) {
      throw new Error(
        `stepOverrides.${name}.timeout must be at least ${floor} seconds for a function that talks to Milvus (2 × milvus.timeoutMs + 30 s), got ${timeout.toHumanString()}`,
      );
    }
  }
  return overrides;
}
