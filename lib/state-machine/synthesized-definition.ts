import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { DeploymentConfig } from '../config/deployment-config';
import { MilvusSnapshotSchedulerStack } from '../milvus-snapshot-scheduler-stack';
import { STEP_CATALOG, STEP_NAMES, type StepName } from '../step-catalog';
import { PROJECT_ROOT } from '../workflow-function';
import { RunState } from './run-definition';

/** An Amazon States Language document, as JSON. */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
  readonly [key: string]: unknown;
}

/** One state of a definition (only the fields this project reads are typed). */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Resource?: string;
  readonly Choices?: readonly AslChoice[];
  readonly Catch?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly Next: string;
    readonly ResultPath?: string;
  }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[]; readonly MaxAttempts?: number }[];
  readonly ItemProcessor?: { readonly StartAt: string; readonly States: Record<string, AslState> };
  readonly [key: string]: unknown;
}

/** A Choice rule: `Next` on the top-level rules only. */
export interface AslChoice {
  readonly Next?: string;
  readonly Variable?: string;
  readonly [key: string]: unknown;
}

/** What a Lambda task state runs. */
export interface TaskHandler {
  readonly step: StepName;
  /** `functions/<step>/handler.ts`, absolute. Its export `handler` is the middy handler. */
  readonly entry: string;
  /** The placeholder function ARN standing in the definition's `Resource`. */
  readonly resource: string;
}

/** The run's state machine as the stack deploys it, with what the local runner needs around it. */
export interface SynthesizedRun {
  /** The definition, with CloudFormation references replaced by placeholder ARNs (see {@link placeholderArn}). */
  readonly definition: StateMachineDefinition;
  /** Every Lambda task state — in the run and in the Map's item processor — and its handler. */
  readonly tasks: Readonly<Record<string, TaskHandler>>;
  /** The service-integration task states: SNS publish and EventBridge put-events. */
  readonly serviceTasks: { readonly publishReport: string; readonly emitRunEvent: string };
}

/** `arn:aws:lambda:local:000000000000:function:<LogicalId>` for a function, `arn:aws:local::...:<LogicalId>` otherwise. */
export function placeholderArn(logicalId: string, service = 'local'): string {
  return service === 'lambda'
    ? `arn:aws:lambda:local:000000000000:function:${logicalId}`
    : `arn:aws:${service}:local:000000000000:${logicalId}`;
}

/**
 * Synthesizes the stack from a configuration (no bundling, no AWS account) and returns the state
 * machine definition exactly as deployed, plus which handler each Lambda task state runs. This is
 * how the local runner, the diagram and the cost estimate get the real definition.
 */
export function synthesizeRun(config: DeploymentConfig): SynthesizedRun {
  // The cloud assembly is read here and never again: in a directory of its own, removed at once.
  // Left to the CDK, it would be a temporary directory removed only when the process exits
  // normally, so that every synthesis of a test worker or a run that is killed stays in /tmp.
  const outdir = mkdtempSync(join(tmpdir(), 'synthesized-run-'));
  let template: CfnTemplate;
  let stack: MilvusSnapshotSchedulerStack;
  try {
    const app = new App({
      outdir,
      // Without the CDK's CloudFormation template validation: the definition is the same either
      // way, and it costs 2 to 8 s of CPU per synthesis. `cdk synth` and deployments still run
      // it, and test/lib/cloudformation-validation.test.ts holds the stack to it.
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    stack = new MilvusSnapshotSchedulerStack(app, 'MilvusSnapshotScheduler', { config });
    template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
  const logicalIds = new Map<string, StepName>();
  for (const name of STEP_NAMES) {
    const resource = stack.scheduler.functions[name].node.defaultChild;
    if (resource instanceof CfnElement) logicalIds.set(Stack.of(resource).getLogicalId(resource), name);
  }
  const stateMachineId = Stack.of(stack).getLogicalId(
    stack.scheduler.stateMachine.node.defaultChild as CfnElement,
  );
  const definition = definitionFromTemplate(template, stateMachineId, logicalIds);

  const tasks: Record<string, TaskHandler> = {};
  for (const [stateName, state] of allStates(definition)) {
    const logicalId = state.Resource?.startsWith(placeholderArn('', 'lambda'))
      ? state.Resource.slice(placeholderArn('', 'lambda').length)
      : undefined;
    const step = logicalId === undefined ? undefined : logicalIds.get(logicalId);
    if (step && state.Resource) {
      tasks[stateName] = {
        step,
        entry: join(PROJECT_ROOT, 'functions', STEP_CATALOG[step].directory, 'handler.ts'),
        resource: state.Resource,
      };
    }
  }
  return {
    definition,
    tasks,
    serviceTasks: { publishReport: RunState.PublishReport, emitRunEvent: RunState.EmitRunEvent },
  };
}

/** A synthesized CloudFormation template, as far as this module reads it. */
export interface CfnTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

/**
 * The state machine's definition from a synthesized template, with every CloudFormation reference
 * resolved to a placeholder: a function's `Fn::GetAtt [Id, Arn]` becomes its placeholder Lambda
 * ARN, any other reference a placeholder ARN of the referenced resource.
 */
export function definitionFromTemplate(
  template: CfnTemplate,
  stateMachineLogicalId?: string,
  functionLogicalIds: ReadonlyMap<string, string> = new Map(),
): StateMachineDefinition {
  const entry = stateMachineLogicalId
    ? template.Resources[stateMachineLogicalId]
    : Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const body = entry?.Properties?.DefinitionString;
  if (body === undefined) throw new Error('the template has no state machine definition');
  return resolveDefinitionString(body, template, functionLogicalIds);
}

/** A `DefinitionString` (a string, or the `Fn::Join` CDK writes) as a definition with placeholder ARNs. */
export function resolveDefinitionString(
  body: unknown,
  template: CfnTemplate,
  functionLogicalIds: ReadonlyMap<string, string> = new Map(),
): StateMachineDefinition {
  const text = typeof body === 'string' ? body : joinParts(body, template, functionLogicalIds);
  return JSON.parse(text) as StateMachineDefinition;
}

function joinParts(body: unknown, template: CfnTemplate, functions: ReadonlyMap<string, string>): string {
  const join = (body as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DefinitionString: ${JSON.stringify(body).slice(0, 200)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) {
        const [id] = getAtt;
        const isFunction = functions.has(id) || template.Resources[id]?.Type === 'AWS::Lambda::Function';
        return placeholderArn(id, isFunction ? 'lambda' : 'local');
      }
      const ref = (part as { Ref?: string }).Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return 'local';
      if (ref === 'AWS::AccountId') return '000000000000';
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (ref)
        return placeholderArn(ref, template.Resources[ref]?.Type === 'AWS::SNS::Topic' ? 'sns' : 'local');
      throw new Error(`unexpected reference in the definition: ${JSON.stringify(part)}`);
    })
    .join('');
}

/** Every state of a definition, the Map's item processor included, by name. */
export function allStates(definition: { readonly States: Record<string, AslState> }): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}
