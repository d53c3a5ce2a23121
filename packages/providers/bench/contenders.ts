/**
 * Each remote adapter and the official client it is measured against, streaming the same
 * answer from the same server. A contender yields the text pieces it delivered, so the bench
 * can count events (the adapter) and chunks (the client).
 */
import { InferenceClient } from '@huggingface/inference';
import type { ChatModel } from '@tinyllm/core';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { importBuilt } from './built-package';
import type { Contender } from './measure';

// The built adapters, as an app imports them (see built-package.ts).
const { createHuggingFace } =
  await importBuilt<typeof import('../src/huggingface/index')>('huggingface');
const { createOllama } = await importBuilt<typeof import('../src/ollama/index')>('ollama');
const { createOpenAICompatible } =
  await importBuilt<typeof import('../src/openai-compatible/index')>('openai-compatible');

/** The server kind each adapter talks to. */
export const serverKindOf = {
  ollama: 'ollama',
  'openai-compatible': 'openai',
  huggingface: 'tgi',
} as const;

export type RemoteAdapterName = keyof typeof serverKindOf;

const messages = [{ role: 'user' as const, content: 'Count.' }];

/** Streams a model's text deltas as a contender. */
export function modelContender(name: string, model: ChatModel): Contender {
  return {
    name,
    async *stream() {
      for await (const event of model.stream({ messages }))
        if (event.type === 'text-delta') yield event.text;
    },
  };
}

/**
 * The adapter (as a model, to wrap in a router too) and the client it wraps, on `url`; both
 * send through `fetch` when given (the in-process replay).
 */
export function contendersFor(
  adapter: RemoteAdapterName,
  url: string,
  fetch?: typeof globalThis.fetch,
): { model: ChatModel; adapter: Contender; client: Contender } {
  const viaFetch = fetch ? { fetch } : {};
  switch (adapter) {
    case 'ollama': {
      const model = createOllama({ baseURL: url, ...viaFetch })('qwen3:0.6b');
      const client = new Ollama({ host: url, ...viaFetch });
      return {
        model,
        adapter: modelContender('tinyllm ollama', model),
        client: {
          name: 'ollama client',
          async *stream() {
            for await (const part of await client.chat({
              model: 'qwen3:0.6b',
              messages,
              stream: true,
            }))
              yield part.message.content;
          },
        },
      };
    }
    case 'openai-compatible': {
      const model = createOpenAICompatible({ baseURL: `${url}/v1`, ...viaFetch })('bench-model');
      const client = new OpenAI({
        baseURL: `${url}/v1`,
        apiKey: 'bench-key-000000',
        maxRetries: 0,
        ...viaFetch,
      });
      return {
        model,
        adapter: modelContender('tinyllm openai-compatible', model),
        client: {
          name: 'openai client',
          async *stream() {
            const stream = await client.chat.completions.create({
              model: 'bench-model',
              messages,
              stream: true,
              stream_options: { include_usage: true },
            });
            for await (const chunk of stream) yield chunk.choices[0]?.delta.content ?? '';
          },
        },
      };
    }
    case 'huggingface': {
      const token = 'hf_benchtoken000000';
      const model = createHuggingFace({ apiKey: token, endpointUrl: url, ...viaFetch })('tgi');
      const client = new InferenceClient(token, { endpointUrl: url, ...viaFetch });
      return {
        model,
        adapter: modelContender('tinyllm huggingface', model),
        client: {
          name: '@huggingface/inference',
          async *stream() {
            for await (const chunk of client.chatCompletionStream({
              model: 'tgi',
              messages,
              stream_options: { include_usage: true },
            }))
              yield chunk.choices[0]?.delta.content ?? '';
          },
        },
      };
    }
  }
}

/** `count` tokens ` t0`, ` t1`, … as a text answer, paced `delayMs` apart (0: all at once). */
export function tokenScenario(count: number, delayMs: number): unknown {
  const chunks = Array.from({ length: count }, (_, index) => ` t${index}`);
  return delayMs > 0
    ? { kind: 'slow-text', chunks, delayMs }
    : {
        kind: 'text',
        chunks,
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: count },
      };
}
