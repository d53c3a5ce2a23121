/**
 * The official `openai` client against the server running the shipped tiny model: models,
 * chat, a streamed tool round trip, abort (generation stops, the queue slot is freed) and the
 * error statuses the client turns into its typed errors.
 */
import { calculator } from '@tinyllm/example-tools';
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalServer,
  longModelId,
  modelId,
  openAITools,
  startLocalServer,
  waitFor,
} from './local-server';

let server: LocalServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startLocalServer({ serverOptions: { apiKeys: ['sk-test-key-1234'] } });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test-key-1234', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

interface StreamedTurn {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string | null;
  usage: ChatCompletionChunk['usage'] | undefined;
  chunks: number;
}

async function streamTurn(messages: ChatCompletionMessageParam[]): Promise<StreamedTurn> {
  const stream = await client.chat.completions.create({
    model: modelId,
    messages,
    tools: openAITools,
    stream: true,
    stream_options: { include_usage: true },
  });
  const turn: StreamedTurn = {
    text: '',
    toolCalls: [],
    finishReason: null,
    usage: undefined,
    chunks: 0,
  };
  for await (const chunk of stream) {
    turn.chunks += 1;
    if (chunk.usage) turn.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    turn.text += choice.delta.content ?? '';
    for (const delta of choice.delta.tool_calls ?? []) {
      turn.toolCalls[delta.index] ??= { id: '', name: '', arguments: '' };
      const call = turn.toolCalls[delta.index] as StreamedTurn['toolCalls'][number];
      if (delta.id) call.id = delta.id;
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
    }
    if (choice.finish_reason) turn.finishReason = choice.finish_reason;
  }
  return turn;
}

describe('the openai client against tinyllm-serve', () => {
  it('lists the served models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual([modelId, longModelId]);
  });

  it('answers "What is 12 * 7?" with a streamed calculator call, then 84', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 12 * 7?' }];
    const first = await streamTurn(messages);
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0] as StreamedTurn['toolCalls'][number];
    expect(call.name).toBe('calculator');
    const args = JSON.parse(call.arguments);
    expect(args.expression.replaceAll(' ', '')).toBe('12*7');
    expect(first.usage?.completion_tokens).toBeGreaterThan(0);
    const result = await calculator.execute?.(args, { toolCallId: call.id, messages: [] } as never);
    messages.push(
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          },
        ],
      },
      { role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) },
    );
    const second = await streamTurn(messages);
    expect(second.finishReason).toBe('stop');
    expect(second.text).toContain('84');
    expect(second.chunks).toBeGreaterThan(3);
    // Prompt caching: the second request starts with the whole first prompt.
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(
      first.usage?.prompt_tokens ?? Number.POSITIVE_INFINITY,
    );
  });

  it('answers without streaming, with usage', async () => {
    const completion = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'What is 9 + 10?' }],
      tools: openAITools,
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const toolCall = choice?.message.tool_calls?.[0];
    expect(toolCall?.type === 'function' && toolCall.function.name).toBe('calculator');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('stops generation when the client aborts, and frees the queue slot', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: longModelId,
        messages: [{ role: 'user', content: 'Tell me a long story.' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    const usageBefore = server.usage.length;
    let received = 0;
    // The client ends the iteration quietly (or with its abort error) once the signal fires.
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received += 1;
        if (received === 5) controller.abort();
      }
    } catch (error) {
      expect(String(error)).toMatch(/abort/i);
    }
    expect(received).toBe(5);
    await waitFor(() => server.usage.length > usageBefore);
    const event = server.usage.at(-1);
    expect(event?.modelName).toBe(longModelId);
    expect(event?.errorCode).toBe('ABORTED');
    // min_new_tokens forces 300+ tokens: stopping within a few steps proves the abort reached
    // the generation loop.
    expect(event?.outputTokens).toBeLessThan(100);
    await waitFor(() => server.manager.models().every((model) => model.activeRequests === 0));
    const next = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'What is 2 + 3?' }],
      tools: openAITools,
    });
    expect(next.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('turns server errors into the client typed errors', async () => {
    await expect(
      client.chat.completions.create({
        model: 'no-such-model',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const bad = await client.chat.completions
      .create({ model: modelId, messages: [{ role: 'user', content: 'x' }], temperature: 5 })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
    const wrongKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrongKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('past the queue size', () => {
  let small: LocalServer;
  beforeAll(async () => {
    small = await startLocalServer({ maxQueued: 0 });
  }, 60_000);
  afterAll(async () => {
    await small?.close();
  });

  it('answers 429 with Retry-After while the model is busy, then serves again', async () => {
    const smallClient = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const controller = new AbortController();
    const busy = await smallClient.chat.completions.create(
      {
        model: longModelId,
        messages: [{ role: 'user', content: 'Tell me a story.' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    const iterator = busy[Symbol.asyncIterator]();
    await iterator.next();
    const refused = await smallClient.chat.completions
      .create({
        model: modelId,
        messages: [{ role: 'user', content: 'What is 1 + 1?' }],
        stream: true,
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(Number(headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    controller.abort();
    await iterator.return?.();
    await waitFor(() => small.manager.models().every((model) => model.activeRequests === 0));
    const served = await smallClient.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'What is 1 + 1?' }],
      tools: openAITools,
    });
    expect(served.choices[0]?.finish_reason).toBe('tool_calls');
  });
});
