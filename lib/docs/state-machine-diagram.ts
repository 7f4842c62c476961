import type { AslChoice, AslState, StateMachineDefinition } from '../state-machine/synthesized-definition';

/**
 * A Mermaid flowchart of a state machine definition, drawn from the synthesized definition itself
 * so the README's diagram cannot drift from what is deployed: tasks as boxes, choices as diamonds
 * with their conditions on the edges, waits as stadiums, catches as dotted edges, and the
 * Distributed Map's item processor as a subgraph.
 */
export function stateMachineDiagram(
  definition: StateMachineDefinition,
  taskNotes: Readonly<Record<string, string>> = {},
): string {
  const lines = ['flowchart TD'];
  const edges: string[] = [];
  const draw = (states: Record<string, AslState>, startAt: string, indent: string) => {
    for (const name of orderOf(states, startAt)) {
      const state = states[name];
      if (!state) continue;
      lines.push(`${indent}${node(name, state, taskNotes[name])}`);
      if (state.ItemProcessor) {
        lines.push(`${indent}subgraph ${id(name)}_items ["${name}: one child execution per collection"]`);
        lines.push(`${indent}  direction TB`);
        draw(state.ItemProcessor.States, state.ItemProcessor.StartAt, `${indent}  `);
        lines.push(`${indent}end`);
        edges.push(`${id(name)} -.->|each item| ${id(state.ItemProcessor.StartAt)}`);
      }
      for (const choice of state.Choices ?? []) {
        if (choice.Next) edges.push(`${id(name)} -->|"${condition(choice)}"| ${id(choice.Next)}`);
      }
      if (state.Default) edges.push(`${id(name)} -->|otherwise| ${id(state.Default)}`);
      if (state.Next) edges.push(`${id(name)} --> ${id(state.Next)}`);
      for (const c of state.Catch ?? []) {
        const errors = c.ErrorEquals.join(', ') === 'States.ALL' ? '' : ` ${c.ErrorEquals.join(', ')}`;
        edges.push(
          `${id(name)} -.->|"catch${errors}${c.ResultPath ? ` → ${c.ResultPath}` : ''}"| ${id(c.Next)}`,
        );
      }
    }
  };
  draw(definition.States, definition.StartAt, '  ');
  lines.push(...edges.map((e) => `  ${e}`));
  lines.push('  classDef milvus fill:#e8f0fe,stroke:#4a6fd1', '  classDef fail fill:#fde8e8,stroke:#c53030');
  const milvus = Object.keys(taskNotes).filter((n) => taskNotes[n]?.includes('Milvus'));
  if (milvus.length > 0) lines.push(`  class ${milvus.map(id).join(',')} milvus`);
  const fails = allNames(definition)
    .filter(([, s]) => s.Type === 'Fail')
    .map(([n]) => id(n));
  if (fails.length > 0) lines.push(`  class ${fails.join(',')} fail`);
  return `${lines.join('\n')}\n`;
}

/** States in the order a reader meets them: breadth-first from the start. */
function orderOf(states: Record<string, AslState>, startAt: string): string[] {
  const seen: string[] = [];
  const queue = [startAt];
  while (queue.length > 0) {
    const name = queue.shift();
    if (name === undefined || seen.includes(name) || !states[name]) continue;
    seen.push(name);
    const s = states[name];
    queue.push(
      ...[
        s.Next,
        ...(s.Choices ?? []).map((c) => c.Next),
        s.Default,
        ...(s.Catch ?? []).map((c) => c.Next),
      ].filter((n): n is string => n !== undefined),
    );
  }
  return [...seen, ...Object.keys(states).filter((n) => !seen.includes(n))];
}

function allNames(definition: { States: Record<string, AslState> }): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([n, s]) => [
    [n, s] as [string, AslState],
    ...(s.ItemProcessor ? allNames(s.ItemProcessor) : []),
  ]);
}

function id(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

function node(name: string, state: AslState, note: string | undefined): string {
  const label = note ? `${name}<br/><small>${note}</small>` : name;
  switch (state.Type) {
    case 'Choice':
      return `${id(name)}{"${label}"}`;
    case 'Wait':
      return `${id(name)}(["${label}<br/><small>wait ${String(state.SecondsPath ?? state.Seconds ?? '')}</small>"])`;
    case 'Pass':
      return `${id(name)}[/"${label}"/]`;
    case 'Succeed':
    case 'Fail':
      return `${id(name)}(("${label}"))`;
    case 'Map':
      return `${id(name)}[["${label}"]]`;
    default:
      return `${id(name)}["${label}"]`;
  }
}

/** A Choice rule as a short condition: `run.mode = "full" and run.dryRun = false`. */
export function condition(rule: AslChoice): string {
  const and = rule.And as AslChoice[] | undefined;
  const or = rule.Or as AslChoice[] | undefined;
  const not = rule.Not as AslChoice | undefined;
  if (and) {
    // A guard that a path is present before it is compared says nothing a reader needs.
    const compared = new Set(and.filter((r) => r.IsPresent === undefined).map((r) => r.Variable));
    return and
      .filter((r) => !(r.IsPresent === true && compared.has(r.Variable)))
      .map(condition)
      .join(' and ');
  }
  if (or) return or.map(condition).join(' or ');
  if (not) return `not ${condition(not)}`;
  const variable = String(rule.Variable ?? '').replace(/^\$\./, '');
  const [operator, value] = Object.entries(rule).find(([k]) => k !== 'Variable' && k !== 'Next') ?? ['', ''];
  if (operator === 'IsPresent') return `${variable} ${value === true ? 'present' : 'absent'}`;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return operator.endsWith('Equals') ? `${variable} = ${shown}` : `${variable} ${operator} ${shown}`;
}
