/**
 * dsim's public API: the protocol contract for writing your own protocol, scenarios and the runner
 * for driving it, the kernel for lower-level tests, and the checkers. Kept small on purpose.
 */
export type {
  NodeId,
  Op,
  ClientRequest,
  OpResult,
  NodeContext,
  AdminCommand,
  Protocol,
  ProtocolDefinition,
  ProtocolCheck,
  ProtocolCheckInput,
  Invariant,
  ClusterView,
  NodeView,
  NodeStatus,
  CheckVerdict,
  FlawInfo,
  OptionsIssue,
  OptionsResult,
  HistoryEvent,
  History,
  Operation,
  EventType,
} from './core/index.js';
export { pairOperations, HistoryError, parseDurationUs, parseRatePerSecond, formatUs, MS, SECOND } from './core/index.js';

export { Rng, RNG_ALGORITHM } from './rng/index.js';
export { Simulation, DEFAULT_LIMITS, type SimulationOptions, type KernelLimits, type SimStats, type Finding, type FindingKind } from './kernel/index.js';
export { Network, type NetworkConfig, type LatencySpec, type PartitionSpec } from './network/index.js';
export type { FaultAction, FaultEvent, PartitionRequest } from './faults/index.js';
export { TraceRecorder, describeTraceEvent, type TraceEvent, type TraceSink } from './trace/index.js';

export { parseScenarioText, resolveScenario, ScenarioError, scenarioJsonSchema, type Scenario, type ScenarioInput } from './scenario/index.js';
export { runScenario, judgeExpectation, assertHeld, ExpectationError, type RunResult, type RunOptions, type CheckResult } from './runner/index.js';
export { builtinProtocols, protocolRegistry } from './protocols/index.js';
export { checkDurable, checkConverged, checkLiveness, canonicalJson } from './checkers/generic.js';
export {
  checkLinearizability,
  getModel,
  models,
  modelNames,
  type Model,
  type LinearizabilityOptions,
  type LinearizabilityResult,
} from './checkers/linearizability/index.js';
export { scenarioArbitrary, simulate, type ScenarioArbitraryOptions, type SimulateOptions } from './fuzz/index.js';
export { parseHistory, toEdn, toJsonLines, HistoryParseError } from './history/index.js';
export { renderRunHtml, buildReportData, isReportEvent, type ReportData, type ReportInput, type ReportLimits } from './report/html.js';
export { renderTimeline, isTimelineEvent, type Paint, type TimelineStyle } from './report/timeline.js';
