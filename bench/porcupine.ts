/**
 * Porcupine, measured: builds bench/porcupine/driver.go against a local Porcupine checkout and
 * times it on the same histories as dsim, in the same run.
 *
 * Nothing is fetched. The checkout is $PORCUPINE_SRC, else bench/.porcupine (gitignored; fill it
 * once with `git clone https://github.com/anishathalye/porcupine bench/.porcupine`). Without a
 * checkout or a Go toolchain the bench says what it skipped and reports dsim's numbers alone.
 * Porcupine's code is never copied into this repository: the driver imports it as a module.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryEvent } from '../src/core/history.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** One history in Porcupine's event form. */
export interface PorcupineCase {
  readonly name: string;
  readonly model: 'etcd' | 'kv';
  /** Batches for this case (long cases take fewer). */
  readonly batches?: number;
  readonly events: readonly PorcupineEvent[];
}

type PorcupineEvent =
  | { readonly ret: false; readonly id: number; readonly client: number; readonly in: Record<string, unknown> }
  | { readonly ret: true; readonly id: number; readonly client: number; readonly out: Record<string, unknown> };

export interface PorcupineResult {
  readonly name: string;
  readonly linearizable: boolean;
  /** CPU time per check, ms: best batch. */
  readonly cpuMs: number;
  readonly iterations: number;
}

export type PorcupineAvailability = { readonly available: true; readonly binary: string; readonly source: string } | { readonly available: false; readonly why: string };

function sourceDir(): string {
  return process.env.PORCUPINE_SRC ?? path.join(here, '.porcupine');
}

/** Builds the driver (cached by the hash of its source and Porcupine's), or says why not. */
export function porcupineDriver(): PorcupineAvailability {
  const source = sourceDir();
  if (!existsSync(path.join(source, 'checker.go'))) {
    return { available: false, why: `no Porcupine checkout at ${source} (set PORCUPINE_SRC, or: git clone https://github.com/anishathalye/porcupine ${path.relative(process.cwd(), source)})` };
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) return { available: false, why: 'no Go toolchain on PATH (Debian: apt-get install golang-go)' };
  const driver = readFileSync(path.join(here, 'porcupine', 'driver.go'), 'utf8');
  const hash = createHash('sha256');
  hash.update(driver).update(go.stdout);
  for (const file of ['checker.go', 'model.go', 'porcupine.go', 'bitset.go']) {
    if (existsSync(path.join(source, file))) hash.update(readFileSync(path.join(source, file)));
  }
  const dir = path.join(tmpdir(), `dsim-porcupine-${hash.digest('hex').slice(0, 16)}`);
  const binary = path.join(dir, 'driver');
  if (existsSync(binary)) return { available: true, binary, source };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'driver.go'), driver);
  writeFileSync(
    path.join(dir, 'go.mod'),
    `module dsimbench\n\ngo 1.16\n\nrequire github.com/anishathalye/porcupine v0.0.0\n\nreplace github.com/anishathalye/porcupine => ${path.resolve(source)}\n`,
  );
  try {
    execFileSync('go', ['build', '-o', binary, '.'], {
      cwd: dir,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOSUMDB: 'off', GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    return { available: false, why: `building the Porcupine driver failed: ${stderr.trim().split('\n').slice(0, 3).join(' / ')}` };
  }
  return { available: true, binary, source };
}

/** Runs the driver on the cases; throws if it fails. */
export function runPorcupine(binary: string, cases: readonly PorcupineCase[], options: { minBatchMs?: number; batches?: number } = {}): PorcupineResult[] {
  const request = JSON.stringify({ minBatchMs: options.minBatchMs ?? 50, batches: options.batches ?? 5, cases });
  const out = execFileSync(binary, [], { input: request, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PorcupineResult);
}

export type BoundedPorcupineResult = { readonly kind: 'done'; readonly result: PorcupineResult; readonly maxRssMb: number } | { readonly kind: 'stopped'; readonly why: string };

/**
 * Runs the driver on one large case, once, stopping it when it exceeds a wall-clock time or a
 * resident size (read from /proc: the machine is shared, and an unbounded check can exhaust it).
 */
export async function runPorcupineBounded(binary: string, one: PorcupineCase, limits: { timeoutMs: number; maxRssMb: number }): Promise<BoundedPorcupineResult> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(JSON.stringify({ minBatchMs: 0, batches: 1, cases: [{ ...one, batches: 1 }] }));
  let stopped: string | undefined;
  let maxRssMb = 0;
  const started = Date.now();
  const watch = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      maxRssMb = Math.max(maxRssMb, kb / 1024);
    } catch {
      // not on Linux, or already gone
    }
    if (maxRssMb > limits.maxRssMb) stopped = `stopped above ${limits.maxRssMb} MB resident`;
    else if (Date.now() - started > limits.timeoutMs) stopped = `stopped after ${limits.timeoutMs / 1000} s`;
    if (stopped !== undefined) child.kill('SIGKILL');
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(watch);
  if (stopped !== undefined) return { kind: 'stopped', why: stopped };
  if (code !== 0) return { kind: 'stopped', why: `the driver failed (${code}): ${err.trim().split('\n')[0] ?? ''}` };
  return { kind: 'done', result: JSON.parse(out.trim().split('\n')[0]!) as PorcupineResult, maxRssMb };
}

const ETCD_NIL = -1000000;

/**
 * A cas-register history as Porcupine's own etcd test builds it from a Jepsen log: a failed cas
 * is an op that saw a different value; a timed-out read (info or fail) returns an unknown value
 * where it timed out; a write or cas left indeterminate returns an unknown value after the last
 * event (its process may have invoked again meanwhile).
 */
export function etcdCase(name: string, events: readonly HistoryEvent[]): PorcupineCase {
  const out: PorcupineEvent[] = [];
  const open = new Map<number, number>();
  const dangling: { client: number; id: number }[] = [];
  let id = 0;
  const int = (v: unknown): number => (v === null || v === undefined ? ETCD_NIL : (v as number));
  for (const e of events) {
    if (e.type === 'invoke') {
      const previous = open.get(e.process);
      if (previous !== undefined) dangling.push({ client: e.process, id: previous });
      const input =
        e.f === 'read' ? { op: 0 } : e.f === 'write' ? { op: 1, a: int(e.value) } : { op: 2, a: int((e.value as number[])[0]), b: int((e.value as number[])[1]) };
      out.push({ ret: false, id, client: e.process, in: input });
      open.set(e.process, id++);
      continue;
    }
    const callId = open.get(e.process);
    if (callId === undefined) continue;
    if (e.type === 'info' && e.f !== 'read') continue; // returns unknown at the end
    open.delete(e.process);
    let output: Record<string, unknown>;
    if (e.f === 'read') output = e.type === 'ok' ? { exists: e.value !== null, value: e.value === null ? 0 : e.value } : { unknown: true };
    else if (e.f === 'cas') output = { ok: e.type === 'ok' };
    else output = {};
    out.push({ ret: true, id: callId, client: e.process, out: output });
  }
  for (const { client, id: callId } of dangling) out.push({ ret: true, id: callId, client, out: { unknown: true } });
  for (const [client, callId] of open) out.push({ ret: true, id: callId, client, out: { unknown: true } });
  return { name, model: 'etcd', events: out };
}

/**
 * A get/put/append history as Porcupine's kv test builds it: open ops return at the end. Its kv
 * model has no unknown result, so a get that never completed is left out (it constrains nothing).
 */
export function kvCase(name: string, events: readonly HistoryEvent[], batches?: number): PorcupineCase {
  const out: PorcupineEvent[] = [];
  const open = new Map<number, number>();
  const dangling: { client: number; id: number }[] = [];
  const isRead = (f: string): boolean => f === 'get' || f === 'read';
  // Gets that end indeterminate: the process's next completion is not ok.
  const unanswered = new Set<HistoryEvent>();
  const pendingGet = new Map<number, HistoryEvent>();
  for (const e of events) {
    if (e.type === 'invoke') {
      const previous = pendingGet.get(e.process);
      if (previous !== undefined) unanswered.add(previous);
      if (isRead(e.f)) pendingGet.set(e.process, e);
      else pendingGet.delete(e.process);
    } else {
      const get = pendingGet.get(e.process);
      if (get !== undefined && e.type !== 'ok') unanswered.add(get);
      pendingGet.delete(e.process);
    }
  }
  for (const get of pendingGet.values()) unanswered.add(get);
  let id = 0;
  for (const e of events) {
    if (unanswered.has(e)) continue;
    if (e.type === 'invoke') {
      const previous = open.get(e.process);
      if (previous !== undefined) dangling.push({ client: e.process, id: previous });
      const op = e.f === 'get' || e.f === 'read' ? 0 : e.f === 'put' || e.f === 'write' ? 1 : 2;
      out.push({ ret: false, id, client: e.process, in: { op, key: e.key ?? '', value: op === 0 ? '' : String(e.value) } });
      open.set(e.process, id++);
      continue;
    }
    const callId = open.get(e.process);
    if (callId === undefined || e.type !== 'ok') continue;
    open.delete(e.process);
    out.push({ ret: true, id: callId, client: e.process, out: { value: e.f === 'get' || e.f === 'read' ? String(e.value ?? '') : '' } });
  }
  for (const { client, id: callId } of dangling) out.push({ ret: true, id: callId, client, out: { value: '' } });
  for (const [client, callId] of open) out.push({ ret: true, id: callId, client, out: { value: '' } });
  return { name, model: 'kv', events: out, ...(batches === undefined ? {} : { batches }) };
}
