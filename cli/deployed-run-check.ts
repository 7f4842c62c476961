import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { prepareRun } from '../functions/prepare-run/prepare-run';
import { clusterIdentity } from '../functions/shared/contracts/deployment';
import { InvalidInputError } from '../functions/shared/errors';
import { awsErrorName } from './aws/aws-errors';
import type { AwsSession } from './aws/aws-session';
import { CliError } from './cli-error';

/** The first state of the run: it validates the input against the configuration embedded with it. */
const PREPARE_RUN_STATE = 'PrepareRun';

/** What {@link checkAgainstDeployment} found out. */
export type DeployedCheck =
  | {
      readonly checked: true;
      /**
       * Collections the input names that a selector covers: the configuration accepts them, but
       * only the run, resolving the selectors against Milvus, tells whether Milvus has them.
       */
      readonly bySelector: readonly string[];
    }
  | {
      readonly checked: false;
      /** Why the deployed configuration could not be read (said once, on stderr). */
      readonly reason: string;
    };

/**
 * The run configuration embedded in a state machine definition: the `config` parameter of the
 * PrepareRun state (`lib/state-machine/run-definition.ts`), whether the Lambda is called directly
 * or through `lambda:invoke` (`Payload`).
 */
export function embeddedRunConfig(definition: unknown): unknown {
  const states = field(definition, 'States');
  const parameters = field(field(states, PREPARE_RUN_STATE), 'Parameters');
  return field(parameters, 'config') ?? field(field(parameters, 'Payload'), 'config');
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Runs PrepareRun's own validation locally against the configuration deployed with the state
 * machine, so that an unknown collection or schedule, or `snapshot` without drill mode, is refused
 * before anything starts, with the message the run would fail with.
 *
 * Reading the definition is best effort: without `states:DescribeStateMachine`, or with a
 * definition this CLI does not recognise, the check is skipped (the run still checks its input).
 *
 * @throws CliError (exit 2) when PrepareRun would refuse the input
 */
export async function checkAgainstDeployment(
  aws: AwsSession,
  stateMachineArn: string,
  input: unknown,
  executionName: string,
): Promise<DeployedCheck> {
  let definition: unknown;
  try {
    const res = await aws.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    definition = JSON.parse(res.definition ?? '');
  } catch (error) {
    const why =
      error instanceof SyntaxError ? 'its definition is not JSON' : (awsErrorName(error) ?? 'error');
    return { checked: false, reason: `could not read the state machine's definition (${why})` };
  }
  const config = embeddedRunConfig(definition);
  if (config === undefined) {
    return {
      checked: false,
      reason: `the state machine has no ${PREPARE_RUN_STATE} state with a configuration`,
    };
  }
  try {
    // Only the input is being checked: the deployment and cluster a run would record do not matter here.
    const { items } = prepareRun(
      {
        input,
        execution: { name: executionName, startTime: new Date().toISOString() },
        config,
        deployment: { id: 'input-check', runTimeoutMinutes: 720 },
      },
      clusterIdentity('milvus:19530'),
    );
    const bySelector = items
      .filter((item) => item.selection?.by === 'selector')
      .map((item) => `${item.database}.${item.collection}`);
    return { checked: true, bySelector };
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new CliError(`${error.message}\nNothing was started.`, undefined, { cause: error });
    }
    const why = error instanceof Error ? error.message : String(error);
    return { checked: false, reason: `its embedded configuration could not be used (${why})` };
  }
}
