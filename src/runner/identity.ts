import type { Scenario } from '../scenario/resolve.js';
import type { RunResult } from './run.js';

/** What names a run: the scenario, its protocol configuration and the seed. */
export function identity(scenario: Scenario, seed: string): Pick<RunResult, 'scenario' | 'file' | 'protocol' | 'options' | 'flaws' | 'seed' | 'nodes' | 'groups'> {
  return {
    scenario: scenario.name,
    file: scenario.file,
    protocol: scenario.protocol.name,
    options: scenario.options,
    flaws: scenario.flaws,
    seed,
    nodes: scenario.nodes,
    ...(scenario.groups !== undefined ? { groups: scenario.groups.map((g) => ({ name: g.name, protocol: g.protocol.name, nodes: g.nodes, options: g.options, flaws: g.flaws })) } : {}),
  };
}
