import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../functions/shared/lambda/metric-names';
import type { StepDefinition } from './step-catalog';

/** The repository root: entries, the lock file and esbuild are found from here. */
export const PROJECT_ROOT = join(import.meta.dirname, '..');

/**
 * The default Lambda runtime of every function: the Node.js the project is developed and tested
 * on. Lambda's standard support of `nodejs22.x` ends on 2027-04-30 (the Lambda runtimes page);
 * the construct's `runtime` prop moves every function to a newer Node.js.
 */
export const DEFAULT_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The oldest Node.js the functions run on (package.json `engines`). */
export const MIN_NODE_MAJOR = 22;

/** The Node.js major version of a Lambda runtime (`nodejs22.x` → 22), or `undefined` for other languages. */
export function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === lambda.RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
}

/** What the Milvus SDK's Parquet writer is replaced with in the bundles (see the bundling options). */
const PARQUET_STAND_IN = join(PROJECT_ROOT, 'functions', 'shared', 'milvus', 'parquet-not-bundled.ts');

/** Where a function runs when it talks to Milvus from inside a VPC. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/** Properties of a {@link WorkflowFunction}. */
export interface WorkflowFunctionProps {
  /** The step, from the catalog. */
  readonly step: StepDefinition<string>;
  /**
   * Who invokes it: the state machine (synchronously: its failures go back to the run, which
   * retries and catches them) or a schedule (asynchronously; a failed invocation is alarmed on).
   * @default 'stateMachine'
   */
  readonly invokedBy?: 'stateMachine' | 'schedule';
  readonly timeout: Duration;
  /** Added to the shared Powertools environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel: string;
  /** A Node.js runtime, 22 or newer. @default {@link DEFAULT_FUNCTION_RUNTIME} */
  readonly runtime?: lambda.Runtime;
  readonly logRetention: logs.RetentionDays;
  /** Only for functions that talk to Milvus. @default not in a VPC */
  readonly network?: FunctionNetwork;
}

/**
 * One workflow function with the project's shared defaults, in one place: Node.js (22 unless
 * given a newer runtime) on arm64,
 * bundled locally by esbuild (minified, with source maps), its own log group with a retention,
 * X-Ray active tracing, the Powertools environment, and a role that holds nothing but what is
 * granted to it (plus writing its logs and traces).
 */
export class WorkflowFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** The function's timeout. */
  public readonly timeout: Duration;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: WorkflowFunctionProps) {
    super(scope, id);
    const { step } = props;
    const runtime = props.runtime ?? DEFAULT_FUNCTION_RUNTIME;
    const nodeMajor = nodeMajorOf(runtime) ?? MIN_NODE_MAJOR;
    this.timeout = props.timeout;
    const entry = join(PROJECT_ROOT, 'functions', step.directory, 'handler.ts');
    if (!existsSync(entry)) {
      throw new Error(
        `the ${step.state} step's handler functions/${step.directory}/handler.ts does not exist`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${step.state} step of the Milvus snapshot workflow`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.network) {
      // What AWSLambdaVPCAccessExecutionRole grants, without its log permissions on every group.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: step.memoryMb,
      timeout: props.timeout,
      description: step.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: step.state,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // Responses (a run report can be 240 KB) are in the execution history; X-Ray segments cap at 64 KB.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        // Stack traces point at the TypeScript sources (the bundle ships its source map).
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        // Step Functions matches errors by name, and our error classes set `name` from the class:
        // minification must not rename them (MilvusUnavailableError would become "vS", never retried).
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        target: `node${nodeMajor}`,
        format: nodejs.OutputFormat.CJS,
        // The runtime provides AWS SDK v3; everything else, the Milvus SDK included, is bundled.
        externalModules: ['@aws-sdk/*'],
        // The Milvus SDK requires its Parquet writer (for BulkWriter, never used here) at load, and
        // that package loads the S3 client as it is required: a stand-in that throws if ever used
        // makes each Milvus function 0.4 MB smaller and about 70 ms faster to start (npm run bench).
        // An absolute path: esbuild runs in the project that deploys the construct, which is not
        // this package's root when the construct is used from another CDK app.
        esbuildArgs: { '--alias': `@shanghaikid/parquetjs=${PARQUET_STAND_IN}` },
        forceDockerBundling: false,
      },
      ...(props.network && {
        vpc: props.network.vpc,
        vpcSubnets: props.network.vpcSubnets,
        securityGroups: [...props.network.securityGroups],
      }),
    });

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords and the Lambda VPC network-interface actions do not support resource-level permissions',
      },
      {
        id: 'AwsSolutions-L1',
        reason: `${runtime.name} is chosen with the construct's runtime prop (default ${DEFAULT_FUNCTION_RUNTIME.name}, what the project is tested on); moving to a newer one is a deliberate, tested change`,
      },
      {
        id: 'Serverless-LambdaLatestVersion',
        reason: `${runtime.name} is chosen with the construct's runtime prop (default ${DEFAULT_FUNCTION_RUNTIME.name}, what the project is tested on); moving to a newer one is a deliberate, tested change`,
      },
      ...(props.invokedBy === 'schedule'
        ? [
            {
              id: 'Serverless-LambdaDLQ',
              reason:
                'a scheduled check: a failed one is not worth replaying (the next runs minutes later), and its errors raise an alarm',
            },
            {
              id: 'Serverless-LambdaAsyncFailureDestination',
              reason:
                'a scheduled check: a failed one is not worth replaying (the next runs minutes later), and its errors raise an alarm',
            },
          ]
        : [
            {
              id: 'Serverless-LambdaDLQ',
              reason:
                'invoked synchronously by Step Functions only: a failure goes back to the state machine, which retries and catches it',
            },
            {
              id: 'Serverless-LambdaAsyncFailureDestination',
              reason:
                'never invoked asynchronously: Step Functions invokes it synchronously and handles its failures',
            },
          ]),
    );
  }
}
