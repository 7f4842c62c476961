import type { AslState } from '../lib/state-machine/synthesized-definition';

/**
 * Every state of a definition, its Distributed Maps' item processors included, by name: what
 * `allStates` of lib/state-machine/synthesized-definition.ts gives, without loading the module
 * that synthesizes (and with it the AWS CDK) into the runner's process.
 */
export function statesOf(definition: { readonly States: Record<string, AslState> }): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.ItemProcessor ? statesOf(state.ItemProcessor) : []),
  ]);
}
