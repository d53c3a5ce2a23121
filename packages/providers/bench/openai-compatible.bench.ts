/**
 * openai-compatible adapter vs the official `openai` client, same local SSE server.
 */
import OpenAI from 'openai';
import { createOpenAICompatible } from '../src/openai-compatible/index';
import { startOpenAISseServer } from '../test/servers/openai-sse-server';
import { type Contender, compareConcurrent, compareStreams } from './measure';

const tokens = 2_000;

export default async function openAICompatibleBench(): Promise<void> {
  const server = await startOpenAISseServer();
  server.server.splitWrites = false;
  const scenario = {
    kind: 'text' as const,
    chunks: Array.from({ length: tokens }, (_, index) => ` t${index}`),
    finishReason: 'stop' as const,
    usage: { inputTokens: 10, outputTokens: tokens },
  };
  // Every request gets the same 2,000-token answer.
  // 500 tokens per stream keeps the 50-stream run short on a shared machine.
  const concurrentScenario = { ...scenario, chunks: scenario.chunks.slice(0, 500) };
  const refill = (answer = scenario) => server.script(Array.from({ length: 200 }, () => answer));
  refill();
  const messages = [{ role: 'user' as const, content: 'Count.' }];
  const model = createOpenAICompatible({ baseURL: `${server.url}/v1` })('bench-model');
  const client = new OpenAI({
    baseURL: `${server.url}/v1`,
    apiKey: 'sk-bench-000000',
    maxRetries: 0,
  });
  const adapter: Contender = {
    name: 'tinyllm',
    async *stream() {
      for await (const event of model.stream({ messages }))
        if (event.type === 'text-delta') yield event.text;
    },
  };
  const baseline: Contender = {
    name: 'openai',
    async *stream() {
      const stream = await client.chat.completions.create({
        model: 'bench-model',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) yield chunk.choices[0]?.delta.content ?? '';
    },
  };
  try {
    await compareStreams('openai-compatible', adapter, baseline, {
      iterations: 20,
      warmup: 3,
      tokens,
      expectedCharacters: scenario.chunks.join('').length,
    });
    await compareConcurrent('openai-compatible', adapter, baseline, 50, () =>
      refill(concurrentScenario),
    );
  } finally {
    await server.close();
  }
}
