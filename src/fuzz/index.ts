/**
 * Property-based fault fuzzing as a library:
 *
 *   import fc from 'fast-check';
 *   import { scenarioArbitrary, simulate } from 'dsim/fuzz';
 *   fc.assert(fc.property(scenarioArbitrary({ protocol: 'broadcast' }), (s) => simulate(s).expectation === 'held'));
 *
 * See docs/FUZZING.md.
 */
export {
  FAULT_KINDS,
  DEFAULT_FAULT_KINDS,
  MAX_OPERATOR_ACTIONS,
  mutationLimits,
  faultGenesMax,
  PARTITION_SHAPES,
  fuzzSetup,
  genomeArbitrary,
  genomeToScenario,
  scenarioArbitrary,
  scenarioSize,
  type FaultGene,
  type FuzzFaultKind,
  type FuzzSetup,
  type GenomeContext,
  type Level,
  type ScenarioArbitraryOptions,
  type ScenarioGenome,
  type ScenarioObject,
  type ScenarioSize,
} from './arbitraries.js';
export { simulate, type SimulateOptions } from './simulate.js';
export { assertHeld, ExpectationError } from '../runner/assert-held.js';
export {
  HANG_TRACE_HASH,
  firstScenario,
  fuzzRun,
  fuzzSeed,
  hangOutcome,
  runSeedOf,
  failedChecks,
  type FailedCheck,
  type FirstRun,
  type FuzzFailure,
  type FuzzRunOptions,
  type FuzzRunOutcome,
} from './engine.js';
export { FUZZ_PROFILES, LIVENESS_CHECKS, isLivenessCheck, profileFor, type FuzzProfile, type PerLevel, type Range } from './profiles.js';
export { CHOICE_RANGE, configurationDraw, configGeneArbitrary, defaultGene, minimalOptions, pickIndex, resolveConfiguration, type ConfigGene, type ConfigurationDraw, type RunConfiguration } from './configuration.js';
export { operatorEntries, operatorGeneArbitrary, sparesFor, type OperatorGene } from './operators.js';
export { BATCH_RUNS, Corpus, type CorpusEntry, type RunPlan } from './corpus.js';
export { COVERAGE_SIZE, CoverageRecorder } from './coverage.js';
export { mutateGenome, type MutationLimits } from './mutate.js';
export { describeShrink, describeSize, failureFileName, parseFailureHeader, parseFailureScenario, renderFailureFile, scenarioDigest, scenarioYaml, type ArtifactMeta, type FailureHeader } from './artifact.js';
export { WHOLE, parseShard, runIndexOf, runsInShard, type Shard } from './shard.js';
export { runCampaign, type CampaignOptions, type CampaignSummary } from './campaign.js';
