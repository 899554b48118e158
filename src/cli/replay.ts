/** `dsim replay FILE`: run a failure file again, confirm its trace hash, say whether it still fails. */
import { readFileSync } from 'node:fs';
import chalk from 'chalk';
import { failedChecks, parseFailureHeader } from '../fuzz/index.js';
import { EXIT, type ExitCode } from './errors.js';
import { formatRun } from './format.js';
import { loadScenarioFile, protocolsFor } from './load.js';
import { probeLoad } from './probe.js';
import { runOne, toJson, type Io, type RunJob } from './run.js';
import { dsimVersion } from './version.js';
import { parseHangTimeoutMs, parseMemoryLimitMb, watchedRunner, type WatchLimits } from './watchdog.js';
import { jsonText } from '../core/short-json.js';

/** `dsim replay FILE`: run it, confirm the recorded trace hash, say whether it still fails. */
export async function replayCommand(file: string, opts: { module?: string; json?: boolean; hangTimeout?: string; memoryLimit?: string; html?: string; timeline?: boolean }, io: Io): Promise<ExitCode> {
  const limits: WatchLimits = { hangTimeoutMs: parseHangTimeoutMs(opts.hangTimeout), memoryLimitMb: parseMemoryLimitMb(opts.memoryLimit) };
  await probeLoad(opts.module, [file], limits);
  const protocols = await protocolsFor(opts.module);
  const scenario = await loadScenarioFile(file, protocols);
  const header = parseFailureHeader(readFileSync(file, 'utf8'));
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
  const stopped = result.findings.find((f) => f.kind === 'hang' || f.kind === 'out-of-memory' || f.kind === 'process-exit');
  const hung = stopped !== undefined;
  const version = dsimVersion();
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
              `(the code changed since${header.dsimVersion !== undefined && header.dsimVersion !== version ? `; dsim ${header.dsimVersion} then, ${version} now` : ''}); the verdict below is for the run as it is now`,
          };
  const still = failedChecks(result);
  const verdict = hung
    ? `STILL FAILS: ${stopped.kind}: ${stopped.message}`
    : result.expectation === 'broken'
      ? `STILL FAILS: ${still.map((c) => `${c.name} [${c.kind}]`).join(', ')}`
      : result.expectation === 'held'
        ? `NOW PASSES: every check held${header.failingChecks?.length ? ` (it failed ${header.failingChecks.join(', ')} when recorded)` : ''}`
        : 'INCONCLUSIVE: a check could not decide';
  if (opts.json) {
    io.out(jsonText({ ...toJson(result, wallMs), replay: { recordedTraceHash: header.traceHash ?? null, traceHash: hash.status, stillFails: result.expectation === 'broken', hang: hung, failed: still } }));
  } else {
    io.out(formatRun(result, wallMs, simulateMs));
    if (opts.html !== undefined && !hung) io.out(`${chalk.dim('report'.padEnd(10))}${opts.html}`);
    io.out(hash.status === 'differs' ? chalk.yellow(hash.text) : hash.text);
    io.out(result.expectation === 'broken' ? chalk.red(verdict) : result.expectation === 'held' ? chalk.green(verdict) : chalk.yellow(verdict));
  }
  return result.expectation === 'broken' ? EXIT.violated : result.expectation === 'held' ? EXIT.ok : EXIT.unknown;
}
