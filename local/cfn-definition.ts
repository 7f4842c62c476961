/**
 * Turns the state machine definition of a synthesized CloudFormation template into plain Amazon
 * States Language, the way CloudFormation would at deploy time, with stand-in values for what
 * only exists in an account (ARNs, region, account id).
 */

/** Stand-in account facts for local runs. */
export const LOCAL_ACCOUNT = { partition: 'aws', region: 'local-1', accountId: '000000000000' } as const;

/** A CloudFormation template, as much of it as the runner reads. */
export interface CfnTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

/** The definition of one state machine, resolved. */
export interface ResolvedDefinition {
  /** The definition as Amazon States Language. */
  readonly definition: AslDefinition;
  /** Logical id of each resource whose ARN or name appears in the definition, by the stand-in value used. */
  readonly resourceByValue: ReadonlyMap<string, string>;
}

/** An ASL definition (or a Map/Parallel sub-definition). */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
  readonly [key: string]: unknown;
}

/** One ASL state. */
export interface AslState {
  readonly Type: string;
  readonly [key: string]: unknown;
}

/**
 * Resolves the `DefinitionString` of the state machine with logical id `logicalId`.
 *
 * @throws Error naming the intrinsic or the reference it could not resolve
 */
export function resolveStateMachineDefinition(template: CfnTemplate, logicalId: string): ResolvedDefinition {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new Error(`${logicalId} is not a state machine in this template`);
  }
  const body = resource.Properties?.DefinitionString ?? resource.Properties?.Definition;
  const resourceByValue = new Map<string, string>();
  const resolved = resolveIntrinsics(body, template, resourceByValue);
  const definition = (typeof resolved === 'string' ? JSON.parse(resolved) : resolved) as AslDefinition;
  return { definition, resourceByValue };
}

/** Logical ids of every state machine in a template. */
export function stateMachineLogicalIds(template: CfnTemplate): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id]) => id);
}

function resolveIntrinsics(value: unknown, template: CfnTemplate, seen: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template, seen));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined) {
    switch (key) {
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolveIntrinsics(parts, template, seen) as unknown[]).map(String).join(sep);
      }
      case 'Ref':
        return ref(String(arg), template, seen);
      case 'Fn::GetAtt': {
        const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
        return getAtt(id, attr, template, seen);
      }
      case 'Fn::Sub':
      case 'Fn::If':
      case 'Fn::Select':
      case 'Fn::ImportValue':
        throw new Error(`the definition uses ${key}, which the local runner does not resolve`);
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, template, seen)]));
}

function ref(id: string, template: CfnTemplate, seen: Map<string, string>): string {
  switch (id) {
    case 'AWS::Partition':
      return LOCAL_ACCOUNT.partition;
    case 'AWS::Region':
      return LOCAL_ACCOUNT.region;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT.accountId;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      break;
  }
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the definition refers to ${id}, which is not in the template`);
  // Ref gives an ARN for topics and state machines, a name for most others.
  const value =
    resource.Type === 'AWS::SNS::Topic' || resource.Type === 'AWS::StepFunctions::StateMachine'
      ? arnOf(id, resource.Type)
      : id;
  seen.set(value, id);
  return value;
}

function getAtt(id: string, attr: string, template: CfnTemplate, seen: Map<string, string>): string {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the definition refers to ${id}.${attr}, which is not in the template`);
  const value = attr === 'Arn' ? arnOf(id, resource.Type) : `${id}.${attr}`;
  seen.set(value, id);
  return value;
}

function arnOf(id: string, type: string): string {
  const { partition, region, accountId } = LOCAL_ACCOUNT;
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${accountId}:function:${id}`;
    case 'AWS::SNS::Topic':
      return `arn:${partition}:sns:${region}:${accountId}:${id}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${accountId}:stateMachine:${id}`;
    case 'AWS::S3::Bucket':
      return `arn:${partition}:s3:::${id.toLowerCase()}`;
    default:
      return `arn:${partition}:local:${region}:${accountId}:${id}`;
  }
}

/** Visits every state of a definition, including those inside Map and Parallel states. */
export function forEachState(
  definition: AslDefinition,
  visit: (name: string, state: AslState, path: readonly string[]) => void,
  path: readonly string[] = [],
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state, path);
    const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (processor) forEachState(processor, visit, [...path, name]);
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? [])
      forEachState(branch, visit, [...path, name]);
  }
}
