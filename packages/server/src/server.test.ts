import { TinyLLMError, errorCodes } from '@tinyllm/core';
import { createScriptedModel } from '@tinyllm/core/testing';
import { createMemoryStorage, createRegistry } from '@tinyllm/registry';
import { describe, expect, it } from 'vitest';
import { errorStatusByCode } from './openai/errors';
import { createServer } from './server';

const user = { role: 'user', content: 'What is 12 * 7?' };

function post(
  server: ReturnType<typeof createServer>,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return server(
    new Request('http://local/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** The `data:` payloads of an SSE body. */
function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.length > 0)
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      return frame.slice('data: '.length);
    });
}

describe('createServer with scripted models', () => {
  it('streams chunks exactly as OpenAI does, with include_usage', async () => {
    const model = createScriptedModel({
      script: [
        {
          text: ['Hel', 'lo'],
          toolCalls: [{ id: 'call_a', name: 'calculator', arguments: { expression: '1+1' } }],
          usage: { inputTokens: 5, outputTokens: 3 },
        },
      ],
    });
    const server = createServer({ models: { scripted: model } });
    const response = await post(server, {
      model: 'scripted',
      messages: [user],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const data = dataLines(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-/);
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe('scripted');
      expect(chunk).toHaveProperty('usage');
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello');
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'calculator', arguments: '' } },
      { index: 0, function: { arguments: '{"expression":"1+1"}' } },
    ]);
    const finish = chunks.at(-2);
    expect(finish.choices[0]).toEqual({
      index: 0,
      delta: {},
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(finish.usage).toBeNull();
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
  });

  it('sends no usage field without include_usage, and a JSON completion without stream', async () => {
    const model = createScriptedModel({
      script: [{ text: 'Hi' }],
      repeat: true,
    });
    const server = createServer({ models: { scripted: model } });
    const streamed = dataLines(
      await (await post(server, { model: 'scripted', messages: [user], stream: true })).text(),
    );
    for (const line of streamed.slice(0, -1)) expect(JSON.parse(line)).not.toHaveProperty('usage');
    const response = await post(server, { model: 'scripted', messages: [user] });
    const body = await response.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'scripted',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', refusal: null },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
  });

  it('reports a failure after the stream started as an error data event', async () => {
    const model = createScriptedModel({
      script: [
        { text: ['partial'], error: { code: 'GENERATION_FAILED', message: 'the runtime crashed' } },
      ],
    });
    const server = createServer({ models: { scripted: model } });
    const data = dataLines(
      await (await post(server, { model: 'scripted', messages: [user], stream: true })).text(),
    );
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1) as string)).toEqual({
      error: {
        message: 'the runtime crashed',
        type: 'server_error',
        param: null,
        code: 'generation_failed',
      },
    });
  });

  it('answers a failure before the first event with its status and Retry-After', async () => {
    const model = createScriptedModel({
      script: [{ error: { code: 'QUEUE_FULL', message: 'busy', retryAfterMs: 2500 } }],
      repeat: true,
    });
    const server = createServer({ models: { scripted: model } });
    for (const stream of [true, false]) {
      const response = await post(server, { model: 'scripted', messages: [user], stream });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(await response.json()).toEqual({
        error: { message: 'busy', type: 'rate_limit_error', param: null, code: 'queue_full' },
      });
    }
  });

  it('sends the headers of a stream still waiting for the model after 5 s', async () => {
    const model = createScriptedModel({ script: [{ text: ['late'], chunkDelayMs: 7_000 }] });
    const server = createServer({ models: { scripted: model } });
    const started = Date.now();
    const response = await post(server, { model: 'scripted', messages: [user], stream: true });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(6_500);
    const data = dataLines(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    expect(
      data
        .map((line) =>
          line === '[DONE]' ? '' : (JSON.parse(line).choices[0]?.delta.content ?? ''),
        )
        .join(''),
    ).toBe('late');
  });

  it('a client leaving while its stream still waits for the model leaves no unhandled rejection', async () => {
    // Found by the load bench: clients that gave up while queued (after their headers went out)
    // crashed the whole server process with an unhandled ABORTED rejection.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const model = createScriptedModel({ script: [{ text: ['late'], chunkDelayMs: 7_000 }] });
      const server = createServer({ models: { scripted: model } });
      const client = new AbortController();
      const response = await server(
        new Request('http://local/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'scripted', messages: [user], stream: true }),
          signal: client.signal,
        }),
      );
      expect(response.status).toBe(200);
      client.abort();
      await response.body?.cancel().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('answers every core error code with its deliberate status', async () => {
    // The decision per code, written out here so that a change of the map is a change of this
    // table too. AUTH_FAILED from a model is the upstream refusing the server's own key: 502.
    const expected: Record<(typeof errorCodes)[number], number> = {
      INVALID_REQUEST: 400,
      INVALID_TOOL_ARGUMENTS: 400,
      CONTEXT_LENGTH_EXCEEDED: 400,
      AUTH_FAILED: 502,
      MODEL_NOT_FOUND: 404,
      NOT_FOUND: 404,
      CONFLICT: 409,
      ABORTED: 499,
      RATE_LIMITED: 429,
      QUEUE_FULL: 429,
      GENERATION_FAILED: 500,
      TOOL_CALL_PARSE_FAILED: 500,
      TOOL_EXECUTION_FAILED: 500,
      OUTPUT_INVALID: 500,
      INVALID_CONFIG: 500,
      MISSING_DEPENDENCY: 500,
      MODEL_LOAD_FAILED: 500,
      PROVIDER_UNAVAILABLE: 502,
      MODEL_LOADING: 503,
      MEMORY_EXCEEDED: 503,
      TIMEOUT: 504,
    };
    expect(Object.keys(errorStatusByCode).sort()).toEqual([...errorCodes].sort());
    for (const code of errorCodes) {
      const model = createScriptedModel({ script: [{ error: { code, message: `m-${code}` } }] });
      const server = createServer({ models: { scripted: model } });
      const response = await post(server, { model: 'scripted', messages: [user] });
      expect(response.status, code).toBe(expected[code]);
      const body = await response.json();
      expect(body.error.message, code).toBe(`m-${code}`);
      expect(response.headers.has('retry-after'), code).toBe(
        expected[code] === 429 || expected[code] === 503,
      );
    }
  });

  it('maps unknown models to 404, bad fields to 400 naming them, unknown routes to 404', async () => {
    const server = createServer({ models: { scripted: createScriptedModel({ script: [] }) } });
    const missing = await post(server, { model: 'nope', messages: [user] });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const bad = await post(server, { model: 'scripted', messages: [user], top_p: 0 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'top_p',
      code: 'invalid_request',
    });
    const notJson = await server(
      new Request('http://local/v1/chat/completions', { method: 'POST', body: '{' }),
    );
    expect(notJson.status).toBe(400);
    const route = await server(new Request('http://local/v1/embeddings', { method: 'POST' }));
    expect(route.status).toBe(404);
    expect((await route.json()).error.message).toContain('/v1/embeddings');
  });

  it('requires a configured key on /v1 and never echoes it', async () => {
    const server = createServer({
      models: { scripted: createScriptedModel({ script: [{ text: 'ok' }], repeat: true }) },
      apiKeys: ['sk-first-secret-key', 'sk-second-secret-key'],
    });
    const list = (authorization?: string) =>
      server(
        new Request('http://local/v1/models', {
          headers: authorization ? { authorization } : {},
        }),
      );
    for (const header of [
      undefined,
      'Bearer sk-wrong-secret-key',
      'Basic abc',
      'Bearer sk-first-secret-ke',
    ]) {
      const response = await list(header);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain('sk-');
      expect(JSON.parse(text).error.code).toBe('invalid_api_key');
    }
    expect((await list('Bearer sk-second-secret-key')).status).toBe(200);
    expect((await list('bearer sk-first-secret-key')).status).toBe(200);
    const health = await server(new Request('http://local/health'));
    expect(health.status).toBe(200);
  });

  it('lists models from every source and serves registry records, recording their usage', async () => {
    const registry = createRegistry({ storage: createMemoryStorage() });
    await registry.models.register({
      name: 'from-registry',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9/v1',
      modelId: 'remote',
    });
    await registry.models.register({
      name: 'switched-off',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9/v1',
      modelId: 'remote',
      enabled: false,
    });
    const built: string[] = [];
    const server = createServer({
      models: { given: createScriptedModel({ script: [{ text: 'given' }] }) },
      registry,
      createModel: (settings) => {
        built.push(settings.modelId);
        return createScriptedModel({
          script: [
            {
              text: 'from the registry',
              usage: { inputTokens: 4, outputTokens: 2, cachedInputTokens: 3 },
            },
          ],
        });
      },
    });
    const list = await (await server(new Request('http://local/v1/models'))).json();
    expect(list.data.map((entry: { id: string }) => entry.id).sort()).toEqual([
      'from-registry',
      'given',
    ]);
    const response = await post(server, { model: 'from-registry', messages: [user] });
    const body = await response.json();
    expect(body.choices[0].message.content).toBe('from the registry');
    expect(body.usage.prompt_tokens_details).toEqual({ cached_tokens: 3 });
    expect(built).toEqual(['remote']);
    expect((await post(server, { model: 'switched-off', messages: [user] })).status).toBe(404);
    await registry.flush();
    const stats = await registry.usage.stats('from-registry');
    expect(stats).toMatchObject({ requests: 1, tokens: { input: 4, cachedInput: 3, output: 2 } });
  });

  it('refuses a setup without models, or a registry without createModel', () => {
    expect(() => createServer({})).toThrow(TinyLLMError);
    expect(() =>
      createServer({ registry: createRegistry({ storage: createMemoryStorage() }) }),
    ).toThrow(/createModel/);
  });
});
