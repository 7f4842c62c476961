import { z } from 'zod';
import { clusterIdSchema, deploymentIdSchema } from '../../functions/shared/contracts/deployment';
import { type RuntimeConfig, runtimeConfigSchema } from '../../functions/shared/contracts/runtime-config';
import { milvusConnectionSchema } from '../../functions/shared/milvus/milvus-connection-settings';
import {
  longestIntervalMinutes,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../schedules/schedule-expression';
import { historyProblem } from '../state-machine/history-budget';

/**
 * The deployment id of local runs whose configuration names none: what the deployed stack's
 * default (`<stack name>.<region>`) becomes with the stack name the CLI and the local runner use
 * and the local runner's region, `local`.
 */
export const DEFAULT_LOCAL_DEPLOYMENT_ID = 'MilvusSnapshotScheduler.local';

/** Log levels the functions accept (`POWERTOOLS_LOG_LEVEL`). */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** Lambda runtimes the functions may run on (see the construct's `runtime` prop). */
export const FUNCTION_RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const POLICY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Where the Milvus token comes from. */
const tokenSecretSchema = z
  .string()
  .trim()
  .refine((s) => (s.startsWith('arn:') ? SECRET_ARN.test(s) : SECRET_NAME.test(s)), {
    message:
      'expected the ARN or the name of an existing Secrets Manager secret, e.g. "arn:aws:secretsmanager:eu-west-1:123456789012:secret:milvus-token-AbCdEf" or "milvus/token"',
  });

/** How the functions reach Milvus, and where its token is kept. */
export const deploymentMilvusSchema = milvusConnectionSchema.extend({
  /**
   * An existing Secrets Manager secret (ARN or name) holding the token (`user:password` or an API
   * key), or JSON `{"token": "..."}`. @default a new secret holding a placeholder, to be set after
   * the first deployment
   */
  tokenSecret: tokenSecretSchema.optional(),
  /**
   * A stable id of the Milvus cluster, keying this deployment's records (ledger, drill results)
   * when the address is not a stable name for one cluster. @default derived from the address
   */
  clusterId: clusterIdSchema.optional(),
});

/** The VPC the Milvus functions run in, by id (imported without lookups, so synth stays offline). */
export const networkSchema = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'expected a VPC id such as "vpc-0a1b2c3d4e5f67890"'),
    /** Private subnets with a route to Milvus, Secrets Manager and S3 (a NAT gateway, or VPC endpoints). */
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'expected a subnet id such as "subnet-0a1b2c3d"'))
      .min(1, 'list at least one subnet'),
    /**
     * Add an S3 gateway endpoint (free) to these route tables, those of `subnetIds`, so the
     * functions reach the reports bucket without a NAT gateway. @default no endpoint
     */
    s3GatewayEndpointRouteTableIds: z
      .array(z.string().regex(/^rtb-[0-9a-f]{8,17}$/, 'expected a route table id such as "rtb-0a1b2c3d"'))
      .min(1)
      .optional(),
    /** @default one new security group, shared by the Milvus functions, outbound traffic allowed */
    securityGroupIds: z
      .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id such as "sg-0a1b2c3d"'))
      .min(1)
      .optional(),
  })
  .strict();

const emailList = z.array(z.email({ message: 'expected an e-mail address' })).default([]);
const topicArn = z
  .string()
  .regex(TOPIC_ARN, 'expected an SNS topic ARN such as "arn:aws:sns:eu-west-1:123456789012:backups"');

/** Who hears about runs. */
export const notificationsSchema = z
  .object({
    /** Receive every run report. @default [] */
    emails: emailList,
    /** Receive only reports of failed runs (an SNS filter policy on the `status` attribute). @default [] */
    failureEmails: emailList,
    /** Publish reports to this existing topic instead of creating one. @default a new KMS-encrypted topic */
    topicArn: topicArn.optional(),
  })
  .strict();

/** Who hears about alarms. */
export const alarmsSchema = z
  .object({
    /** Receive alarm notifications. @default [] */
    emails: emailList,
    /** Send alarms to this existing topic instead of creating one. @default a new KMS-encrypted topic */
    topicArn: topicArn.optional(),
  })
  .strict();

/** The reports bucket. */
export const reportsSchema = z
  .object({
    /** Run reports are deleted after this many days. @default 365 */
    retentionDays: z.number().int().min(1).max(3650).default(365),
  })
  .strict();

/**
 * The deployment configuration: everything a run needs (embedded in the state machine definition)
 * plus how and where it is deployed. One JSON file drives `cdk deploy` and the local runner.
 */
export const deploymentConfigSchema = runtimeConfigSchema
  .safeExtend({
    /** The JSON Schema of this file, for editors. Ignored. */
    $schema: z.string().optional(),
    /**
     * A stable name of this deployment, in every snapshot marker, ledger key, metric and report:
     * two deployments on one Milvus never touch each other's snapshots. @default `<stack name>.<region>`
     */
    deploymentId: deploymentIdSchema.optional(),
    /** The Milvus endpoint and token. */
    milvus: deploymentMilvusSchema,
    /** Run the Milvus functions in a VPC. @default not in a VPC */
    network: networkSchema.optional(),
    /** Run report notifications. */
    notifications: notificationsSchema.default(notificationsSchema.parse({})),
    /** Alarm notifications. */
    alarms: alarmsSchema.default(alarmsSchema.parse({})),
    /** Where run reports are kept. */
    reports: reportsSchema.default(reportsSchema.parse({})),
    /** Collections processed at the same time (the Distributed Map's MaxConcurrency). @default 10 */
    mapConcurrency: z.number().int().min(1).max(1000).default(10),
    /** Log level of the functions. @default 'INFO' */
    logLevel: z.enum(LOG_LEVELS).default('INFO'),
    /** Days the functions' and the state machine's logs are kept. @default 90 */
    logRetentionDays: z.literal(LOG_RETENTION_DAYS).default(90),
    /** A run still going after this long is stopped (the state machine's timeout). @default 720 (12 hours) */
    runTimeoutMinutes: z
      .number()
      .int()
      .min(15)
      .max(7 * 24 * 60)
      .default(720),
    /**
     * The functions' Lambda runtime. Lambda's standard support of `nodejs22.x` ends on 2027-04-30.
     * @default 'nodejs22.x'
     */
    functionRuntime: z.enum(FUNCTION_RUNTIMES).default('nodejs22.x'),
    /**
     * Emit the steps' metrics with a `Collection` dimension. Turn off with thousands of collections
     * to keep the number of custom metrics (and their cost) flat. @default true
     */
    perCollectionMetrics: z.boolean().default(true),
  })
  .superRefine((config, ctx) => {
    for (const issue of runRuleIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    const flushMinutes = Math.ceil(config.flush.timeoutSeconds / 60);
    const needed = flushMinutes + config.drill.timeoutMinutes + 15;
    if (config.runTimeoutMinutes < needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['runTimeoutMinutes'],
        message:
          `${config.runTimeoutMinutes} minutes is shorter than one collection of a full run may take ` +
          `(${flushMinutes} min flush wait + ${config.drill.timeoutMinutes} min restore + 15 min for the other steps); ` +
          `set it to at least ${needed}`,
      });
    }
  });

/**
 * What the deployment adds to the run configuration's own checks: policy names that are safe as
 * JSON keys in the state machine definition, schedule expressions EventBridge Scheduler accepts
 * (checked in full, not just their shape), and loops that fit in an execution's history.
 */
export function runRuleIssues(
  config: Pick<RuntimeConfig, 'retention' | 'schedules' | 'drill' | 'flush'>,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  // A child execution past 25,000 history events fails: refuse the settings that could get there.
  const history = historyProblem(config);
  if (history) issues.push({ path: ['drill', 'timeoutMinutes'], message: history });
  for (const name of Object.keys(config.retention)) {
    if (!POLICY_NAME.test(name)) {
      issues.push({
        path: ['retention', name],
        message: `retention policy names use letters, digits, "_" and "-" (at most 64), got "${name}"`,
      });
    }
  }
  for (const [name, schedule] of Object.entries(config.schedules)) {
    try {
      parseScheduleExpression(schedule.cron);
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      issues.push({ path: ['schedules', name, 'cron'], message: error.message });
    }
  }
  return issues;
}

/** The run configuration with the deployment's extra checks (for the construct's `runtimeConfig` prop). */
export const deployableRuntimeConfigSchema = runtimeConfigSchema.superRefine((config, ctx) => {
  for (const issue of runRuleIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
});

/**
 * The run configuration as written (the construct's `runtimeConfig` prop): collections, schedules,
 * retention policies, drill and flush settings, before defaults.
 */
export type RuntimeConfigInput = z.input<typeof deployableRuntimeConfigSchema>;

/** The deployment configuration as written in the file, before defaults. */
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;

/** The validated deployment configuration, defaults applied. */
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

/** The keys of the configuration that a run needs and that travel inside the state machine definition. */
const RUNTIME_KEYS = Object.keys(runtimeConfigSchema.shape) as (keyof RuntimeConfig)[];

/**
 * The run's part of a deployment configuration: exactly what the construct embeds in the state
 * machine definition and what PrepareRun validates executions against.
 */
export function runtimeConfigOf(config: DeploymentConfig): RuntimeConfig {
  const picked = Object.fromEntries(RUNTIME_KEYS.map((key) => [key, config[key]]));
  return runtimeConfigSchema.parse(picked);
}

/** What the freshness alarm of one schedule watches. */
export interface ScheduleFreshness {
  /** The longest time between two runs, in minutes, or `undefined` if it cannot be told. */
  readonly intervalMinutes: number | undefined;
  /**
   * The alarm fires when the newest successful run is older than this (the interval plus
   * `freshnessMarginMinutes`), or `undefined` when the schedule has no regular interval (see `reason`).
   */
  readonly windowMinutes: number | undefined;
  readonly reason?: string;
}

/** The freshness alarm settings of a schedule (its expression must already be valid). */
export function scheduleFreshness(schedule: RuntimeConfig['schedules'][string]): ScheduleFreshness {
  const intervalMinutes = longestIntervalMinutes(parseScheduleExpression(schedule.cron), schedule.timezone);
  if (intervalMinutes === undefined) {
    return {
      intervalMinutes,
      windowMinutes: undefined,
      reason: `${schedule.cron} fires fewer than twice between 2026 and 2028, so it has no regular interval`,
    };
  }
  return { intervalMinutes, windowMinutes: intervalMinutes + schedule.freshnessMarginMinutes };
}
