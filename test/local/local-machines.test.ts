import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition, SynthesizedRun } from '../../lib/state-machine/synthesized-definition';
import { prepareLocalDefinition } from '../../local/local-definition';
import { buildLocalMachines, localMachinesOf, markValidated } from '../../local/local-machines';
import { validatePayloadTemplates } from '../../local/payload-template';

/** A definition aws-local-stepfunctions' validator refuses: `Next` names a state there is not. */
const INVALID: StateMachineDefinition = {
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:000000000000:function:W', Next: 'Nowhere' },
  },
};

/** A valid definition with a Distributed Map that has an ItemSelector. */
const WITH_MAP: StateMachineDefinition = {
  StartAt: 'Items',
  States: {
    Items: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'item.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ...({ ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } } as object),
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:000000000000:function:W', End: true },
        },
      },
      End: true,
    },
  },
};

const synthesizedRun = (definition: StateMachineDefinition): SynthesizedRun => ({
  definition,
  tasks: {},
  serviceTasks: { publishReport: '-', emitRunEvent: '-' },
});

describe('buildLocalMachines', () => {
  it('validates the definition when asked to, and only then', () => {
    // Prepare
    const local = prepareLocalDefinition(INVALID, 0);

    // Act & Assess
    expect(() => buildLocalMachines(local, true)).toThrow(/Nowhere/);
    expect(() => buildLocalMachines(local, false)).not.toThrow();
  });

  it("builds each Distributed Map's processor and templates", async () => {
    // Act
    const machines = buildLocalMachines(prepareLocalDefinition(WITH_MAP, 0), true);

    // Assess
    const templates = machines.templates.get('Items');
    expect(machines.processors.has('Items')).toBe(true);
    expect(await templates?.items.evaluate({ items: [1, 2] }, {})).toEqual({ items: [1, 2] });
    expect(await templates?.itemSelector?.evaluate({}, { Map: { Item: { Index: 0, Value: 7 } } })).toEqual({
      item: 7,
    });
  });
});

describe('localMachinesOf', () => {
  it('validates a synthesized run the first time it runs', () => {
    // Act & Assess
    const synthesized = synthesizedRun(INVALID);
    expect(() => localMachinesOf(synthesized, prepareLocalDefinition(INVALID, 0))).toThrow(/Nowhere/);
    expect(() => localMachinesOf(synthesized, prepareLocalDefinition(INVALID, 0))).toThrow(/Nowhere/);
  });

  it('does not validate again a definition already validated under another object', () => {
    // Prepare: the same content, synthesized twice (a test file or benchmark repeats a configuration)
    const content = { ...INVALID, Comment: 'validated once' } as StateMachineDefinition;
    markValidated(synthesizedRun(content));

    // Act & Assess
    const again = synthesizedRun(structuredClone(content));
    expect(() => localMachinesOf(again, prepareLocalDefinition(again.definition, 0))).not.toThrow();
    const changed = synthesizedRun({ ...content, Comment: 'changed' } as StateMachineDefinition);
    expect(() => localMachinesOf(changed, prepareLocalDefinition(changed.definition, 0))).toThrow(/Nowhere/);
  });

  it('trusts a synthesized run validated where it was synthesized', () => {
    // Prepare
    const marked = synthesizedRun(INVALID);
    markValidated(marked);

    // Act & Assess
    expect(() => localMachinesOf(marked, prepareLocalDefinition(INVALID, 0))).not.toThrow();
  });
});

describe('validatePayloadTemplates', () => {
  it('validates every template in one machine and names the one it refuses', () => {
    expect(() =>
      validatePayloadTemplates([{ 'items.$': '$.items' }, { 'item.$': '$$.Map.Item.Value' }]),
    ).not.toThrow();
    expect(() => validatePayloadTemplates([{ 'items.$': '$.items' }, null])).toThrow(/Template1\/Parameters/);
  });
});
