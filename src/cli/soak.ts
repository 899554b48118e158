/**
 * `dsim run --soak`: progress of a long streamed run on stderr — how far in virtual time, events,
 * history events, speed against real time, memory — at most every few seconds of wall time, and
 * one closing line with the run's CPU time and peak memory.
 */
import { performance } from 'node:perf_hooks';
import { formatUs } from '../core/time.js';
import type { RunStatus } from '../runner/index.js';

/** Wall time between progress lines. */
const EVERY_MS = 5_000;

const count = (n: number): string => n.toLocaleString('en-US');
const megabytes = (bytes: number): string => `${Math.round(bytes / (1 << 20)).toLocaleString('en-US')} MB`;

export interface SoakReporter {
  readonly status: (status: RunStatus) => void;
  /** The closing line. */
  finish(virtualTimeUs: number): void;
}

export function soakReporter(write: (line: string) => void, everyMs = EVERY_MS): SoakReporter {
  const startedMs = performance.now();
  const cpuAtStart = process.cpuUsage();
  let nextMs = startedMs + everyMs;
  return {
    status(s) {
      const nowMs = performance.now();
      if (nowMs < nextMs) return;
      nextMs = nowMs + everyMs;
      const share = s.endUs > 0 ? ` (${Math.floor((100 * s.virtualTimeUs) / s.endUs)}%)` : '';
      const speed = s.virtualTimeUs / 1000 / (nowMs - startedMs);
      write(
        `soak  ${formatUs(s.virtualTimeUs)} of ${formatUs(s.endUs)} virtual${share}, ${count(s.events)} events, ${count(s.historyEvents)} history events, ${speed.toFixed(0)}x real time, rss ${megabytes(process.memoryUsage().rss)}`,
      );
    },
    finish(virtualTimeUs) {
      const cpu = process.cpuUsage(cpuAtStart);
      const wallS = (performance.now() - startedMs) / 1000;
      write(`soak  ${formatUs(virtualTimeUs)} virtual in ${wallS.toFixed(1)}s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)}s CPU, peak rss ${megabytes(process.resourceUsage().maxRSS * 1024)}`);
    },
  };
}
