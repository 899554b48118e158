/** `dsim replay FILE`: run a failure file again, confirm its trace hash, say whether it still fails. */
import { isUnfinished } from '../kernel/findings.js';
import { readFileSync, statSync } from 'node:fs';
import chalk from 'chalk';
import { failedChecks, parseFailureHeader, scenarioDigest, type FailureHeader } from '../fuzz/index.js';
import { ScenarioError, type Scenario } from '../scenario/resolve.js';
import { MAX_SCENARIO_BYTES } from '../scenario/yaml.js';
import type { RunResult } from '../runner/index.js';
import { EXIT, type ExitCode } from './errors.js';
import { formatRun } from './format.js';
import { loadScenarioFile, protocolsFor } from './load.js';
import { probeLoad } from './probe.js';
import { runOne, toJson, type Io, type RunJob } from './run.js';
import { dsimVersion } from './version.js';
import { parseHangTimeoutMs, parseMemoryLimitMb, parseWallLimitMs, watchedRunner, type WatchLimits } from './watchdog.js';
import { jsonText } from '../core/short-json.js';

/** `dsim replay FILE`: run it, confirm the recorded trace hash, say whether it still fails. */
export async function replayCommand(
  file: string,
  opts: { module?: string; json?: boolean; hangTimeout?: string; memoryLimit?: string; wallLimit?: string; html?: string; timeline?: boolean },
  io: Io,
): Promise<ExitCode> {
  const limits: WatchLimits = { hangTimeoutMs: parseHangTimeoutMs(opts.hangTimeout), memoryLimitMb: parseMemoryLimitMb(opts.memoryLimit), wallLimitMs: parseWallLimitMs(opts.wallLimit) };
  const text = readText(file);
  const header = text === undefined ? {} : parseFailureHeader(text);
  const version = dsimVersion();
  let scenario: Scenario;
  try {
    await probeLoad(opts.module, [file], limits);
    scenario = await loadScenarioFile(file, await protocolsFor(opts.module));
  } catch (error) {
    // A file from another version may use fields this one does not know: say which wrote it.
    if (error instanceof ScenarioError && header.dsimVersion !== undefined && header.dsimVersion !== version) {
      throw new ScenarioError(error.file, [...error.issues, { path: [], message: `the file was written by dsim ${header.dsimVersion}; this is dsim ${version}` }]);
    }
    throw error;
  }
  // Under the watchdog like `dsim run`: a failure file of a hang must report the hang, not hang.
  const job: RunJob = {
    file: scenario.file,
    ...(opts.module !== undefined ? { protocolModule: opts.module } : {}),
    ...(opts.html !== undefined ? { htmlPath: opts.html } : {}),
    timeline: opts.timeline === true,
    colour: !opts.json && chalk.level > 0,
    checkDeterminism: false,
  };
  const watched = watchedRunner(limits);
  let row;
  try {
    row = watched !== undefined ? await watched.run(job, scenario) : runOne(scenario, job);
  } finally {
    await watched?.close();
  }
  if (row.timeline !== undefined) (opts.json ? io.err : io.out)(row.timeline);
  const { result, wallMs, simulateMs } = row;
  const stopped = result.findings.find((f) => isUnfinished(f.kind));
  const hung = stopped !== undefined;
  const recorded = header.traceHash !== undefined && /^[0-9a-f]+$/.test(header.traceHash) ? header.traceHash : undefined;
  const hash = hung
    ? { status: 'none' as const, text: `no trace hash: the run never finished (recorded: ${header.traceHash ?? 'none'})` }
    : recorded === undefined
      ? { status: 'unrecorded' as const, text: `trace hash ${result.traceHash} (the file records none to compare)` }
      : recorded === result.traceHash
        ? { status: 'same' as const, text: `trace hash ${result.traceHash}: the same run, event for event, as when it was recorded` }
        : {
            status: 'differs' as const,
            text:
              `trace hash DIFFERS: recorded ${recorded}, now ${result.traceHash}: the run is no longer the one recorded ` +
              `(${whatDiffers(header, scenario, text ?? '', version)}); the verdict below is for the run as it is now`,
          };
  const still = failedChecks(result);
  const verdict = hung ? `${stopped.kind === 'wall-limit' ? 'UNDECIDED' : 'STILL FAILS'}: ${stopped.kind}: ${stopped.message}` : judge(result, header);
  if (opts.json) {
    io.out(jsonText({ ...toJson(result, wallMs), replay: { recordedTraceHash: header.traceHash ?? null, traceHash: hash.status, stillFails: result.expectation === 'broken', hang: hung && stopped.kind !== 'wall-limit', stopped: stopped?.kind ?? null, failed: still } }));
  } else {
    io.out(formatRun(result, wallMs, simulateMs));
    if (opts.html !== undefined && !hung) io.out(`${chalk.dim('report'.padEnd(10))}${opts.html}`);
    io.out(hash.status === 'differs' ? chalk.yellow(hash.text) : hash.text);
    io.out(result.expectation === 'broken' ? chalk.red(verdict) : result.expectation === 'held' ? chalk.green(verdict) : chalk.yellow(verdict));
  }
  return result.expectation === 'broken' ? EXIT.violated : result.expectation === 'held' ? EXIT.ok : EXIT.unknown;
}

/** The file's text for its header, if it is a regular file of a sane size (a FIFO would block). */
function readText(file: string): string | undefined {
  try {
    const stats = statSync(file);
    return stats.isFile() && stats.size <= MAX_SCENARIO_BYTES ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined; // loading the scenario says why
  }
}

/** Why a trace hash differs, as exactly as the file lets us tell: the file edited, another dsim, or the code. */
export function whatDiffers(header: FailureHeader, scenario: Pick<Scenario, 'seed'>, text: string, version: string): string {
  const reasons: string[] = [];
  if (header.seed !== undefined && header.seed !== String(scenario.seed)) reasons.push(`the file was edited: its scenario's seed is ${String(scenario.seed)}, the header's ${header.seed}`);
  else if (header.scenarioDigest !== undefined && header.scenarioDigest !== scenarioDigest(text)) reasons.push('the file was edited: its scenario is not the one written');
  if (header.dsimVersion !== undefined && header.dsimVersion !== version) reasons.push(`dsim ${header.dsimVersion} wrote it, this is dsim ${version}`);
  if (reasons.length > 0) return reasons.join('; ');
  return header.scenarioDigest !== undefined
    ? `the same scenario and dsim ${version}: the code changed since (the protocol, or dsim built from other sources)`
    : 'the code changed since, or the file was edited (it records no scenario digest to tell)';
}

/** The verdict against the file's own expectation: `expect: pass` (a fuzz failure) or the checks it expects to fail. */
function judge(result: RunResult, header: FailureHeader): string {
  const still = failedChecks(result);
  if (result.expectation === 'inconclusive') return 'INCONCLUSIVE: a check could not decide';
  if (result.expected === 'pass') {
    return result.expectation === 'broken'
      ? `STILL FAILS: ${still.map((c) => `${c.name} [${c.kind}]`).join(', ')}`
      : `NOW PASSES: every check held${header.failingChecks?.length ? ` (it failed ${header.failingChecks.join(', ')} when recorded)` : ''}`;
  }
  const expected = result.expected.violates;
  if (result.expectation === 'held') return `AS THE FILE EXPECTS: ${expected.join(', ')} still ${expected.length === 1 ? 'fails' : 'fail'}, every other check held`;
  const against = still.map((c) => (expected.includes(c.name) ? `${c.name} now holds` : `${c.name} fails [${c.kind}]`));
  return `NOT AS THE FILE EXPECTS (${expected.join(', ')} to fail, every other check to hold): ${against.join(', ')}`;
}
