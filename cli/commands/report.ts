import type { Command } from 'commander';
import { addAwsOptions, withAwsSession } from '../aws/aws-session';
import { addDeploymentOptions, type DeploymentOptions, resolveDeployment } from '../aws/deployment';
import { CliError, EXIT_CODES } from '../cli-error';
import type { CliIo } from '../cli-io';
import { formatReportSummary } from '../format/report-summary';
import { formatUtc } from '../format/time-format';
import {
  describeRunExecution,
  executionArnOf,
  executionNameOf,
  FINAL_STATUSES,
  loadRunReport,
  readableCause,
} from '../run-lookup';

interface ReportOptions extends DeploymentOptions {
  readonly json?: boolean;
}

/**
 * Adds `report <run>`: one run's report from the reports bucket, as a summary or as JSON
 * (validated against the run report schema).
 */
export function registerReportCommand(parent: Command, io: CliIo): void {
  const command = parent
    .command('report')
    .description("print a run's report: status, counts, one line per collection, failures with their error")
    .argument('<run>', 'the execution name (as `runs` lists it) or its ARN')
    .option('--json', 'print the report as JSON (the run report schema) instead of a summary');
  addDeploymentOptions(command, ['stateMachineArn', 'reportsBucket']);
  addAwsOptions(command).action(async (run: string, options: ReportOptions) => {
    await withAwsSession(options, async (aws) => {
      const { stateMachineArn, reportsBucket } = await resolveDeployment(aws, options, [
        'stateMachineArn',
        'reportsBucket',
      ]);
      const name = executionNameOf(run);
      const executionArn = run.startsWith('arn:') ? run : executionArnOf(stateMachineArn, run);
      const execution = await describeRunExecution(aws, executionArn);
      const found = await loadRunReport(aws, reportsBucket, name, execution?.startDate);

      if (found) {
        io.stdout.write(
          options.json
            ? `${JSON.stringify(found.report, null, 2)}\n`
            : formatReportSummary(found.report, found.location),
        );
        return;
      }
      if (!execution) {
        throw new CliError(
          `no run named ${name}: ${stateMachineArn} has no such execution and s3://${reportsBucket}/reports/ ` +
            'has no report of it. "runs" lists the recent ones',
        );
      }
      if (!FINAL_STATUSES.has(execution.status)) {
        throw new CliError(
          `run ${name} is ${execution.status} (started ${formatUtc(execution.startDate)}); ` +
            'its report is stored when it ends',
          EXIT_CODES.internal,
        );
      }
      const why = [execution.error, readableCause(execution.cause)].filter(
        (p) => p !== undefined && p !== '',
      );
      throw new CliError(
        `run ${name} ${execution.status} before its report was built` +
          `${why.length > 0 ? `: ${why.join(': ')}` : ''}`,
        EXIT_CODES.internal,
      );
    });
  });
}
