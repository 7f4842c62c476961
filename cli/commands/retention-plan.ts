import type { Command } from 'commander';
import {
  type ParsedRetentionPlanInput,
  planRetention,
  retentionPlanInputSchema,
} from '../../functions/enforce-retention/retention-planner';
import { toValidationIssues, type ValidationIssue } from '../../functions/shared/retention-policy';
import { CliError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { readJsonInput } from '../read-json-input';

/** The cases of a plan file; `isArray` says whether to answer with an array too. */
export interface PlanCases {
  readonly isArray: boolean;
  readonly cases: readonly ParsedRetentionPlanInput[];
}

/**
 * Validates one plan case or an array of cases, as read from a plan file.
 *
 * @throws CliError listing every bad field of every case by JSON path (`$[1].policy.keepDaily`)
 */
export function parsePlanCases(value: unknown, source: string): PlanCases {
  const isArray = Array.isArray(value);
  const items: readonly unknown[] = isArray ? value : [value];
  const cases: ParsedRetentionPlanInput[] = [];
  const issues: ValidationIssue[] = [];
  items.forEach((item, index) => {
    const result = retentionPlanInputSchema.safeParse(item);
    if (result.success) cases.push(result.data);
    else issues.push(...toValidationIssues(result.error.issues, isArray ? `$[${index}]` : '$'));
  });
  if (issues.length > 0) {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new CliError(`${source}: invalid retention plan input, nothing was planned\n${lines.join('\n')}`);
  }
  return { isArray, cases };
}

/**
 * Adds `retention plan --input <file|->` to the `retention` group: an offline preview of what a
 * policy keeps and drops, printed as JSON on stdout.
 */
export function registerRetentionPlanCommand(retention: Command, io: CliIo): void {
  retention
    .command('plan')
    .description(
      'preview a retention policy offline: read { now, policy, snapshots, protect?, justCreated? } ' +
        '(or an array of them) and print { keep, drop } (or an array of them) as JSON',
    )
    .requiredOption('-i, --input <file>', 'plan file to read, or - for stdin')
    .action(async (options: { input: string }) => {
      const input = await readJsonInput(options.input, io);
      const { isArray, cases } = parsePlanCases(input.value, input.source);
      const plans = cases.map((item) => planRetention(item));
      io.stdout.write(`${JSON.stringify(isArray ? plans : plans[0], null, 2)}\n`);
    });
}
