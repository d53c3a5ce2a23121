import { inspect } from 'node:util';
import {
  type ChatModel,
  type ModelSettings,
  TinyLLMError,
  type UsageEvent,
  defineChatModel,
} from '@tinyllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModelFromRecord, recordToSettings, testRecordConnection } from './record-to-model';
import { createRegistry } from './registry';
import { createMemoryStorage } from './storage/memory/index';
import { fromTemplate, providerTemplates } from './templates';

const key = Buffer.alloc(32, 9).toString('base64');
const open = (ownerId?: string | null) =>
  createRegistry({
    storage: createMemoryStorage(),
    ownerId,
    encryptionKey: key,
    validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
  });

/** A model that answers "pong" (or fails with `failWith`), recording the settings it got. */
function fakeCreateModel(seen: ModelSettings[], failWith?: TinyLLMError) {
  return (settings: ModelSettings): ChatModel => {
    seen.push(settings);
    return defineChatModel({
      provider: settings.provider,
      modelId: settings.modelId,
      capabilities: { streaming: true, tools: true },
      async *doStream() {
        if (failWith) throw failWith;
        yield { type: 'text-delta', text: 'pong' };
        yield { type: 'finish', finishReason: 'stop' };
      },
    });
  };
}

describe('provider templates', () => {
  it('fill sensible defaults that overrides win over', async () => {
    expect(fromTemplate('ollama', { name: 'q', modelId: 'qwen3:0.6b' })).toMatchObject({
      provider: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
      supportsFunctions: true,
    });
    const vllm = fromTemplate('openai-compatible', {
      name: 'v',
      modelId: 'm',
      baseUrl: 'http://gpu:8000/v1',
    });
    expect(vllm.baseUrl).toBe('http://gpu:8000/v1');
    expect(
      fromTemplate('transformers-local', { name: 't', modelId: 'onnx-community/Qwen3-0.6B-ONNX' })
        .options?.['dtype'],
    ).toBeUndefined();
    expect(() => fromTemplate('nope' as never, { name: 'x', modelId: 'y' })).toThrow(TinyLLMError);
    // Every template produces a registrable input.
    const registry = open();
    for (const id of Object.keys(providerTemplates) as Array<keyof typeof providerTemplates>) {
      await registry.models.register(fromTemplate(id, { name: `from-${id}`, modelId: 'm' }));
    }
    expect((await registry.models.list()).total).toBe(4);
  });
});

describe('from record to model', () => {
  it('builds settings, revealing the key only on request and redacting it when printed', async () => {
    const registry = open();
    const record = await registry.models.register(
      fromTemplate('hf-inference', {
        name: 'hf',
        modelId: 'acme/qwen3-tools',
        apiKey: 'hf_abcdefghijklmnop',
        contextLength: 4096,
      }),
    );
    const without = await recordToSettings(record);
    expect(without).toMatchObject({
      provider: 'huggingface',
      modelId: 'acme/qwen3-tools',
      baseURL: 'https://router.huggingface.co',
      contextLength: 4096,
    });
    expect(without.apiKey).toBeUndefined();
    const withKey = await recordToSettings(record, {
      reveal: (entry) => registry.models.reveal(entry.id),
    });
    expect(withKey.apiKey).toBe('hf_abcdefghijklmnop');
    expect(JSON.stringify(withKey)).not.toContain('hf_abcdefghijklmnop');
    expect(inspect(withKey)).not.toContain('hf_abcdefghijklmnop');
    expect(JSON.stringify(withKey)).toContain('[REDACTED]');
  });

  it('creates a ChatModel through the given factory and refuses disabled records', async () => {
    const registry = open();
    const seen: ModelSettings[] = [];
    const record = await registry.models.register(
      fromTemplate('ollama', { name: 'o', modelId: 'qwen3:0.6b' }),
    );
    const model = await createModelFromRecord(record, fakeCreateModel(seen));
    expect((await model.chat({ messages: [{ role: 'user', content: 'ping' }] })).text).toBe('pong');
    expect(seen[0]).toMatchObject({ provider: 'ollama', modelId: 'qwen3:0.6b' });
    const disabled = await registry.models.update(record.id, { revision: 1, enabled: false });
    await expect(createModelFromRecord(disabled, fakeCreateModel(seen))).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
  });

  it('tests a connection: ok with latency, or the error code', async () => {
    const registry = open();
    const record = await registry.models.register(
      fromTemplate('ollama', { name: 'o', modelId: 'm' }),
    );
    const ok = await testRecordConnection(record, fakeCreateModel([]));
    expect(ok.ok).toBe(true);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const down = await testRecordConnection(
      record,
      fakeCreateModel(
        [],
        new TinyLLMError({ code: 'PROVIDER_UNAVAILABLE', message: 'connection refused' }),
      ),
    );
    expect(down).toMatchObject({ ok: false, errorCode: 'PROVIDER_UNAVAILABLE' });
  });
});

describe('usage hooks', () => {
  it('record what core hooks emit, tagged with the session, for per-model stats', async () => {
    const registry = open();
    const a = await registry.models.register(fromTemplate('ollama', { name: 'a', modelId: 'm' }));
    const hooks = registry.usageHooks(a, { sessionId: 'chat-1', tags: ['experiment'] });
    const event: UsageEvent = {
      requestId: 'r1',
      provider: 'ollama',
      modelId: 'm',
      startedAt: new Date().toISOString(),
      timeToFirstTokenMs: 12,
      totalMs: 80,
      inputTokens: 20,
      outputTokens: 7,
      estimated: true,
      streamed: true,
    };
    hooks.onUsage?.(event);
    hooks.onUsage?.({ ...event, requestId: 'r2', totalMs: 120, errorCode: 'TIMEOUT' });
    await registry.flush();
    expect(
      await registry.usage.stats(a.id, { sessionId: 'chat-1', tag: 'experiment' }),
    ).toMatchObject({
      requests: 2,
      errors: 1,
      latencyMs: { p50: 100 },
      tokens: { input: 40, output: 14, estimatedRequests: 2 },
    });
  });

  it('never throw into the request; failures go to onHookError', async () => {
    const errors: unknown[] = [];
    const registry = createRegistry({
      storage: createMemoryStorage(),
      onHookError: (error) => errors.push(error),
      validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
    });
    const hooks = registry.usageHooks('missing-model');
    expect(() =>
      hooks.onUsage?.({
        requestId: 'r',
        provider: 'p',
        modelId: 'm',
        startedAt: 'x',
        totalMs: 1,
        inputTokens: 0,
        outputTokens: 0,
        estimated: false,
        streamed: false,
      }),
    ).not.toThrow();
    await registry.flush();
    expect(TinyLLMError.hasCode(errors[0], 'NOT_FOUND')).toBe(true);
  });
});

describe('export and import', () => {
  it('round-trips models, lineage and configs through registry.json', async () => {
    const source = open();
    const base = await source.models.register(
      fromTemplate('ollama', { name: 'base', modelId: 'm', apiKey: 'sk-export-secret-1' }),
    );
    await source.models.register(
      fromTemplate('ollama', {
        name: 'child',
        modelId: 'm',
        provenance: { fineTunedFrom: base.id, trainingMethod: 'dpo' },
      }),
    );
    await source.configs.save({ name: 'cfg', config: { learning_rate: 0.001 } });
    const text = await source.exportJson({ includeSecrets: true });
    expect(text).not.toContain('sk-export-secret-1');
    // The child is listed first on purpose: import must place parents first.
    const file = JSON.parse(text);
    file.models.reverse();
    const target = createRegistry({
      storage: createMemoryStorage(),
      ownerId: 'alice',
      encryptionKey: key,
      validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
    });
    const result = await target.importJson(JSON.stringify(file));
    expect(result.models).toEqual({ imported: 2, skipped: [] });
    expect(result.configs.imported).toBe(1);
    expect((await target.models.get('child')).ownerId).toBe('alice');
    expect((await target.models.lineage('child')).ancestors.map((model) => model.name)).toEqual([
      'base',
    ]);
    expect(await target.models.reveal('base')).toBe('sk-export-secret-1');
    // Importing again skips what exists.
    const again = await target.importJson(JSON.stringify(file));
    expect(again.models.imported).toBe(0);
    expect(again.models.skipped).toHaveLength(2);
    // Without includeSecrets the key is dropped.
    expect(
      JSON.parse(await source.exportJson()).models.every(
        (model: { apiKey: unknown }) => model.apiKey === null,
      ),
    ).toBe(true);
  });

  it('rejects a malformed import naming the field, importing nothing', async () => {
    const registry = open();
    const error = await registry
      .importJson(
        JSON.stringify({
          format: 'tinyllm-registry',
          version: 1,
          configs: [],
          models: [{ name: '../x' }],
        }),
      )
      .catch((caught: unknown) => caught as TinyLLMError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    expect((error as TinyLLMError).path).toMatch(/^models\[0\]\./);
    expect((await registry.models.list()).total).toBe(0);
  });
});

describe('input validation (property)', () => {
  it('any input registers or fails with INVALID_REQUEST naming a field, never anything else', async () => {
    const registry = open();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.oneof(
              fc.string({ maxLength: 140 }),
              fc.constantFrom('ok-name', '../up', 'a/b', 'x..y', ''),
            ),
            provider: fc.oneof(
              fc.constantFrom('ollama', 'huggingface', 'transformers', 'openai-compatible'),
              fc.string(),
            ),
            modelId: fc.string({ maxLength: 20 }),
            contextLength: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
            tags: fc.array(fc.string({ maxLength: 70 }), { maxLength: 40 }),
            provenance: fc.oneof(fc.constant(null), fc.object({ maxDepth: 2 })),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          try {
            const record = await registry.models.register(input as never);
            expect(record.revision).toBe(1);
            await registry.models.delete(record.id);
          } catch (error) {
            if (!TinyLLMError.isInstance(error)) throw error;
            expect(['INVALID_REQUEST', 'CONFLICT']).toContain(error.code);
            if (error.code === 'INVALID_REQUEST') expect(typeof error.path).toBe('string');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
