import { StateMachine } from 'aws-local-stepfunctions';
import type { Json } from './strict-execution';

/** The context object fields a template may read (`$$.Execution…`, `$$.Map.Item…`). */
export type TemplateContext = Record<string, unknown>;

/**
 * Evaluates a payload template (an `ItemSelector`, an `ItemReader`'s `Parameters`) exactly as
 * aws-local-stepfunctions evaluates `Parameters` everywhere else in the definition: paths, `$$.`
 * context references and intrinsic functions, by running it as the Parameters of a one-state Pass
 * machine. The machine is built (and validated) once per template.
 */
export class PayloadTemplate {
  private readonly machine: StateMachine;

  public constructor(template: unknown) {
    this.machine = new StateMachine(
      {
        StartAt: 'Evaluate',
        States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } },
      } as never,
      { validationOptions: { checkArn: false, checkPaths: false } },
    );
  }

  public async evaluate(input: unknown, context: TemplateContext): Promise<unknown> {
    try {
      return await this.machine.run(input as Json, { context: context as never }).result;
    } catch (error) {
      // An ExecutionError wraps what the state threw (States.Runtime for a path that is not there).
      throw (error as { cause?: unknown }).cause ?? error;
    }
  }
}
