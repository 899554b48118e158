// Runs the million-event scenario from the compiled build in a fresh process and prints its peak
// memory. Plain JS on purpose: a TypeScript loader in the process would be measured too.
import { resolveScenario } from '../dist/scenario/index.js';
import { runScenario } from '../dist/runner/index.js';
import { MILLION_EVENT_SCENARIO } from './million-events.mjs';

const started = performance.now();
const result = runScenario(resolveScenario(MILLION_EVENT_SCENARIO, 'million-events'));
const wallMs = performance.now() - started;
process.stdout.write(JSON.stringify({ events: result.events, wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, expectation: result.expectation }) + '\n');
