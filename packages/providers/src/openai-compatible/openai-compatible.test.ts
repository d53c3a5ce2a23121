import { TinyLLMError } from '@tinyllm/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAISseServer, startOpenAISseServer } from '../../test/servers/openai-sse-server';
import { describeProviderConformance } from '../testing/conformance';
import { createOpenAICompatible } from './index';

let server: OpenAISseServer;
beforeAll(async () => {
  server = await startOpenAISseServer();
});
afterAll(() => server.close());

const weatherTool = {
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describeProviderConformance({
  name: 'openai-compatible',
  createModel: (script) => {
    server.script(script);
    return createOpenAICompatible({ baseURL: `${server.url}/v1` })('Qwen/Qwen3-0.6B');
  },
  hooks: {
    connectionClosed: () => server.server.connectionClosed(),
    lastRequest: () => server.server.lastRequest()?.body ?? '',
  },
  reportsUsage: true,
});

describe('openai-compatible: wire format', () => {
  const model = () =>
    createOpenAICompatible({
      baseURL: `${server.url}/v1/`,
      apiKey: 'sk-local-123456',
      headers: { 'x-team': 'tiny' },
    })('Qwen/Qwen3-0.6B');

  it('sends messages, tools, tool results, sampling options, stream_options and auth', async () => {
    server.script([
      {
        kind: 'text',
        chunks: ['ok'],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    ]);
    await model().chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo' } }],
        },
        {
          role: 'tool',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          content: '{"temperatureC":3}',
        },
      ],
      tools: [weatherTool],
      toolChoice: { type: 'tool', name: 'get_weather' },
      maxOutputTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      topK: 20,
      stop: ['\n\n'],
      seed: 7,
      providerOptions: { 'openai-compatible': { repetition_penalty: 1.1 } },
    });
    const sent = server.server.lastRequest()!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe('Bearer sk-local-123456');
    expect(sent.headers['x-team']).toBe('tiny');
    expect(sent.json).toEqual({
      model: 'Qwen/Qwen3-0.6B',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperatureC":3}' },
      ],
      tools: [{ type: 'function', function: weatherTool }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 20,
      stop: ['\n\n'],
      seed: 7,
      repetition_penalty: 1.1,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('reads `data:` without a space, usage on every chunk and stops at [DONE]', async () => {
    const frame = (content: string, finish: string | null, completion: number) =>
      `data:${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }], usage: { prompt_tokens: 4, completion_tokens: completion, total_tokens: 4 + completion } })}\n\n`;
    server.script([
      {
        kind: 'raw',
        body: `: keep-alive comment\n\n${frame('a', null, 1)}${frame('b', null, 2)}${frame('', 'stop', 2)}data:[DONE]\n\n${frame('IGNORED', null, 9)}`,
      },
    ]);
    const response = await model().chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(response.text).toBe('ab');
    expect(response.usage).toEqual({
      inputTokens: 4,
      outputTokens: 2,
      totalTokens: 6,
      estimated: false,
    });
  });

  it('parses <tool_call> text from a fine-tune served without a tool parser', async () => {
    server.script([
      {
        kind: 'text',
        chunks: [
          '<think>need weather</think>Checking.',
          '<tool_',
          'call>\n{"name": "get_weather", "argu',
          'ments": {"city": "Rome"}}\n</tool_call>',
        ],
        finishReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 20 },
      },
    ]);
    const response = await model().chat({
      messages: [{ role: 'user', content: 'Rome?' }],
      tools: [weatherTool],
    });
    expect(response.reasoning).toBe('need weather');
    expect(response.text).toBe('Checking.');
    expect(response.toolCalls).toMatchObject([
      { name: 'get_weather', arguments: { city: 'Rome' } },
    ]);
    expect(response.finishReason).toBe('tool-calls');
  });

  it('keeps invalid tool-call arguments as a tool-call error with the raw text', async () => {
    const frame = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    server.script([
      {
        kind: 'raw',
        body:
          frame({
            tool_calls: [
              {
                index: 0,
                id: 'c1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city": ' },
              },
            ],
          }) +
          frame({ tool_calls: [{ index: 0, function: { arguments: '"Par' } }] }) +
          frame({}, 'tool_calls') +
          'data: [DONE]\n\n',
      },
    ]);
    const response = await model().chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(response.toolCalls).toEqual([]);
    expect(response.invalidToolCalls).toHaveLength(1);
    expect(response.invalidToolCalls[0]).toMatchObject({
      raw: '{"city": "Par',
      name: 'get_weather',
    });
  });

  it('fails with a typed error on a malformed frame', async () => {
    server.script([{ kind: 'raw', body: 'data: {"choices": [{"delta": {"content": "a"}\n\n' }]);
    const error = await model()
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'GENERATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('malformed');
  });

  it('maps an error frame sent mid-stream', async () => {
    server.script([
      {
        kind: 'raw',
        body: `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }] })}\n\ndata: ${JSON.stringify({ error: { message: 'CUDA out of memory', type: 'server_error' } })}\n\n`,
      },
    ]);
    const error = await model()
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'GENERATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('CUDA out of memory');
  });

  it('a body that ends without a finish reason or [DONE] is a typed error', async () => {
    server.script([
      {
        kind: 'raw',
        body: `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }] })}\n\n`,
      },
    ]);
    const error = await model()
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
  });

  it('streams slow responses as they arrive', async () => {
    server.script([{ kind: 'slow-text', chunks: ['one', ' two', ' three'], delayMs: 40 }]);
    const arrivals: number[] = [];
    const started = performance.now();
    for await (const event of model().stream({ messages: [{ role: 'user', content: 'x' }] }))
      if (event.type === 'text-delta') arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(3);
    // The first token is seen before the last one was even sent.
    expect(arrivals[2]! - arrivals[0]!).toBeGreaterThan(50);
  });

  it('an unreachable server is PROVIDER_UNAVAILABLE', async () => {
    const unreachable = createOpenAICompatible({ baseURL: 'http://127.0.0.1:1/v1' })('m');
    const error = await unreachable
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
  });

  it('the official openai client against the same server sees the same stream (server fidelity)', async () => {
    server.script([
      {
        kind: 'text',
        chunks: ['Hi', ' there'],
        finishReason: 'stop',
        usage: { inputTokens: 2, outputTokens: 2 },
      },
    ]);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test-000000' });
    const stream = await client.chat.completions.create({
      model: 'Qwen/Qwen3-0.6B',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hi there');
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 2 });
  });
});
