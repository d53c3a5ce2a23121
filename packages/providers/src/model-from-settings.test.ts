import { TinyLLMError } from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OllamaTestServer, startOllamaServer } from '../test/servers/ollama-server';
import { type OpenAISseServer, startOpenAISseServer } from '../test/servers/openai-sse-server';
import { createModelFromSettings, testConnection } from './index';

let ollama: OllamaTestServer;
let openai: OpenAISseServer;
let tgi: OpenAISseServer;
beforeAll(async () => {
  [ollama, openai, tgi] = await Promise.all([
    startOllamaServer(),
    startOpenAISseServer(),
    startOpenAISseServer({ flavor: 'tgi' }),
  ]);
});
afterAll(async () => {
  await Promise.all([ollama.close(), openai.close(), tgi.close()]);
});

const text = (value: string) => ({
  kind: 'text' as const,
  chunks: [value],
  finishReason: 'stop' as const,
  usage: { inputTokens: 1, outputTokens: 1 },
});
const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('createModelFromSettings', () => {
  it('builds an Ollama model with its options and the default maxOutputTokens', async () => {
    ollama.script([text('from ollama')]);
    const model = await createModelFromSettings({
      provider: 'ollama',
      modelId: 'qwen3:0.6b',
      baseURL: ollama.url,
      maxOutputTokens: 99,
      contextLength: 4096,
      options: { think: false, keepAlive: '1m' },
    });
    expect(model.provider).toBe('ollama');
    expect(model.modelId).toBe('qwen3:0.6b');
    expect(model.capabilities.contextLength).toBe(4096);
    expect((await model.chat(ask)).text).toBe('from ollama');
    expect(ollama.chatRequests().at(-1)).toMatchObject({
      think: false,
      keep_alive: '1m',
      options: { num_ctx: 4096, num_predict: 99 },
    });
  });

  it('a request maxOutputTokens wins over the settings default', async () => {
    openai.script([text('x')]);
    const model = await createModelFromSettings({
      provider: 'openai-compatible',
      modelId: 'm',
      baseURL: `${openai.url}/v1`,
      apiKey: 'sk-settings-123456',
      maxOutputTokens: 99,
      supportsFunctions: false,
    });
    expect(model.capabilities.tools).toBe(false);
    await model.chat({ ...ask, maxOutputTokens: 5 });
    const sent = openai.server.lastRequest()!;
    expect(sent.json).toMatchObject({ max_tokens: 5, model: 'm' });
    expect(sent.headers['authorization']).toBe('Bearer sk-settings-123456');
  });

  it('reads an API key hidden from spread (as recordToSettings hides it) explicitly', async () => {
    openai.script([text('x')]);
    // @tinyllm/registry's recordToSettings() makes the key non-enumerable, so that copies and
    // prints of the settings leave it out; `settings.apiKey` still reads it.
    const settings = {
      provider: 'openai-compatible' as const,
      modelId: 'm',
      baseURL: `${openai.url}/v1`,
    };
    Object.defineProperty(settings, 'apiKey', {
      value: 'hidden-key-0123456789',
      enumerable: false,
    });
    expect({ ...settings }).not.toHaveProperty('apiKey');
    const model = await createModelFromSettings(settings);
    await model.chat(ask);
    expect(openai.server.lastRequest()!.headers['authorization']).toBe(
      'Bearer hidden-key-0123456789',
    );
  });

  it('builds a Hugging Face model whose baseURL is a dedicated endpoint', async () => {
    tgi.script([text('from tgi')]);
    const model = await createModelFromSettings({
      provider: 'huggingface',
      modelId: 'tgi',
      baseURL: tgi.url,
      apiKey: 'hf_settingstoken123',
    });
    expect((await model.chat(ask)).text).toBe('from tgi');
    expect(tgi.server.lastRequest()!.path).toBe('/v1/chat/completions');
  });

  it('passes an injected fetch to remote adapters', async () => {
    openai.script([text('via fetch')]);
    const seen: string[] = [];
    const model = await createModelFromSettings(
      { provider: 'openai-compatible', modelId: 'm', baseURL: 'http://proxy.invalid/v1' },
      {
        fetch: (input, init) => {
          const url = String(input);
          seen.push(url);
          return fetch(url.replace('http://proxy.invalid', openai.url), init);
        },
      },
    );
    expect((await model.chat(ask)).text).toBe('via fetch');
    expect(seen).toEqual(['http://proxy.invalid/v1/chat/completions']);
  });

  it('rejects invalid settings with INVALID_CONFIG naming the field', async () => {
    const missingURL = await createModelFromSettings({
      provider: 'openai-compatible',
      modelId: 'm',
    }).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(missingURL, 'INVALID_CONFIG')).toBe(true);
    expect((missingURL as TinyLLMError).path).toBe('baseURL');
    const badProvider = await createModelFromSettings({
      provider: 'nope',
      modelId: 'm',
    } as never).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(badProvider, 'INVALID_CONFIG')).toBe(true);
    expect((badProvider as TinyLLMError).path).toBe('provider');
  });
});

describe('testConnection', () => {
  it('reports ok with the latency', async () => {
    ollama.script([text('pong')]);
    const result = await testConnection({
      provider: 'ollama',
      modelId: 'qwen3:0.6b',
      baseURL: ollama.url,
    });
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(ollama.chatRequests().at(-1)).toMatchObject({ options: { num_predict: 1 } });
  });

  it('reports the typed error code of each adapter', async () => {
    openai.script([{ kind: 'http-error', status: 401, message: 'bad key' }]);
    const auth = await testConnection({
      provider: 'openai-compatible',
      modelId: 'm',
      baseURL: `${openai.url}/v1`,
    });
    expect(auth).toMatchObject({ ok: false, code: 'AUTH_FAILED' });

    ollama.script([
      { kind: 'http-error', status: 404, message: 'model "x" not found, try pulling it first' },
    ]);
    const missing = await testConnection({ provider: 'ollama', modelId: 'x', baseURL: ollama.url });
    expect(missing).toMatchObject({ ok: false, code: 'MODEL_NOT_FOUND' });

    tgi.script([{ kind: 'http-error', status: 503, message: 'loading' }]);
    const loading = await testConnection({
      provider: 'huggingface',
      modelId: 'tgi',
      baseURL: tgi.url,
      apiKey: 'hf_abcdefgh1234',
    });
    expect(loading).toMatchObject({ ok: false, code: 'MODEL_LOADING' });

    const unreachable = await testConnection({
      provider: 'ollama',
      modelId: 'x',
      baseURL: 'http://127.0.0.1:1',
    });
    expect(unreachable).toMatchObject({ ok: false, code: 'PROVIDER_UNAVAILABLE' });

    const invalid = await testConnection({ provider: 'openai-compatible', modelId: 'm' });
    expect(invalid).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });
  });

  it('times out with TIMEOUT, and honours the caller signal with ABORTED', async () => {
    openai.script([{ kind: 'endless', chunk: '', intervalMs: 20 }]);
    const model = await createModelFromSettings({
      provider: 'openai-compatible',
      modelId: 'm',
      baseURL: `${openai.url}/v1`,
    });
    const timedOut = await testConnection(model, { timeoutMs: 80 });
    expect(timedOut).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect(timedOut.latencyMs).toBeLessThan(1000);

    openai.script([{ kind: 'endless', chunk: '', intervalMs: 20 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const aborted = await testConnection(model, { signal: controller.signal, timeoutMs: 5000 });
    expect(aborted).toMatchObject({ ok: false, code: 'ABORTED' });
  });
});
