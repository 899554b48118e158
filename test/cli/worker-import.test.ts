/**
 * The fuzz command's module may be imported from any worker thread (a test runner's thread pool,
 * the mutation campaign under Stryker): only workers the watchdog started serve fuzz tasks.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('importing the compiled fuzz command in a thread that is not a fuzz worker does not throw', async () => {
  const fuzz = fileURLToPath(new URL('../../dist/cli/fuzz.js', import.meta.url));
  const worker = new Worker(
    `import(${JSON.stringify(fuzz)}).then((m) => require('node:worker_threads').parentPort.postMessage(typeof m.fuzzCommand), (e) => require('node:worker_threads').parentPort.postMessage(String(e)));`,
    { eval: true },
  );
  const answer = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  expect(answer).toBe('function');
});
