import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  type ChatModel,
  type ModelSettings,
  TinyLLMError,
  createRouter,
  defineChatModel,
} from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelResolver } from './model-resolver';
import { createModelFromRecord, recordToSettings, testRecordConnection } from './record-to-model';
import { createRegistry } from './registry';
import { createMemoryStorage } from './storage/memory/index';

const key = Buffer.alloc(32, 5).toString('base64');
const secret = 'plain-canary-7f3a9c21e4'; // no sk-/hf_ shape: only exact-string redaction finds it
const open = () =>
  createRegistry({
    storage: createMemoryStorage(),
    encryptionKey: key,
    validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
  });

/** A model answering with its own name; the factory copies settings the way providers do. */
function namedModels(created: ModelSettings[]) {
  return (settings: ModelSettings): ChatModel => {
    const copied = { ...settings };
    created.push(copied);
    return defineChatModel({
      provider: copied.provider,
      modelId: copied.modelId,
      capabilities: { streaming: true, tools: true },
      async *doStream() {
        yield { type: 'text-delta', text: copied.modelId };
        yield { type: 'finish', finishReason: 'stop' };
      },
    });
  };
}

describe('recordToSettings', () => {
  it('keeps the key out of every copy and print, while adapters can read it', async () => {
    // Before: `{...settings}`, structuredClone and Object.entries all showed the key.
    const registry = open();
    const record = await registry.models.register({
      name: 'keyed',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:1/v1',
      modelId: 'm',
      apiKey: secret,
    });
    const settings = await recordToSettings(record, {
      reveal: (entry) => registry.models.reveal(entry.id),
    });
    expect(settings.apiKey).toBe(secret);
    const views = [
      JSON.stringify({ ...settings }),
      JSON.stringify(structuredClone(settings)),
      JSON.stringify(Object.entries(settings)),
      JSON.stringify(Object.assign({}, settings)),
      JSON.stringify(settings),
      inspect(settings),
      String(Object.values(settings)),
    ];
    for (const view of views) expect(view).not.toContain(secret);
    expect(JSON.stringify(settings)).toContain('[REDACTED]');
    // createModelFromRecord hands the factory the key even though factories copy settings.
    const created: ModelSettings[] = [];
    await createModelFromRecord(record, namedModels(created), {
      reveal: (entry) => registry.models.reveal(entry.id),
    });
    expect(created[0]?.apiKey).toBe(secret);
  });
});

describe('testRecordConnection', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A server that echoes the Authorization header in its 401 body, as some do.
    server = createServer((request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `invalid key: ${request.headers.authorization}` }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('never shows the key, even when the server echoes it back', async () => {
    const registry = open();
    const record = await registry.models.register({
      name: 'echo',
      provider: 'openai-compatible',
      baseUrl: url,
      modelId: 'm',
      apiKey: secret,
    });
    // An adapter that puts the response body into its error, unredacted.
    const leaky = (settings: ModelSettings): ChatModel =>
      defineChatModel({
        provider: settings.provider,
        modelId: settings.modelId,
        capabilities: { streaming: true, tools: true },
        // biome-ignore lint/correctness/useYield: fails before the first event
        async *doStream() {
          const response = await fetch(`${settings.baseURL}/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${settings.apiKey}` },
            body: '{}',
          });
          throw new TinyLLMError({
            code: 'AUTH_FAILED',
            message: `Server said ${response.status}: ${await response.text()}`,
          });
        },
      });
    const result = await testRecordConnection('echo', leaky, { registry });
    expect(result.ok).toBe(false);
    expect(result.errorCode).toBe('AUTH_FAILED');
    expect(result.message).toContain('[REDACTED]');
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(inspect(result)).not.toContain(secret);
    expect(record.hasApiKey).toBe(true);
  });
});

describe('createModelResolver (the router takes a registry as model source)', () => {
  it('serves name@production and applies a promotion on the next request, no restart', async () => {
    const registry = open();
    const v1 = await registry.models.register({
      name: 'tools-v1',
      provider: 'ollama',
      modelId: 'v1',
    });
    const v2 = await registry.models.register({
      name: 'tools-v2',
      provider: 'ollama',
      modelId: 'v2',
    });
    await registry.aliases.set('tools', 'production', v1.id);
    await registry.aliases.set('tools', 'candidate', v2.id);
    const created: ModelSettings[] = [];
    const router = createRouter({
      models: {},
      resolveModel: createModelResolver(registry, namedModels(created)),
    });
    const ask = async (name: string) =>
      (await router.chat(name, { messages: [{ role: 'user', content: 'hi' }] })).text;
    expect(await ask('tools@production')).toBe('v1');
    expect(await ask('tools@production')).toBe('v1');
    expect(created).toHaveLength(1); // one model per record revision, reused
    await registry.aliases.set('tools', 'production', 'tools@candidate');
    expect(await ask('tools@production')).toBe('v2');
    expect(await ask('tools-v1')).toBe('v1');
    const missing = await router
      .chat('tools@staging', { messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(TinyLLMError.hasCode(missing, 'MODEL_NOT_FOUND')).toBe(true);
    // createModelFromRecord takes the same references.
    const direct = await createModelFromRecord('tools@production', namedModels([]), { registry });
    expect(direct.modelId).toBe('v2');
    await expect(createModelFromRecord('tools@production', namedModels([]))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });
});
