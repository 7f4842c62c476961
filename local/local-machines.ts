import { createHash } from 'node:crypto';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { SynthesizedRun } from '../lib/state-machine/synthesized-definition';
import type { DistributedMapSpec } from './distributed-map';
import type { LocalDefinition } from './local-definition';
import { PayloadTemplate, validatePayloadTemplates } from './payload-template';
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
  }
  const maps = [...local.maps].map(([name, spec]) => ({ name, ...templatesOf(spec) }));
  // One validation for every template of every Map (the validator's cost is per machine).
  if (validate)
    validatePayloadTemplates(
      maps.flatMap((m) => [m.items, ...(m.selector === undefined ? [] : [m.selector])]),
    );
  for (const m of maps) {
    templates.set(m.name, {
      ...(m.selector === undefined ? {} : { itemSelector: new PayloadTemplate(m.selector, false) }),
      items: new PayloadTemplate(m.items, false),
    });
  }
  return { parent, processors, templates };
}

/** A Distributed Map's templates: where its items are, and its ItemSelector if it has one. */
function templatesOf(spec: DistributedMapSpec): { items: unknown; selector?: unknown } {
  const items = spec.itemReader ? (spec.itemReader.Parameters ?? {}) : { 'items.$': spec.itemsPath ?? '$' };
  return { items, ...(spec.itemSelector === undefined ? {} : { selector: spec.itemSelector }) };
}

/**
 * Definitions whose local form has been validated in this process (or where they were
 * synthesized), by content: a test suite or a benchmark synthesizes the same configuration many
 * times over, and each validation costs over a second.
 */
const validated = new WeakSet<SynthesizedRun>();
const validatedContent = new Set<string>();

function contentKey(synthesized: SynthesizedRun): string {
  return createHash('sha256').update(JSON.stringify(synthesized.definition)).digest('hex');
}

/**
 * The machines of a run of `synthesized`, validated the first time its definition is seen only.
 * What a run changes in the definition (the start time bound into templates, the timeout in real
 * time) cannot make it invalid, so later runs of the same definition skip validation.
 */
export function localMachinesOf(synthesized: SynthesizedRun, local: LocalDefinition): LocalMachines {
  const seen = validated.has(synthesized) || validatedContent.has(contentKey(synthesized));
  const machines = buildLocalMachines(local, !seen);
  markValidated(synthesized);
  return machines;
}

/** Records that `synthesized`'s local form was validated (by the process that synthesized it). */
export function markValidated(synthesized: SynthesizedRun): void {
  if (validated.has(synthesized)) return;
  validated.add(synthesized);
  validatedContent.add(contentKey(synthesized));
}
