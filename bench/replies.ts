// Reading an API reply, and naming many results: the action's linear reader against
// @actions/http-client's readBody (which concatenates a string per chunk), side by side in one
// run, over loopback; then NameRegistry on thousands of names that share one.
//
// Usage: npx tsx bench/replies.ts [runs] (default 3)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '@actions/http-client';
import { exchange } from '../src/kie/exchange.js';
import { NameRegistry } from '../src/results/naming.js';

const MB = 1024 * 1024;
const runs = Number(process.argv[2] ?? 3);
const sizesMb = [8, 24, 64];
// readBody on 64 MB takes minutes on a busy machine (the issue saw 20 s and 529 MB): not rerun.
const READ_BODY_UP_TO_MB = 24;

const bodies = new Map(sizesMb.map((size) => [size, Buffer.alloc(size * MB, 'x')]));
const server = createServer((req, res) => {
  const body = bodies.get(Number(req.url!.slice(1)))!;
  res.writeHead(200, { 'content-type': 'application/json' });
  // Chunked, as a proxy or a streaming server sends it: no Content-Length to refuse early on.
  for (let offset = 0; offset < body.length; offset += 64 * 1024) {
    res.write(body.subarray(offset, offset + 64 * 1024));
  }
  res.end();
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function measure(read: () => Promise<unknown>) {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  let outcome = 'read';
  try {
    await read();
  } catch (error) {
    outcome = `refused (${(error as Error).message.slice(0, 40)}…)`;
  }
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms: performance.now() - started, mb: (peak - rssBefore) / MB, outcome };
}

const range = (values: number[], digits = 0) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

console.log(`| Reply | Reader | Time (ms) | Extra peak RSS (MB) | Outcome |`);
console.log(`| ----- | ------ | --------- | ------------------- | ------- |`);
for (const size of sizesMb) {
  const results: Record<string, Awaited<ReturnType<typeof measure>>[]> = {
    'http-client readBody': [],
    'exchange (this action)': [],
  };
  for (let run = 0; run < runs; run++) {
    const http = new HttpClient('bench', [], { keepAlive: false });
    // The action's reader first, so it cannot reuse memory readBody's run left behind.
    results['exchange (this action)']!.push(
      await measure(() =>
        exchange(http, { method: 'GET', url: `${origin}/${size}` }, 120_000, {}, Date.now),
      ),
    );
    if (size <= READ_BODY_UP_TO_MB) {
      results['http-client readBody']!.push(
        await measure(async () => (await http.get(`${origin}/${size}`)).readBody()),
      );
    }
  }
  for (const [reader, measured] of Object.entries(results)) {
    if (measured.length === 0) continue;
    const ms = range(measured.map((m) => m.ms));
    const mb = range(measured.map((m) => m.mb));
    console.log(`| ${size} MB | ${reader} | ${ms} | ${mb} | ${measured[0]!.outcome} |`);
  }
}
server.close();

console.log('\n| Names sharing one | Time to claim them all (ms) |');
console.log('| ----------------- | --------------------------- |');
for (const count of [1_000, 20_000, 100_000]) {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const names = new NameRegistry([]);
    const started = performance.now();
    for (let i = 0; i < count; i++) names.claim('clip.mp4');
    times.push(performance.now() - started);
  }
  console.log(`| ${count} | ${range(times, 1)} |`);
}
