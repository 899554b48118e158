// Checks one generated kv history with the compiled checker in a fresh process and prints its
// CPU time and peak memory: `node bench/linearizability-child.mjs '{"ops":100000,"keys":1,...}'`.
// Plain JS on purpose: a TypeScript loader in the process would be measured too.
import { checkLinearizability, createKvModel } from '../dist/checkers/linearizability/index.js';
import { generateKvHistory } from './generate-history.mjs';

const spec = JSON.parse(process.argv[2]);
const events = generateKvHistory(spec);
const before = process.cpuUsage();
const result = checkLinearizability(events, createKvModel(), spec.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: spec.maxMemoryBytes });
const cpu = process.cpuUsage(before);
process.stdout.write(
  JSON.stringify({
    verdict: result.kind,
    ...(result.kind === 'unknown' ? { reason: result.reason } : {}),
    events: events.length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    steps: result.stats.steps,
    peakCheckerMb: result.stats.peakMemoryBytes / 1024 / 1024,
    partitions: result.stats.partitions,
  }) + '\n',
);
