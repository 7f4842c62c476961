import { StateMachine } from 'aws-local-stepfunctions';
import type { Json } from './strict-execution';

/** The context object fields a template may read (`$$.Execution…`, `$$.Map.Item…`). */
export type TemplateContext = Record<string, unknown>;

/**
 * Evaluates a payload template (an `ItemSelector`, an `ItemReader`'s `Parameters`) exactly as
 * aws-local-stepfunctions evaluates `Parameters` everywhere else in the definition: paths, `$$.`
 * context references and intrinsic functions, by running it as the Parameters of a one-state Pass
 * machine. The machine is built (and validated) once per template and run.
 */
export class PayloadTemplate {
  private readonly machine: StateMachine;

  /**
   * @param validate whether to validate the template (about 1.3 s: aws-local-stepfunctions'
   *   validator compiles its JSON schemas on every call); false for a template already validated
   *   as part of the same definition
   */
  public constructor(template: unknown, validate = true) {
    this.machine = new StateMachine(
      {
        StartAt: 'Evaluate',
        States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } },
      } as never,
      { validationOptions: validate ? { checkArn: false, checkPaths: false } : { noValidate: true } },
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

/**
 * Validates templates as {@link PayloadTemplate} would, all in one machine (one Pass state each):
 * the validator's cost is per machine, not per state.
 *
 * @throws the validator's error for the first template it rejects
 */
export function validatePayloadTemplates(templates: readonly unknown[]): void {
  if (templates.length === 0) return;
  const name = (i: number) => `Template${i}`;
  const states = Object.fromEntries(
    templates.map((template, i) => [
      name(i),
      {
        Type: 'Pass',
        Parameters: template,
        ...(i + 1 < templates.length ? { Next: name(i + 1) } : { End: true }),
      },
    ]),
  );
  new StateMachine({ StartAt: name(0), States: states } as never, {
    validationOptions: { checkArn: false, checkPaths: false },
  });
}
