import type { StateMachine } from 'aws-local-stepfunctions';
import type { SynthesizedRun } from '../lib/state-machine/synthesized-definition';
import type { DistributedMapSpec } from './distributed-map';
import type { LocalDefinition } from './local-definition';
import { PayloadTemplate } from './payload-template';
import { strictStateMachine } from './strict-execution';

/** The payload templates a Distributed Map evaluates. */
export interface MapTemplates {
  /** Its ItemSelector, when it has one. */
  readonly itemSelector?: PayloadTemplate;
  /** Where its items are: the ItemReader's Parameters (`Bucket`, `Key`), or `{ items: <ItemsPath> }`. */
  readonly items: PayloadTemplate;
}

/** What aws-local-stepfunctions runs for one prepared definition. */
export interface LocalMachines {
  /** The run's own state machine. */
  readonly parent: StateMachine;
  /** Each Distributed Map's item processor, by the Map state's name. */
  readonly processors: ReadonlyMap<string, StateMachine>;
  /** Each Distributed Map's templates, by the Map state's name. */
  readonly templates: ReadonlyMap<string, MapTemplates>;
}

/**
 * Builds the state machines and templates of a prepared definition. aws-local-stepfunctions
 * validates a definition as its StateMachine is built, and its validator compiles its JSON
 * schemas on every call (about 1.3 s each, four times per run); `validate: false` skips that for
 * a definition already validated in this form (see {@link localMachinesOf}).
 */
export function buildLocalMachines(local: LocalDefinition, validate: boolean): LocalMachines {
  const validationOptions = validate ? { checkArn: false, checkPaths: false } : { noValidate: true };
  const parent = strictStateMachine(local.definition, { validationOptions });
  const processors = new Map<string, StateMachine>();
  const templates = new Map<string, MapTemplates>();
  for (const [name, spec] of local.maps) {
    processors.set(name, strictStateMachine(spec.processor, { validationOptions }));
    templates.set(name, mapTemplates(spec, validate));
  }
  return { parent, processors, templates };
}

function mapTemplates(spec: DistributedMapSpec, validate: boolean): MapTemplates {
  const items = spec.itemReader
    ? new PayloadTemplate(spec.itemReader.Parameters ?? {}, validate)
    : new PayloadTemplate({ 'items.$': spec.itemsPath ?? '$' }, validate);
  return {
    ...(spec.itemSelector === undefined
      ? {}
      : { itemSelector: new PayloadTemplate(spec.itemSelector, validate) }),
    items,
  };
}

/** Synthesized definitions whose local form has been validated (in this process or where it was synthesized). */
const validated = new WeakSet<SynthesizedRun>();

/**
 * The machines of a run of `synthesized`, validated the first time only. What a run changes in
 * the definition (the start time bound into templates, the timeout in real time) cannot make it
 * invalid, so later runs of the same synthesized definition skip validation.
 */
export function localMachinesOf(synthesized: SynthesizedRun, local: LocalDefinition): LocalMachines {
  const machines = buildLocalMachines(local, !validated.has(synthesized));
  validated.add(synthesized);
  return machines;
}

/** Records that `synthesized`'s local form was validated (by the process that synthesized it). */
export function markValidated(synthesized: SynthesizedRun): void {
  validated.add(synthesized);
}
