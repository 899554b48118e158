/** Runs a scenario object (as the arbitraries make, or as parsed from YAML) and judges it. */
import type { ProtocolDefinition } from '../core/protocol.js';
import type { CallWatch } from '../kernel/watch.js';
import { protocolRegistry } from '../protocols/index.js';
import { runScenario, type RunResult } from '../runner/run.js';
import { resolveScenario } from '../scenario/resolve.js';
import { coverageWatcher, type CoverageRecorder } from './coverage.js';

export interface SimulateOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number | string;
  /** Protocols by name (default: the built-ins). */
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
  /** Names the scenario in messages (default "<fuzz>"). */
  readonly file?: string;
  /** Heartbeat while simulating (a watchdog in another thread watches it; see cli/watchdog.ts). */
  readonly onProgress?: (phase: 'simulate' | 'check', events: number) => void;
  /** Records the run's coverage features (coverage feedback). */
  readonly coverage?: CoverageRecorder;
  /** Cells a watchdog reads to judge each protocol call (see kernel/watch.ts). */
  readonly callWatch?: CallWatch;
}

let builtins: Map<string, ProtocolDefinition> | undefined;

/**
 * Validates and runs one scenario object. Throws ScenarioError when it is not a valid scenario.
 * `result.expectation` is 'held' when every check came out as the scenario expects.
 */
export function simulate(scenario: unknown, options: SimulateOptions = {}): RunResult {
  const protocols = options.protocols ?? (builtins ??= protocolRegistry());
  const resolved = resolveScenario(scenario, options.file ?? '<fuzz>', { protocols });
  return runScenario(resolved, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.coverage !== undefined ? { watch: coverageWatcher(options.coverage) } : {}),
    ...(options.callWatch !== undefined ? { callWatch: options.callWatch } : {}),
  });
}
