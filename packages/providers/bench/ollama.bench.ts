/**
 * Ollama adapter vs the official `ollama` client, same local NDJSON server.
 */
import { Ollama } from 'ollama';
import { createOllama } from '../src/ollama/index';
import { startOllamaServer } from '../test/servers/ollama-server';
import { type Contender, compareConcurrent, compareStreams } from './measure';

const tokens = 2_000;

export default async function ollamaBench(): Promise<void> {
  const server = await startOllamaServer();
  server.server.splitWrites = false;
  const scenario = {
    kind: 'text' as const,
    chunks: Array.from({ length: tokens }, (_, index) => ` t${index}`),
    finishReason: 'stop' as const,
    usage: { inputTokens: 10, outputTokens: tokens },
  };
  // 500 tokens per stream keeps the 50-stream run short on a shared machine.
  const concurrentScenario = { ...scenario, chunks: scenario.chunks.slice(0, 500) };
  const refill = (answer = scenario) => server.script(Array.from({ length: 200 }, () => answer));
  refill();
  const messages = [{ role: 'user' as const, content: 'Count.' }];
  const model = createOllama({ baseURL: server.url })('qwen3:0.6b');
  const client = new Ollama({ host: server.url });
  const adapter: Contender = {
    name: 'tinyllm',
    async *stream() {
      for await (const event of model.stream({ messages }))
        if (event.type === 'text-delta') yield event.text;
    },
  };
  const baseline: Contender = {
    name: 'ollama',
    async *stream() {
      for await (const part of await client.chat({ model: 'qwen3:0.6b', messages, stream: true }))
        yield part.message.content;
    },
  };
  try {
    await compareStreams('ollama', adapter, baseline, {
      iterations: 20,
      warmup: 3,
      tokens,
      expectedCharacters: scenario.chunks.join('').length,
    });
    await compareConcurrent('ollama', adapter, baseline, 50, () => refill(concurrentScenario));
  } finally {
    await server.close();
  }
}
