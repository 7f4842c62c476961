import { DescribeExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import {
  RUN_REPORT_SCHEMA_VERSION,
  type RunReport,
  runReportSchema,
} from '../functions/shared/contracts/run-report';
import { ReportKeys, S3ReportStore } from '../functions/shared/reports/report-store';
import { describeIssues } from '../functions/shared/validation';
import { awsCall } from './aws/aws-errors';
import type { AwsSession } from './aws/aws-session';
import { CliError, EXIT_CODES } from './cli-error';

/** An execution of the run state machine, as the CLI shows it. */
export interface ExecutionFacts {
  readonly arn: string;
  readonly name: string;
  readonly status: ExecutionStatus | string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** Why a failed execution failed (`error`, `cause` of the execution). */
  readonly error?: string;
  readonly cause?: string;
}

/** The execution ARN of `name` in `stateMachineArn` (`…:stateMachine:X` → `…:execution:X:name`). */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The execution name of a run given as a name or an execution ARN. */
export function executionNameOf(run: string): string {
  return run.startsWith('arn:') ? (run.split(':').at(-1) ?? run) : run;
}

/** States of an execution that will not change any more (PENDING_REDRIVE may still run again). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Describes an execution.
 *
 * @returns the execution, or `undefined` when Step Functions has no such execution (never ran, or
 *   older than the 90 days Step Functions keeps closed executions)
 */
export async function describeRunExecution(
  aws: AwsSession,
  executionArn: string,
): Promise<ExecutionFacts | undefined> {
  const res = await awsCall(
    { action: 'states:DescribeExecution', target: executionArn },
    () => aws.sfn.send(new DescribeExecutionCommand({ executionArn })),
    { ExecutionDoesNotExist: () => undefined },
  );
  if (!res) return undefined;
  return {
    arn: res.executionArn ?? executionArn,
    name: res.name ?? executionNameOf(executionArn),
    status: res.status ?? 'UNKNOWN',
    startDate: res.startDate ?? new Date(Number.NaN),
    ...(res.stopDate === undefined ? {} : { stopDate: res.stopDate }),
    ...(res.error === undefined ? {} : { error: res.error }),
    ...(res.cause === undefined ? {} : { cause: res.cause }),
  };
}

/**
 * The readable part of an error cause: a Lambda failure's cause is the JSON of
 * `{ errorType, errorMessage, trace }`, of which only the message is for people.
 */
export function readableCause(cause: string | undefined): string | undefined {
  if (cause === undefined || cause === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return String(parsed.errorMessage);
    }
  } catch {
    // Not JSON: a plain cause, shown as it is.
  }
  return cause.length > 500 ? `${cause.slice(0, 497)}...` : cause;
}

/** A stored run report and where it was found. */
export interface FoundReport {
  readonly report: RunReport;
  readonly location: string;
}

/**
 * Reads a run's report from the reports bucket: at `reports/<yyyy>/<mm>/<dd>/<run>.json` for the
 * day the execution started when that is known; else (Step Functions forgets executions after 90
 * days, the bucket keeps reports longer) by looking through `reports/` for the run's file name.
 *
 * @returns the report, or `undefined` when none is stored
 * @throws CliError (exit 1) when the stored document is not a valid run report
 */
export async function loadRunReport(
  aws: AwsSession,
  bucket: string,
  runName: string,
  startDate: Date | undefined,
): Promise<FoundReport | undefined> {
  const store = new S3ReportStore(aws.s3, bucket);
  const read = (key: string) =>
    awsCall({ action: 's3:GetObject', target: `s3://${bucket}/${key}` }, () => store.getJson(key), {
      SyntaxError: (error) => {
        throw new CliError(`s3://${bucket}/${key} is not JSON: ${error.message}`, EXIT_CODES.internal);
      },
    });

  let key: string | undefined;
  let value: unknown;
  if (startDate && !Number.isNaN(startDate.getTime())) {
    // BuildReport files the report under the execution's start day: the key is exact.
    key = ReportKeys.runReport(runName, startDate);
    value = await read(key);
  } else {
    // The file name does not depend on the date: take it from the key of any day.
    const fileName = ReportKeys.runReport(runName, new Date(0)).split('/').at(-1) ?? '';
    const keys = await awsCall({ action: 's3:ListBucket', target: `s3://${bucket}/reports/` }, () =>
      store.list('reports/'),
    );
    key = keys.filter((k) => k.endsWith(`/${fileName}`)).at(-1);
    value = key === undefined ? undefined : await read(key);
  }
  if (key === undefined || value === undefined) return undefined;

  const location = `s3://${bucket}/${key}`;
  const parsed = runReportSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    throw new CliError(
      `${location} is not a valid run report (this CLI reads schema version ${RUN_REPORT_SCHEMA_VERSION}): ${describeIssues(parsed.error.issues)}`,
      EXIT_CODES.internal,
    );
  }
  return { report: parsed.data, location };
}
