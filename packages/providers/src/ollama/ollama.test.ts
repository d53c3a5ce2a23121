import { TinyLLMError } from '@tinyllm/core';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OllamaTestServer, startOllamaServer } from '../../test/servers/ollama-server';
import { describeProviderConformance } from '../testing/conformance';
import { type OllamaServerTimings, createOllama } from './index';

let server: OllamaTestServer;
beforeAll(async () => {
  server = await startOllamaServer();
});
afterAll(() => server.close());

describeProviderConformance({
  name: 'ollama',
  createModel: (script) => {
    server.script(script);
    return createOllama({ baseURL: server.url })('qwen3:0.6b');
  },
  hooks: {
    connectionClosed: () => server.server.connectionClosed(),
    lastRequest: () => server.server.lastRequest()?.body ?? '',
  },
  reportsUsage: true,
  // Ollama answers 503 when its queue is full ("server busy"): unavailable, not loading.
  expectedErrorCodes: { 503: 'PROVIDER_UNAVAILABLE' },
});

const weatherTool = {
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('ollama: wire format', () => {
  it('sends messages, tools, tool results, think, keep_alive and options', async () => {
    server.script([
      {
        kind: 'text',
        chunks: ['ok'],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    ]);
    const ollama = createOllama({ baseURL: `${server.url}/`, headers: { 'x-team': 'tiny' } });
    await ollama('qwen3:0.6b', {
      think: false,
      keepAlive: '10m',
      options: { num_ctx: 8192, temperature: 0.9 },
    }).chat({
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
      maxOutputTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      topK: 20,
      stop: ['\n\n'],
      seed: 7,
    });
    const sent = server.server.lastRequest()!;
    expect(sent.headers['x-team']).toBe('tiny');
    expect(sent.json).toEqual({
      model: 'qwen3:0.6b',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Oslo' } } }],
        },
        { role: 'tool', content: '{"temperatureC":3}', tool_name: 'get_weather' },
      ],
      tools: [{ type: 'function', function: weatherTool }],
      options: {
        num_ctx: 8192,
        temperature: 0.2,
        num_predict: 64,
        top_p: 0.9,
        top_k: 20,
        stop: ['\n\n'],
        seed: 7,
      },
      think: false,
      keep_alive: '10m',
      stream: true,
    });
  });

  it('streams thinking as reasoning and converts durations from nanoseconds', async () => {
    server.script([{ kind: 'thinking', thinking: ['Let me ', 'think.'], chunks: ['Answer', '.'] }]);
    let timings: OllamaServerTimings | undefined;
    const model = createOllama({ baseURL: server.url })('qwen3:0.6b', {
      think: true,
      onServerTimings: (value) => {
        timings = value;
      },
    });
    const response = await model.chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(response.reasoning).toBe('Let me think.');
    expect(response.text).toBe('Answer.');
    expect(timings).toEqual({
      totalMs: 1500,
      loadMs: 250,
      promptEvalMs: 100,
      evalMs: 1000,
      promptTokens: 3,
      outputTokens: 4,
    });
    expect(model.capabilities.reasoning).toBe(true);
  });

  it('gives tool calls without ids a generated id', async () => {
    server.script([
      {
        kind: 'tool-call',
        toolCall: { id: 'ignored', name: 'get_weather', arguments: { city: 'Lima' } },
        usage: { inputTokens: 5, outputTokens: 5 },
      },
    ]);
    const response = await createOllama({ baseURL: server.url })('qwen3:0.6b').chat({
      messages: [{ role: 'user', content: 'x' }],
      tools: [weatherTool],
    });
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]!.id).toMatch(/^call_/);
    expect(response.toolCalls[0]).toMatchObject({
      name: 'get_weather',
      arguments: { city: 'Lima' },
    });
  });

  it('parses <tool_call> text in content as a fallback', async () => {
    server.script([
      {
        kind: 'text',
        chunks: [
          '<tool_call>\n{"name": "get_weather", ',
          '"arguments": "{\\"city\\": \\"Kyiv\\"}"}\n</tool',
          '_call>',
        ],
        finishReason: 'stop',
        usage: { inputTokens: 5, outputTokens: 15 },
      },
    ]);
    const response = await createOllama({ baseURL: server.url })('my-finetune').chat({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.toolCalls).toMatchObject([
      { name: 'get_weather', arguments: { city: 'Kyiv' } },
    ]);
    expect(response.text).toBe('');
    expect(response.finishReason).toBe('tool-calls');
  });

  it('"does not support tools" is INVALID_REQUEST with a clear message', async () => {
    server.script([
      {
        kind: 'http-error',
        status: 400,
        message: 'registry.ollama.ai/library/gemma:2b does not support tools',
      },
    ]);
    const error = await createOllama({ baseURL: server.url })('gemma:2b')
      .chat({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toContain('does not support tools');
    expect((error as TinyLLMError).retryable).toBe(false);
  });

  it('a missing model is MODEL_NOT_FOUND with a pull hint', async () => {
    server.script([
      {
        kind: 'http-error',
        status: 404,
        message: 'model "nope:1b" not found, try pulling it first',
      },
    ]);
    const error = await createOllama({ baseURL: server.url })('nope:1b')
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'MODEL_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('ollama pull nope:1b');
  });

  it('an error line mid-stream becomes a typed error after the text so far', async () => {
    server.script([
      {
        kind: 'error-line',
        chunks: ['par', 'tial'],
        error: 'llama runner process has terminated: exit status 2',
      },
    ]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of createOllama({ baseURL: server.url })('qwen3:0.6b').stream({
        messages: [{ role: 'user', content: 'x' }],
      }))
        if (event.type === 'text-delta') seen.push(event.text);
    })().catch((caught: unknown) => caught);
    expect(seen.join('')).toBe('partial');
    expect(TinyLLMError.hasCode(error, 'GENERATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('llama runner process has terminated');
  });

  it('a malformed line is GENERATION_FAILED after the text before it, and nothing is printed', async () => {
    // The ollama client (0.6.4) skipped such a line silently ("AC", "B" lost) and printed it
    // with console.warn; the adapter parses the stream itself.
    const consoleCalls: unknown[][] = [];
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleCalls.push(args);
      }),
    );
    const ok = (content: string, done = false) =>
      `${JSON.stringify({ model: 'm', created_at: '', message: { role: 'assistant', content }, done, ...(done ? { done_reason: 'stop', eval_count: 2, prompt_eval_count: 1 } : {}) })}\n`;
    server.script([
      { kind: 'raw', body: `${ok('A')}{"model": "m", "mess\n${ok('B')}${ok('', true)}` },
    ]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of createOllama({ baseURL: server.url })('m').stream({
        messages: [{ role: 'user', content: 'x' }],
      }))
        if (event.type === 'text-delta') seen.push(event.text);
    })().catch((caught: unknown) => caught);
    for (const spy of spies) spy.mockRestore();
    expect(seen.join('')).toBe('A');
    expect(TinyLLMError.hasCode(error, 'GENERATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('malformed stream line');
    expect(consoleCalls).toEqual([]);
  });

  it('a stream without a done line is a typed error', async () => {
    server.script([
      {
        kind: 'raw',
        body: `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'a' }, done: false })}\n`,
      },
    ]);
    const error = await createOllama({ baseURL: server.url })('m')
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
  });

  it('the official client against the same server parses the same stream (server fidelity)', async () => {
    server.script([
      {
        kind: 'text',
        chunks: ['Hi', ' there'],
        finishReason: 'stop',
        usage: { inputTokens: 2, outputTokens: 2 },
      },
    ]);
    const client = new Ollama({ host: server.url });
    let text = '';
    let evalCount: number | undefined;
    for await (const part of await client.chat({
      model: 'qwen3:0.6b',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })) {
      text += part.message.content;
      if (part.done) evalCount = part.eval_count;
    }
    expect(text).toBe('Hi there');
    expect(evalCount).toBe(2);
  });
});

describe('ollama: model management', () => {
  it('lists, shows, pulls with progress and deletes models', async () => {
    const ollama = createOllama({ baseURL: server.url });
    expect((await ollama.listModels()).map((model) => model.name)).toEqual(['qwen3:0.6b']);
    const details = await ollama.showModel('qwen3:0.6b');
    expect(details).toMatchObject({
      contextLength: 40960,
      supportsTools: true,
      supportsThinking: true,
      family: 'qwen3',
      quantization: 'Q4_K_M',
    });
    const progress = [];
    for await (const event of ollama.pullModel('smollm2:135m')) progress.push(event);
    expect(progress[0]!.status).toBe('pulling manifest');
    expect(
      progress.filter((event) => event.fraction !== undefined).map((event) => event.fraction),
    ).toEqual([0.25, 0.5, 0.75, 1]);
    expect(progress.at(-1)!.status).toBe('success');
    expect((await ollama.listModels()).map((model) => model.name)).toContain('smollm2:135m');
    await ollama.deleteModel('smollm2:135m');
    expect((await ollama.listModels()).map((model) => model.name)).not.toContain('smollm2:135m');
    const pullRequest = server.server.requests.find((request) => request.path === '/api/pull')!;
    expect(pullRequest.json).toMatchObject({ name: 'smollm2:135m', stream: true });
  });

  it('maps management errors and aborts a pull', async () => {
    const ollama = createOllama({ baseURL: server.url });
    const shown = await ollama.showModel('absent:1b').catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(shown, 'MODEL_NOT_FOUND')).toBe(true);
    const deleted = await ollama.deleteModel('absent:1b').catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(deleted, 'MODEL_NOT_FOUND')).toBe(true);
    const pulled = await (async () => {
      for await (const _ of ollama.pullModel('missing:1b')) {
        // no progress expected
      }
    })().catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(pulled, 'PROVIDER_UNAVAILABLE')).toBe(true);

    const controller = new AbortController();
    const closed = server.server.connectionClosed();
    const aborted = await (async () => {
      for await (const event of ollama.pullModel('slow:1b', { signal: controller.signal }))
        if (event.fraction !== undefined) controller.abort();
    })().catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(aborted, 'ABORTED')).toBe(true);
    await closed;
    expect(server.models.has('slow:1b')).toBe(false);
  });

  it('aborts a non-streaming call through the injected fetch', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await createOllama({ baseURL: server.url })
      .listModels({ signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
  });
});
