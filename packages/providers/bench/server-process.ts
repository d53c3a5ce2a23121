/**
 * A local test server in its own process, so the benchmarks' CPU figures (process.cpuUsage of
 * the client process) count the client side only.
 *
 * `tsx bench/server-process.ts <ollama|openai|tgi>` prints `{"url": ...}` on its first line,
 * then reads one JSON line per command from stdin: `{"scenario": ..., "count": n}` queues the
 * scenario n times and answers `ok`. Closing stdin stops the server.
 */
import { createInterface } from 'node:readline';
import { startOllamaServer } from '../test/servers/ollama-server';
import { startOpenAISseServer } from '../test/servers/openai-sse-server';

const kind = process.argv[2] ?? 'openai';
const server =
  kind === 'ollama'
    ? await startOllamaServer()
    : await startOpenAISseServer(kind === 'tgi' ? { flavor: 'tgi' } : {});
server.server.splitWrites = false;
// Recorded requests would grow without bound over thousands of benchmark requests.
const requests = server.server.requests;
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { scenario, count } = JSON.parse(line) as { scenario: unknown; count: number };
  requests.length = 0;
  server.script(Array.from({ length: count }, () => scenario) as never[]);
  process.stdout.write('ok\n');
});
lines.on('close', () => {
  void server.close().then(() => process.exit(0));
});
