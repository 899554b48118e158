/** "Did you mean": unknown protocols, flaws, checks, fields, options, fault kinds and models, in process. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { closest } from '../../src/core/suggest.js';

async function dsimErr(args: readonly string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const code = await main(['node', 'dsim', ...args], { out: (t) => lines.push(t), err: (t) => lines.push(t) });
  return { code, err: lines.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'dsim-suggest-'));
const scenario = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('did you mean', () => {
  it('closest: a near miss, never a far one, case aside', () => {
    expect(closest('rafts', ['raft', 'paxos'])).toBe('raft');
    expect(closest('Raft', ['raft'])).toBe('raft');
    expect(closest('zookeeper', ['raft', 'paxos'])).toBeUndefined();
    expect(closest('raft', ['raft'])).toBeUndefined();
  });

  it('in scenario files: protocol, field (at any depth), flaw, check, protocol option', async () => {
    const cases: Array<[string, RegExp]> = [
      ['protocol: rafts\n', /unknown protocol "rafts" \(did you mean "raft"\?\)/],
      ['protocol: raft\nchekcs: [linearizable]\n', /unknown field chekcs \(did you mean "checks"\?\)/],
      ['protocol: raft\nworkload: { clints: 3 }\n', /workload: unknown field clints \(did you mean "clients"\?\)/],
      ['protocol: raft\nflaws: [stale-reads]\n', /unknown flaw "stale-reads" for raft \(did you mean "stale-read"\?\)/],
      ['protocol: raft\nchecks: [linearisable]\n', /unknown check "linearisable" \(did you mean "linearizable"\?\)/],
      ['protocol: raft\noptions: { heartbeatUS: 10ms }\n', /options: unknown option heartbeatUS \(did you mean "heartbeatUs"\?\)/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const r = await dsimErr(['run', scenario(`s${i}.yaml`, text)]);
      expect({ text, code: r.code }).toEqual({ text, code: 3 });
      expect(r.err).toMatch(message);
    }
  });

  it('on the command line: commands, options, protocols, fault kinds, models', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['rn', 'x.yaml'], /\(Did you mean run\?\)/],
      [['run', 'x.yaml', '--sede', '3'], /\(Did you mean --seed\?\)/],
      [['fuzz', '--protocol', 'paxso', '--runs', '1'], /unknown protocol "paxso" \(did you mean "paxos"\?\)/],
      [['fuzz', '--protocol', 'raft', '--faults', 'crsh', '--runs', '1'], /crsh \(did you mean "crash"\?\)/],
      [['check', 'x.edn', '--model', 'kvv'], /unknown model "kvv" \(did you mean "kv"\?\)/],
    ];
    for (const [args, message] of cases) {
      const r = await dsimErr(args);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.err).toMatch(message);
    }
  });
});
