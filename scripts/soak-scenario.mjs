#!/usr/bin/env node
// Prints a soak scenario: 5-node Raft for HOURS of virtual time (decimals allowed), 50 ops/s from
// five clients over ten keys, 1% loss, snapshots every 200 entries, and a 3 s fault every minute
// (the leader crashed, the leader isolated, a follower crashed, a majority-minority split, in
// turn), judged by every check. The figures in docs/PERFORMANCE.md come from it:
//   node scripts/soak-scenario.mjs --hours 24 > soak.yaml && npx dsim run soak.yaml --soak
const at = process.argv.indexOf('--hours');
const hours = at === -1 ? 1 : Number(process.argv[at + 1]);
if (!(hours > 0)) {
  console.error('usage: node scripts/soak-scenario.mjs --hours H   (H > 0, decimals allowed)');
  process.exit(3);
}
const durationS = Math.round(hours * 3600);
const faults = ['crash: leader', 'partition: isolate, target: leader', 'crash: n2', 'partition: majority-minority'];
const lines = [
  `# A ${hours}-hour soak: 5-node Raft under a fault every minute, every check on (scripts/soak-scenario.mjs).`,
  `name: raft-soak-${hours}h`,
  'protocol: raft',
  'nodes: 5',
  'seed: 1',
  `duration: ${durationS}s`,
  'options: { snapshotEvery: 200 }',
  'network:',
  '  latency: { dist: exponential, mean: 5ms, min: 1ms }',
  '  loss: 0.01',
  'workload: { model: kv, clients: 5, keys: 10, rate: 50/s, timeout: 1s }',
  'faults:',
];
for (let minute = 1; minute * 60 + 10 < durationS; minute++) lines.push(`  - { at: ${minute * 60 + 7}s, ${faults[minute % faults.length]}, for: 3s }`);
if (lines[lines.length - 1] === 'faults:') lines.pop();
// 61 million events in 24 hours: the default budget (20 million) is for ordinary runs.
lines.push(`limits: { events: ${Math.max(20_000_000, Math.ceil(hours * 4_000_000))} }`);
lines.push('checks: [linearizable, durable, converged, liveness, invariants]');
console.log(lines.join('\n'));
