/** Virtual time is an integer count of microseconds. */
export const US = 1;
export const MS = 1_000;
export const SECOND = 1_000_000;
export const MINUTE = 60 * SECOND;

const unitUs: Readonly<Record<string, number>> = { us: US, µs: US, ms: MS, s: SECOND, m: MINUTE, min: MINUTE };

/** Parses `150ms`, `2s`, `1.5s`, `1m`, `250us`; a bare number is microseconds. Undefined if malformed. */
export function parseDurationUs(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min)?\s*$/.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = unitUs[match[2] ?? 'us'];
  if (unit === undefined) return undefined;
  return Math.round(amount * unit);
}

/** Parses `200/s`, `5/ms`, `30/m`: events per second. Undefined if malformed. */
export function parseRatePerSecond(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(us|ms|s|m|min)\s*$/.exec(text);
  if (match === null) return undefined;
  const per = unitUs[match[2]!];
  if (per === undefined) return undefined;
  return (Number(match[1]) * SECOND) / per;
}

/** Formats microseconds for humans: 1.5s, 150ms, 20µs. */
export function formatUs(us: number): string {
  if (us % MINUTE === 0 && us >= 10 * MINUTE) return `${us / MINUTE}m`;
  if (us >= SECOND) return `${trim(us / SECOND)}s`;
  if (us >= MS) return `${trim(us / MS)}ms`;
  return `${us}µs`;
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1).replace(/\.?0+$/, '');
}
