import { TinyLLMError } from '@tinyllm/core';
import { InferenceClient } from '@huggingface/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAISseServer, startOpenAISseServer } from '../../test/servers/openai-sse-server';
import { describeProviderConformance } from '../testing/conformance';
import { createHuggingFace, huggingFaceRouterURL } from './index';

const token = 'hf_testtoken0123456789';
let router: OpenAISseServer;
let tgi: OpenAISseServer;

beforeAll(async () => {
  router = await startOpenAISseServer({
    flavor: 'hf-router',
    chatPaths: ['/v1/chat/completions', '/together/v1/chat/completions'],
    jsonRoutes: {
      '/api/models/Qwen/Qwen3-0.6B': {
        id: 'Qwen/Qwen3-0.6B',
        inferenceProviderMapping: {
          together: {
            status: 'live',
            providerId: 'qwen/qwen3-0.6b-together',
            task: 'conversational',
          },
        },
      },
    },
  });
  tgi = await startOpenAISseServer({ flavor: 'tgi', dataPrefix: 'data:' });
});
afterAll(async () => {
  await router.close();
  await tgi.close();
});

/** Sends the client's calls to the Hub and the router to the local server instead. */
const localFetch =
  (server: OpenAISseServer): typeof fetch =>
  (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const local = url
      .replace(huggingFaceRouterURL, server.url)
      .replace('https://huggingface.co', server.url);
    return fetch(local, init);
  };

describeProviderConformance({
  name: 'huggingface (router, injected fetch)',
  createModel: (script) => {
    router.script(script);
    return createHuggingFace({ apiKey: token, fetch: localFetch(router) })('Qwen/Qwen3-0.6B');
  },
  hooks: {
    connectionClosed: () => router.server.connectionClosed(),
    lastRequest: () => router.server.lastRequest()?.body ?? '',
  },
  reportsUsage: true,
  expectedErrorCodes: { 503: 'MODEL_LOADING' },
});

describeProviderConformance({
  name: 'huggingface (TGI endpointUrl)',
  createModel: (script) => {
    tgi.script(script);
    return createHuggingFace({ apiKey: token, endpointUrl: tgi.url })('tgi');
  },
  hooks: {
    connectionClosed: () => tgi.server.connectionClosed(),
    lastRequest: () => tgi.server.lastRequest()?.body ?? '',
  },
  reportsUsage: true,
});

describe('huggingface: wire format', () => {
  it('sends the request through the router with the token, and never retries a 503 itself', async () => {
    router.script([
      { kind: 'http-error', status: 503, message: 'Model Qwen/Qwen3-0.6B is currently loading' },
      {
        kind: 'text',
        chunks: ['never'],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    ]);
    const before = router.chatRequests().length;
    const error = await createHuggingFace({ apiKey: token, fetch: localFetch(router) })(
      'Qwen/Qwen3-0.6B',
    )
      .chat({
        messages: [{ role: 'user', content: 'Hi' }],
        maxOutputTokens: 10,
        temperature: 0.1,
        tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }],
      })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'MODEL_LOADING')).toBe(true);
    expect((error as TinyLLMError).retryable).toBe(true);
    // One request: the client's unbounded 503 retry is off, retries belong to core's router.
    expect(router.chatRequests().length - before).toBe(1);
    const sent = router.server.lastRequest()!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe(`Bearer ${token}`);
    expect(sent.json).toMatchObject({
      model: 'Qwen/Qwen3-0.6B',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 10,
      temperature: 0.1,
      tools: [{ type: 'function', function: { name: 'f' } }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('routes to a named provider through the Hub mapping', async () => {
    router.script([
      {
        kind: 'text',
        chunks: ['hi'],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    ]);
    const response = await createHuggingFace({
      token,
      provider: 'together',
      fetch: localFetch(router),
    })('Qwen/Qwen3-0.6B').chat({
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.text).toBe('hi');
    const sent = router.server.lastRequest()!;
    expect(sent.path).toBe('/together/v1/chat/completions');
    expect(sent.json).toMatchObject({ model: 'qwen/qwen3-0.6b-together' });
  });

  it('402 (out of credits) is RATE_LIMITED but not retryable; 503 with estimated_time gives retryAfterMs', async () => {
    router.script([
      {
        kind: 'http-error',
        status: 402,
        message: 'You have exceeded your monthly included credits',
      },
    ]);
    const model = createHuggingFace({ apiKey: token, fetch: localFetch(router) })(
      'Qwen/Qwen3-0.6B',
    );
    const credits = await model
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(credits, 'RATE_LIMITED')).toBe(true);
    expect((credits as TinyLLMError).retryable).toBe(false);

    router.script([
      {
        kind: 'raw',
        status: 503,
        contentType: 'application/json',
        body: '{"error":"Model is currently loading","estimated_time":12.5}',
      },
    ]);
    const loading = await model
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(loading, 'MODEL_LOADING')).toBe(true);
    expect((loading as TinyLLMError).retryAfterMs).toBe(12_500);
  });

  it('redacts the token from errors', async () => {
    router.script([
      { kind: 'http-error', status: 401, message: `Invalid credentials: Bearer ${token}` },
    ]);
    const error = (await createHuggingFace({ apiKey: token, fetch: localFetch(router) })(
      'Qwen/Qwen3-0.6B',
    )
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught)) as TinyLLMError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(JSON.stringify(error.toJSON())).not.toContain(token);
  });

  it('the router without an HF token is AUTH_FAILED, before any request', async () => {
    const previous = process.env['HF_TOKEN'];
    delete process.env['HF_TOKEN'];
    try {
      const error = await createHuggingFace({ fetch: localFetch(router) })('Qwen/Qwen3-0.6B')
        .chat({ messages: [{ role: 'user', content: 'x' }] })
        .catch((caught: unknown) => caught);
      expect(TinyLLMError.hasCode(error, 'AUTH_FAILED')).toBe(true);
      expect((error as Error).message).toContain('HF_TOKEN');
    } finally {
      if (previous !== undefined) process.env['HF_TOKEN'] = previous;
    }
  });

  it('reads the token lazily from HF_TOKEN', async () => {
    const previous = process.env['HF_TOKEN'];
    const model = createHuggingFace({ endpointUrl: tgi.url })('tgi');
    process.env['HF_TOKEN'] = 'hf_fromenvironment123';
    try {
      tgi.script([
        {
          kind: 'text',
          chunks: ['x'],
          finishReason: 'stop',
          usage: { inputTokens: 1, outputTokens: 1 },
        },
      ]);
      await model.chat({ messages: [{ role: 'user', content: 'x' }] });
      expect(tgi.server.lastRequest()!.headers['authorization']).toBe(
        'Bearer hf_fromenvironment123',
      );
    } finally {
      if (previous === undefined) delete process.env['HF_TOKEN'];
      else process.env['HF_TOKEN'] = previous;
    }
  });

  it('TGI: tool arguments given as an object, ids missing, eos_token finish', async () => {
    tgi.script([
      {
        kind: 'tool-call',
        toolCall: { id: '', name: 'get_weather', arguments: { city: 'Turin', unit: 'c' } },
        usage: { inputTokens: 9, outputTokens: 9 },
      },
    ]);
    const response = await createHuggingFace({ apiKey: token, endpointUrl: tgi.url })('tgi').chat({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.toolCalls).toMatchObject([
      { name: 'get_weather', arguments: { city: 'Turin', unit: 'c' } },
    ]);
    expect(response.toolCalls[0]!.id).toMatch(/^call_/);
    expect(response.finishReason).toBe('tool-calls');
    expect(response.usage).toEqual({
      inputTokens: 9,
      outputTokens: 9,
      totalTokens: 18,
      estimated: false,
    });
    expect(tgi.server.lastRequest()!.path).toBe('/v1/chat/completions');
  });

  it('TGI: a mid-stream error frame and a malformed frame are typed errors', async () => {
    const model = createHuggingFace({ apiKey: token, endpointUrl: tgi.url })('tgi');
    tgi.script([
      {
        kind: 'raw',
        body: 'data:{"error":"Request failed during generation: Server error: CUDA OOM","error_type":"generation"}\n\n',
      },
    ]);
    const midStream = await model
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(midStream, 'GENERATION_FAILED')).toBe(true);
    expect((midStream as Error).message).toContain('CUDA OOM');

    tgi.script([{ kind: 'raw', body: 'data:{"choices":[{"delta":\n\n' }]);
    const malformed = await model
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(malformed, 'GENERATION_FAILED')).toBe(true);
  });

  it('parses <tool_call> text from a fine-tune behind TGI', async () => {
    tgi.script([
      {
        kind: 'text',
        chunks: [
          '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Nice"}}\n</tool_call>',
        ],
        finishReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 20 },
      },
    ]);
    const response = await createHuggingFace({ apiKey: token, endpointUrl: tgi.url })('tgi').chat({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.toolCalls).toMatchObject([
      { name: 'get_weather', arguments: { city: 'Nice' } },
    ]);
  });

  it('the official client against the same TGI server parses the same stream (server fidelity)', async () => {
    tgi.script([
      {
        kind: 'text',
        chunks: ['Hi', ' there'],
        finishReason: 'stop',
        usage: { inputTokens: 2, outputTokens: 2 },
      },
    ]);
    const client = new InferenceClient(token, { endpointUrl: tgi.url });
    let text = '';
    for await (const chunk of client.chatCompletionStream({
      model: 'tgi',
      messages: [{ role: 'user', content: 'x' }],
    }))
      text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hi there');
  });
});
