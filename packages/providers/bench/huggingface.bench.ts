/**
 * Hugging Face adapter vs the raw `@huggingface/inference` client, same local TGI-style server.
 */
import { InferenceClient } from '@huggingface/inference';
import { createHuggingFace } from '../src/huggingface/index';
import { startOpenAISseServer } from '../test/servers/openai-sse-server';
import { type Contender, compareConcurrent, compareStreams } from './measure';

const tokens = 2_000;
const token = 'hf_benchtoken000000';

export default async function huggingFaceBench(): Promise<void> {
  const server = await startOpenAISseServer({ flavor: 'tgi' });
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
  const model = createHuggingFace({ apiKey: token, endpointUrl: server.url })('tgi');
  const client = new InferenceClient(token, { endpointUrl: server.url });
  const adapter: Contender = {
    name: 'tinyllm',
    async *stream() {
      for await (const event of model.stream({ messages }))
        if (event.type === 'text-delta') yield event.text;
    },
  };
  const baseline: Contender = {
    name: '@huggingface/inference',
    async *stream() {
      for await (const chunk of client.chatCompletionStream({ model: 'tgi', messages }))
        yield chunk.choices[0]?.delta.content ?? '';
    },
  };
  try {
    await compareStreams('huggingface', adapter, baseline, {
      iterations: 20,
      warmup: 3,
      tokens,
      expectedCharacters: scenario.chunks.join('').length,
    });
    await compareConcurrent('huggingface', adapter, baseline, 50, () => refill(concurrentScenario));
  } finally {
    await server.close();
  }
}
