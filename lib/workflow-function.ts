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
import { functionBundleOptions, functionSource, PROJECT_ROOT } from './function-bundling';
import type { StepDefinition } from './step-catalog';

export { PROJECT_ROOT } from './function-bundling';

/**
 * The default Lambda runtime of every function: the Node.js the project is developed and tested
 * on. Lambda's standard support of `nodejs22.x` ends on 2027-04-30 (the Lambda runtimes page);
 * the construct's `runtime` prop moves every function to a newer Node.js.
 */
export const DEFAULT_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The oldest Node.js the functions run on (package.json `engines`). */
export const MIN_NODE_MAJOR = 22;

/** The CDK context key that sets esbuild's log level (`cdk synth -c bundlingLogLevel=info`). */
export const BUNDLING_LOG_LEVEL_CONTEXT_KEY = 'bundlingLogLevel';

/**
 * esbuild's log level for the functions' bundles: warnings and errors only, unless the
 * `bundlingLogLevel` context asks for more. At esbuild's own default (info) every `cdk synth`
 * prints a block of file sizes for each of the fifteen functions, which buries what matters.
 *
 * @throws Error naming the value when the context holds an unknown level
 */
export function bundlingLogLevel(scope: Construct): nodejs.LogLevel {
  const asked: unknown = scope.node.tryGetContext(BUNDLING_LOG_LEVEL_CONTEXT_KEY);
  if (asked === undefined) return nodejs.LogLevel.WARNING;
  const levels = Object.values(nodejs.LogLevel) as string[];
  if (typeof asked !== 'string' || !levels.includes(asked)) {
    throw new Error(
      `context ${BUNDLING_LOG_LEVEL_CONTEXT_KEY} must be one of ${levels.join(', ')}, got ${JSON.stringify(asked)}`,
    );
  }
  return asked as nodejs.LogLevel;
}

/** The Node.js major version of a Lambda runtime (`nodejs22.x` → 22), or `undefined` for other languages. */
export function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === lambda.RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
}

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
  /** The function's memory. @default the step's `memoryMb` */
  readonly memorySize?: number;
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
 * given a newer runtime) on arm64, bundled by esbuild (minified, with source maps: by
 * `npm run build` in the published package, at synth from the sources), its own log group with a retention,
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
    const source = functionSource(step.directory);
    if ('entry' in source && !existsSync(source.entry)) {
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

    const bundle = functionBundleOptions(nodeMajor);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...('prebundled' in source
        ? { code: lambda.Code.fromAsset(source.prebundled), handler: 'index.handler' }
        : {
            entry: source.entry,
            handler: 'handler',
            projectRoot: PROJECT_ROOT,
            depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
            bundling: {
              logLevel: bundlingLogLevel(this),
              minify: bundle.minify,
              keepNames: bundle.keepNames,
              sourceMap: bundle.sourcemap,
              sourcesContent: bundle.sourcesContent,
              target: bundle.target,
              format: nodejs.OutputFormat.CJS,
              externalModules: [...bundle.external],
              esbuildArgs: Object.fromEntries(
                Object.entries(bundle.alias).map(([from, to]) => [`--alias:${from}`, to]),
              ),
              forceDockerBundling: false,
            },
          }),
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? step.memoryMb,
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
