/**
 * The test Stryker runs against each mutant of src/protocols: for every built-in protocol, the
 * default fuzz campaign — what `dsim fuzz --protocol P` does with no other flag — over a fixed
 * campaign seed and a bounded number of runs. It fails when any run fails, so a mutant is "killed"
 * exactly when the default campaign would have reported it to a user.
 *
 * It calls the real command in this process (fuzzCommand), not a hard-coded profile, so whatever
 * the defaults are when it runs (swarm, profiles, checks) is what is measured. Two differences
 * from the command line, neither of which changes whether a run fails:
 * - `--hang-timeout 0 --memory-limit 0`: runs stay in this thread, where Stryker activates the
 *   mutant (a worker thread would run the unmutated code: either watchdog alone moves the runs into
 *   a worker). A handler that never returns is then Stryker's "timeout" (counted as detected); a
 *   livelock still fails `health` at the event limit.
 * - `--shrink-budget 0`: a failure is reported unshrunk (shrinking only costs time here).
 *
 * Not part of `npm test` (vitest.config.ts includes only test/ and src/); `npm run mutation` runs
 * it under Stryker, `npx vitest run -c vitest.mutation.config.ts` runs it alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzCommand } from '../src/cli/fuzz.js';
import { protocolRegistry } from '../src/protocols/index.js';

/** Runs per protocol and the campaign seed: campaign.json (as campaign-settings.mjs reads it; README.md says why). */
const settings = JSON.parse(readFileSync(new URL('./campaign.json', import.meta.url), 'utf8')) as { runs: number; seed: number };
const CAMPAIGN_RUNS = Number(process.env['DSIM_MUTATION_RUNS'] ?? settings.runs);
const CAMPAIGN_SEED = Number(process.env['DSIM_MUTATION_SEED'] ?? settings.seed);

const out = mkdtempSync(join(tmpdir(), 'dsim-mutation-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('default fuzz campaign', () => {
  for (const protocol of protocolRegistry().keys()) {
    it(protocol, async () => {
      const lines: string[] = [];
      const code = await fuzzCommand(
        {
          protocol,
          runs: String(CAMPAIGN_RUNS),
          seed: String(CAMPAIGN_SEED),
          hangTimeout: '0',
          memoryLimit: '0',
          shrinkBudget: '0',
          out: join(out, protocol),
          json: true,
          progress: false,
        },
        { out: (text) => lines.push(text), err: (text) => lines.push(text) },
      );
      const summary = JSON.parse(lines.at(-1) ?? '{}') as { failed?: number; failures?: { index: number; failed: { name: string; detail: string }[]; error?: string }[] };
      const first = summary.failures?.[0];
      const why = first === undefined ? '' : `run ${first.index}: ${first.error ?? first.failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`;
      expect(summary.failed, why).toBe(0);
      expect(code).toBe(0);
    });
  }
});
