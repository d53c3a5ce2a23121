/**
 * The shared conformance suite every storage adapter passes (test-only: not exported from the
 * package index). It drives adapters through `createRegistry()`, the way apps use them, and
 * reads the adapter directly where it must see what is stored.
 */
import { TinyLLMError, type UsageEvent } from '@tinyllm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Registry, type RegistrySettings, createRegistry } from '../registry';
import type { ModelRecord, RegisterModelInput } from '../records';
import type { StorageAdapter } from './types';

/** A fixed 32-byte test key (base64). */
export const testEncryptionKey = Buffer.alloc(32, 7).toString('base64');

/** Config validator used by the suite, so results do not depend on config-builder's rules. */
export const testValidateConfig = (config: unknown) => {
  const learningRate = (config as { learning_rate?: unknown }).learning_rate;
  return typeof learningRate === 'number'
    ? { valid: true, errors: [], warnings: [] }
    : {
        valid: false,
        errors: [{ path: 'learning_rate', code: 'REQUIRED', message: 'learning_rate is required' }],
        warnings: [],
      };
};

async function expectCode(promise: Promise<unknown>, code: string): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    expect(TinyLLMError.isInstance(error), String(error)).toBe(true);
    expect((error as TinyLLMError).code).toBe(code);
    return error as TinyLLMError;
  }
  throw new Error(`expected a ${code} error, but the call succeeded`);
}

const model = (name: string, extra: Partial<RegisterModelInput> = {}): RegisterModelInput => ({
  name,
  provider: 'ollama',
  modelId: `${name}:latest`,
  ...extra,
});

function usageEvent(totalMs: number, extra: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: `r-${Math.random()}`,
    provider: 'ollama',
    modelId: 'm',
    startedAt: '2026-01-01T00:00:00.000Z',
    totalMs,
    inputTokens: 10,
    outputTokens: 5,
    estimated: false,
    streamed: false,
    ...extra,
  };
}

/**
 * Registers the conformance tests for one adapter. `factory` must return a fresh, empty storage
 * each call; the suite closes it.
 */
export function describeStorageConformance(
  name: string,
  factory: () => StorageAdapter | Promise<StorageAdapter>,
  options: { skip?: string | false } = {},
): void {
  const title = options.skip
    ? `storage conformance: ${name} (skipped: ${options.skip})`
    : `storage conformance: ${name}`;
  describe.skipIf(Boolean(options.skip))(title, () => {
    let storages: StorageAdapter[] = [];
    afterEach(async () => {
      await Promise.all(storages.map((storage) => storage.close()));
      storages = [];
    });

    async function open(
      settings: Partial<Omit<RegistrySettings, 'storage'>> = {},
    ): Promise<{ storage: StorageAdapter; registry: (ownerId?: string | null) => Registry }> {
      const storage = await factory();
      storages.push(storage);
      return {
        storage,
        registry: (ownerId = null) =>
          createRegistry({
            storage,
            ownerId,
            encryptionKey: testEncryptionKey,
            validateConfig: testValidateConfig,
            ...settings,
          }),
      };
    }

    it('registers, gets by id and name, updates and deletes', async () => {
      const { registry } = await open();
      const r = registry();
      const created = await r.models.register(
        model('qwen3-tools', {
          description: 'Qwen3 0.6B with tool SFT',
          contextLength: 4096,
          tags: ['tools', 'small'],
          provenance: {
            trainingMethod: 'sft',
            baseModel: 'Qwen/Qwen3-0.6B',
            evaluation: { tool_accuracy: 0.91 },
          },
          options: { temperature: 0.2 },
        }),
      );
      expect(created).toMatchObject({
        name: 'qwen3-tools',
        revision: 1,
        ownerId: null,
        hasApiKey: false,
      });
      expect(await r.models.get(created.id)).toEqual(created);
      expect(await r.models.get('qwen3-tools')).toEqual(created);

      const updated = await r.models.update(created.id, {
        revision: 1,
        description: 'changed',
        enabled: false,
        tags: ['tools'],
      });
      expect(updated).toMatchObject({
        revision: 2,
        description: 'changed',
        enabled: false,
        tags: ['tools'],
      });
      expect(updated.provenance).toEqual(created.provenance);
      expect(await r.models.get(created.id)).toEqual(updated);

      await r.models.delete('qwen3-tools');
      await expectCode(r.models.get(created.id), 'NOT_FOUND');
      expect(await r.models.find('qwen3-tools')).toBeUndefined();
      await expectCode(r.models.delete(created.id), 'NOT_FOUND');
    });

    it('keeps names unique per owner, not across owners', async () => {
      const { registry } = await open();
      await registry().models.register(model('shared-name'));
      await expectCode(registry().models.register(model('shared-name')), 'CONFLICT');
      const alice = await registry('alice').models.register(model('shared-name'));
      const bob = await registry('bob').models.register(model('shared-name'));
      expect(alice.ownerId).toBe('alice');
      expect(bob.ownerId).toBe('bob');
      await expectCode(registry('alice').models.register(model('shared-name')), 'CONFLICT');
      // The owner's own model wins a name lookup over the global one.
      expect((await registry('alice').models.get('shared-name')).id).toBe(alice.id);
      // Renaming onto a taken name conflicts too.
      const other = await registry('alice').models.register(model('other'));
      await expectCode(
        registry('alice').models.update(other.id, { revision: 1, name: 'shared-name' }),
        'CONFLICT',
      );
    });

    it('filters by provider, tag, training method, base model, enabled, owner and text', async () => {
      const { registry } = await open();
      const global = registry();
      const alice = registry('alice');
      await global.models.register(
        model('alpha', {
          provider: 'ollama',
          tags: ['chat'],
          provenance: { trainingMethod: 'sft', baseModel: 'base-a' },
        }),
      );
      await global.models.register(
        model('beta', {
          provider: 'openai-compatible',
          baseUrl: 'http://gpu:8000/v1',
          tags: ['tools'],
          enabled: false,
          description: 'Serves TOOL calls',
        }),
      );
      await global.models.register(
        model('gamma', {
          provider: 'huggingface',
          tags: ['tools', 'chat'],
          provenance: { trainingMethod: 'dpo', baseModel: 'base-a' },
        }),
      );
      await alice.models.register(
        model('delta', {
          provider: 'ollama',
          tags: ['tools'],
          provenance: { trainingMethod: 'dpo', baseModel: 'base-b' },
        }),
      );
      await registry('bob').models.register(
        model('epsilon', { provider: 'ollama', tags: ['tools'] }),
      );
      const names = async (query: Parameters<Registry['models']['list']>[0]) =>
        (await alice.models.list(query)).items.map((item) => item.name);

      expect(await names({})).toEqual(['alpha', 'beta', 'delta', 'gamma']);
      expect(await names({ provider: 'ollama' })).toEqual(['alpha', 'delta']);
      expect(await names({ tag: 'tools' })).toEqual(['beta', 'delta', 'gamma']);
      expect(await names({ trainingMethod: 'dpo' })).toEqual(['delta', 'gamma']);
      expect(await names({ baseModel: 'base-a' })).toEqual(['alpha', 'gamma']);
      expect(await names({ enabled: false })).toEqual(['beta']);
      expect(await names({ scope: 'own' })).toEqual(['delta']);
      expect(await names({ scope: 'global' })).toEqual(['alpha', 'beta', 'gamma']);
      expect(await names({ search: 'tool' })).toEqual(['beta']);
      expect(await names({ search: 'ELT' })).toEqual(['delta']);
      expect(await names({ search: '%' })).toEqual([]);
      expect(await names({ tag: 'tools', trainingMethod: 'dpo', provider: 'huggingface' })).toEqual(
        ['gamma'],
      );
    });

    it('pages through every match exactly once in a stable order', async () => {
      const { registry } = await open();
      const r = registry();
      const expected: string[] = [];
      for (let index = 0; index < 23; index++) {
        const name = `m-${String((index * 7) % 23).padStart(2, '0')}`;
        expected.push(name);
        await r.models.register(model(name, { tags: index % 2 === 0 ? ['even'] : [] }));
      }
      expected.sort();
      const seen: string[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page: Awaited<ReturnType<Registry['models']['list']>> = await r.models.list({
          limit: 5,
          offset,
        });
        expect(page.total).toBe(23);
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((item) => item.name));
        offset = page.nextOffset;
      }
      expect(seen).toEqual(expected);
      const even = await r.models.list({ tag: 'even', limit: 100 });
      expect(even.total).toBe(12);
      expect(even.nextOffset).toBeNull();
      const past = await r.models.list({ offset: 100 });
      expect(past).toEqual({ items: [], total: 23, nextOffset: null });
    });

    it("scopes owners: a user sees global and own models, never another user's", async () => {
      const { registry, storage } = await open();
      const globalModel = await registry().models.register(model('global-one'));
      const bobModel = await registry('bob').models.register(
        model('bobs-model', { apiKey: 'sk-bob-secret-1234' }),
      );
      const alice = registry('alice');
      const own = await alice.models.register(model('alices-model'));

      expect((await alice.models.list()).items.map((item) => item.name)).toEqual([
        'alices-model',
        'global-one',
      ]);
      await expectCode(alice.models.get(bobModel.id), 'NOT_FOUND');
      await expectCode(alice.models.get('bobs-model'), 'NOT_FOUND');
      await expectCode(
        alice.models.update(bobModel.id, { revision: 1, description: 'hijacked' }),
        'NOT_FOUND',
      );
      await expectCode(alice.models.delete(bobModel.id), 'NOT_FOUND');
      await expectCode(alice.models.reveal(bobModel.id), 'NOT_FOUND');
      await expectCode(alice.usage.record(bobModel.id, usageEvent(10)), 'NOT_FOUND');
      // Global models are readable but only the global registry may change them.
      expect((await alice.models.get(globalModel.id)).name).toBe('global-one');
      await expectCode(
        alice.models.update(globalModel.id, { revision: 1, description: 'x' }),
        'AUTH_FAILED',
      );
      await expectCode(alice.models.delete(globalModel.id), 'AUTH_FAILED');
      // The global view does not see users' models.
      await expectCode(registry().models.get(own.id), 'NOT_FOUND');
      // Directly at the adapter: a forged write for bob's record from alice's scope fails.
      const stored = await storage.getModel(bobModel.id, { type: 'all' });
      expect(stored).toBeDefined();
      await expectCode(
        storage.replaceModel({ ...stored!, description: 'forged', revision: 2 }, 1, {
          type: 'owner',
          ownerId: 'alice',
        }),
        'NOT_FOUND',
      );
      expect(await storage.deleteModel(bobModel.id, { type: 'owner', ownerId: 'alice' })).toBe(
        false,
      );
      // Bob's record is untouched.
      const bob = registry('bob');
      expect(await bob.models.get(bobModel.id)).toEqual(bobModel);
      expect(await bob.models.reveal(bobModel.id)).toBe('sk-bob-secret-1234');
      // Administration sees everyone.
      expect((await registry('*').models.list()).total).toBe(3);
    });

    it('rejects a stale revision with CONFLICT and writes nothing', async () => {
      const { registry } = await open();
      const r = registry();
      const created = await r.models.register(model('contested'));
      await r.models.update(created.id, { revision: 1, description: 'first' });
      const error = await expectCode(
        r.models.update(created.id, { revision: 1, description: 'second' }),
        'CONFLICT',
      );
      expect(error.details).toMatchObject({ revision: 2, expectedRevision: 1 });
      const current = await r.models.get(created.id);
      expect(current).toMatchObject({ description: 'first', revision: 2 });
    });

    it('loses nothing under concurrent writers', async () => {
      const { registry } = await open();
      const r = registry();
      const created = await r.models.register(model('counter'));
      // Each writer adds its tag with read-modify-write, retrying on CONFLICT.
      const writers = Array.from({ length: 12 }, (_, index) => async () => {
        for (;;) {
          const current = await r.models.get(created.id);
          try {
            await r.models.update(created.id, {
              revision: current.revision,
              tags: [...current.tags, `w${index}`],
            });
            return;
          } catch (error) {
            if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
          }
        }
      });
      await Promise.all(writers.map((write) => write()));
      const final = await r.models.get(created.id);
      expect([...final.tags].sort()).toEqual(
        Array.from({ length: 12 }, (_, index) => `w${index}`).sort(),
      );
      expect(final.revision).toBe(13);

      // Writers racing with the same revision: exactly one wins, the rest get CONFLICT.
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          r.models.update(created.id, { revision: 13, description: 'race' }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(TinyLLMError.hasCode(result.reason, 'CONFLICT')).toBe(true);
        }
      }
      const inserts = await Promise.allSettled(
        Array.from({ length: 6 }, () => r.models.register(model('same'))),
      );
      expect(inserts.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => r.models.register(model(`parallel-${index}`))),
      );
      expect((await r.models.list({ search: 'parallel-' })).total).toBe(20);
    });

    it('stores large records and many models', async () => {
      const { registry } = await open();
      const r = registry();
      const big = await r.models.register(
        model('big', {
          description: 'd'.repeat(4000),
          tags: Array.from({ length: 32 }, (_, index) => `tag-${index}-${'x'.repeat(50)}`),
          provenance: {
            evaluation: Object.fromEntries(
              Array.from({ length: 1500 }, (_, index) => [`metric_${index}`, index / 7]),
            ),
          },
        }),
      );
      expect(await r.models.get(big.id)).toEqual(big);
      await expectCode(
        r.models.register(model('too-big', { description: 'd'.repeat(4001) })),
        'INVALID_REQUEST',
      );
      const many = 150;
      await Promise.all(
        Array.from({ length: many }, (_, index) =>
          r.models.register(model(`bulk-${String(index).padStart(3, '0')}`)),
        ),
      );
      const page = await r.models.list({ search: 'bulk-', limit: 1000 });
      expect(page.total).toBe(many);
      expect(page.items.at(-1)?.name).toBe('bulk-149');
    });

    it('saves training configs with validation results and counts uses atomically', async () => {
      const { registry } = await open();
      const r = registry('alice');
      const good = await r.configs.save({
        name: 'sft-small',
        templateType: 'sft',
        config: { learning_rate: 0.0002 },
      });
      expect(good).toMatchObject({
        valid: true,
        errors: [],
        timesUsed: 0,
        lastUsedAt: null,
        ownerId: 'alice',
      });
      const bad = await r.configs.save({ name: 'broken', config: { epochs: 1 } });
      expect(bad.valid).toBe(false);
      expect(bad.errors[0]).toMatchObject({ path: 'learning_rate', code: 'REQUIRED' });
      await expectCode(
        r.configs.save({ name: 'sft-small', config: { learning_rate: 1 } }),
        'CONFLICT',
      );
      const replaced = await r.configs.save({
        name: 'sft-small',
        config: { learning_rate: 1 },
        replace: true,
      });
      expect(replaced).toMatchObject({ id: good.id, revision: 2, config: { learning_rate: 1 } });
      await Promise.all(Array.from({ length: 10 }, () => r.configs.markUsed('sft-small')));
      const used = await r.configs.get(good.id);
      expect(used.timesUsed).toBe(10);
      expect(used.lastUsedAt).not.toBeNull();
      expect((await r.configs.list({ valid: false })).items.map((item) => item.name)).toEqual([
        'broken',
      ]);
      expect(
        (await r.configs.list({ templateType: 'sft' })).items.map((item) => item.name),
      ).toEqual(['sft-small']);
      await expectCode(registry('bob').configs.get(good.id), 'NOT_FOUND');
      await r.configs.delete('broken');
      expect((await r.configs.list()).total).toBe(1);
    });

    it('records usage and reports per-model stats', async () => {
      const { registry } = await open();
      const r = registry();
      const a = await r.models.register(model('usage-a'));
      const b = await r.models.register(model('usage-b'));
      const latencies = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
      await r.usage.record(
        a.id,
        latencies.map((totalMs, index) =>
          usageEvent(totalMs, {
            timeToFirstTokenMs: totalMs / 10,
            sessionId: index < 4 ? 's1' : 's2',
            tags: index === 0 ? ['first'] : [],
            estimated: index % 2 === 0,
            // A provider with a prompt cache reports part of the prompt as cached; others say nothing.
            ...(index < 3 ? { cachedInputTokens: index * 4 } : {}),
            ...(index >= 8 ? { errorCode: 'TIMEOUT' as const } : {}),
          }),
        ),
      );
      await r.usage.record('usage-b', usageEvent(50));
      const stats = await r.usage.stats(a.id);
      expect(stats).toMatchObject({ requests: 10, errors: 2, errorCodes: { TIMEOUT: 2 } });
      expect(stats.latencyMs.p50).toBeCloseTo(550, 6);
      expect(stats.latencyMs.p95).toBeCloseTo(955, 6);
      expect(stats.timeToFirstTokenMs.p50).toBeCloseTo(55, 6);
      expect(stats.tokens).toEqual({
        input: 100,
        cachedInput: 12,
        output: 50,
        estimatedRequests: 5,
      });
      expect((await r.usage.stats(a.id, { sessionId: 's1' })).requests).toBe(4);
      expect((await r.usage.stats(a.id, { tag: 'first' })).requests).toBe(1);
      expect((await r.usage.stats(a.id, { since: '2026-01-02T00:00:00.000Z' })).requests).toBe(0);
      const other = await r.usage.stats(b.id);
      expect(other).toMatchObject({ requests: 1, errors: 0, latencyMs: { p50: 50, p95: 50 } });
      const empty = await r.usage.stats((await r.models.register(model('unused'))).id);
      expect(empty).toMatchObject({ requests: 0, latencyMs: { p50: null, p95: null } });
    });

    it('follows lineage both ways and lists versions', async () => {
      const { registry } = await open();
      const r = registry();
      const base = await r.models.register(model('base'));
      const sft = await r.models.register(
        model('sft', { provenance: { fineTunedFrom: base.id, trainingMethod: 'sft' } }),
      );
      const dpo = await r.models.register(
        model('dpo', { provenance: { fineTunedFrom: sft.id, trainingMethod: 'dpo' } }),
      );
      const sibling = await r.models.register(
        model('sibling', { provenance: { fineTunedFrom: base.id } }),
      );
      await expectCode(
        r.models.register(model('orphan', { provenance: { fineTunedFrom: 'missing' } })),
        'INVALID_REQUEST',
      );
      const lineage = await r.models.lineage(dpo.id);
      expect(lineage.ancestors.map((entry: ModelRecord) => entry.name)).toEqual(['sft', 'base']);
      expect(lineage.descendants).toEqual([]);
      const fromBase = await r.models.lineage(base.id);
      expect(fromBase.descendants.map((entry) => entry.name)).toEqual(['sft', 'sibling', 'dpo']);
      expect(sibling.provenance?.fineTunedFrom).toBe(base.id);
      const source = {
        type: 'huggingface-hub' as const,
        repoId: 'me/model',
        revision: null,
        license: null,
        pipelineTag: null,
        parameterCount: null,
        gated: false,
        private: false,
      };
      await r.models.register(model('hub-v2', { provenance: { source, version: 2 } }));
      await r.models.register(model('hub', { provenance: { source, version: 1 } }));
      expect((await r.models.versions('hub-v2')).map((entry) => entry.name)).toEqual([
        'hub',
        'hub-v2',
      ]);
      expect((await r.models.versions('base')).map((entry) => entry.name)).toEqual(['base']);
    });

    it('stores API keys only encrypted and reveals them on request', async () => {
      const { registry, storage } = await open();
      const r = registry();
      const created = await r.models.register(
        model('keyed', { apiKey: 'sk-plaintext-key-123456' }),
      );
      expect(created.hasApiKey).toBe(true);
      expect(JSON.stringify(created)).not.toContain('sk-plaintext');
      const stored = await storage.getModel(created.id, { type: 'all' });
      expect(stored?.apiKey?.algorithm).toBe('aes-256-gcm');
      expect(JSON.stringify(stored)).not.toContain('sk-plaintext');
      expect(await r.models.reveal(created.id)).toBe('sk-plaintext-key-123456');
      const cleared = await r.models.update(created.id, { revision: 1, apiKey: null });
      expect(cleared.hasApiKey).toBe(false);
      expect(await r.models.reveal(created.id)).toBeUndefined();
    });

    it('rejects text PostgreSQL cannot hold and integers its columns cannot, alike on every adapter', async () => {
      const { registry } = await open();
      const r = registry();
      const cases: Array<[string, Partial<RegisterModelInput>, string]> = [
        ['NUL in text', { description: 'a\u0000b' }, 'description'],
        ['NUL in a JSON value', { options: { stop: 'x\u0000' } }, 'options.stop'],
        ['NUL in a JSON key', { options: { 'k\u0000': 1 } }, 'options.k\u0000'],
        [
          'NUL deep in provenance',
          { provenance: { lora: { targetModules: ['q\u0000'] } } },
          'provenance.lora.targetModules[0]',
        ],
        ['lone high surrogate', { description: 'a\uD800b' }, 'description'],
        ['lone low surrogate in a tag', { tags: ['\uDC00x'] }, 'tags[0]'],
        [
          'lone surrogate in JSON',
          { provenance: { evaluation: { ['m\uD83D']: 1 } } },
          'provenance.evaluation.m\uD83D',
        ],
        ['contextLength 2^31', { contextLength: 2 ** 31 }, 'contextLength'],
        ['maxOutputTokens 2^31', { maxOutputTokens: 2 ** 31 }, 'maxOutputTokens'],
      ];
      for (const [label, extra, path] of cases) {
        const error = await expectCode(r.models.register(model('odd', extra)), 'INVALID_REQUEST');
        expect(error.path, label).toBe(path);
      }
      // The largest storable values and paired surrogates (emoji) are stored unchanged.
      const edge = await r.models.register(
        model('edge', {
          contextLength: 2 ** 31 - 1,
          maxOutputTokens: 2 ** 31 - 1,
          description: 'tools 🛠️ ✓',
          options: { emoji: '🙂' },
        }),
      );
      expect(await r.models.get('edge')).toEqual(edge);
      await expectCode(
        r.models.update(edge.id, { revision: 1, contextLength: 2 ** 31 }),
        'INVALID_REQUEST',
      );
      expect((await expectCode(r.models.list({ search: 'a\u0000' }), 'INVALID_REQUEST')).path).toBe(
        'search',
      );
      const configError = await expectCode(
        r.configs.save({ name: 'nul', config: { learning_rate: 1, note: '\u0000' } }),
        'INVALID_REQUEST',
      );
      expect(configError.path).toBe('config.note');
      const sessionError = await expectCode(
        r.usage.record(edge.id, usageEvent(5, { sessionId: 's\u0000' })),
        'INVALID_REQUEST',
      );
      expect(sessionError.path).toBe('sessionId');
      await expectCode(
        r.usage.record(edge.id, usageEvent(5, { inputTokens: 2 ** 31 })),
        'INVALID_REQUEST',
      );
      const cachedError = await expectCode(
        r.usage.record(edge.id, usageEvent(5, { inputTokens: 10, cachedInputTokens: 11 })),
        'INVALID_REQUEST',
      );
      expect(cachedError.path).toBe('cachedInputTokens');
      expect((await r.usage.stats(edge.id)).requests).toBe(0);
      expect((await r.models.list()).total).toBe(1);
      // Looking such text up finds nothing rather than failing (found by the reliability fuzzer).
      expect(await r.models.find('a\u0000')).toBeUndefined();
      await expectCode(r.configs.get('\uD800'), 'NOT_FOUND');
    });

    it('keeps usage per owner and global records read-only to users', async () => {
      const { registry } = await open();
      const admin = registry();
      const alice = registry('alice');
      const bob = registry('bob');
      const globalModel = await admin.models.register(model('global-usage'));
      const globalConfig = await admin.configs.save({
        name: 'global-cfg',
        config: { learning_rate: 1 },
      });
      // Global records are read-only to users, including the use counter.
      await expectCode(alice.configs.markUsed(globalConfig.id), 'AUTH_FAILED');
      expect((await admin.configs.get(globalConfig.id)).timesUsed).toBe(0);
      expect((await admin.configs.markUsed(globalConfig.id)).timesUsed).toBe(1);
      // Usage of a global model is per owner: each user records and reads only their own.
      await alice.usage.record(globalModel.id, usageEvent(100, { sessionId: 'shared-session' }));
      await bob.usage.record(globalModel.id, [
        usageEvent(200, { sessionId: 'shared-session' }),
        usageEvent(300),
      ]);
      await admin.usage.record(globalModel.id, usageEvent(400));
      expect((await alice.usage.stats(globalModel.id)).requests).toBe(1);
      expect(
        (await alice.usage.stats(globalModel.id, { sessionId: 'shared-session' })).requests,
      ).toBe(1);
      expect((await bob.usage.stats(globalModel.id)).requests).toBe(2);
      expect((await admin.usage.stats(globalModel.id)).requests).toBe(1);
      expect((await registry('*').usage.stats(globalModel.id)).requests).toBe(4);
      // A user's own model: their usage and the usage recorded by administration for it.
      const own = await alice.models.register(model('alice-own'));
      await alice.usage.record(own.id, usageEvent(10));
      await registry('*').usage.record(own.id, usageEvent(20));
      expect((await alice.usage.stats(own.id)).requests).toBe(2);
      // Choosing an id is administration's: no CONFLICT that would reveal another owner's id.
      const bobs = await bob.models.register(model('bobs'));
      for (const scoped of [alice, admin]) {
        const error = await expectCode(
          scoped.models.register(model('probe', { id: bobs.id })),
          'INVALID_REQUEST',
        );
        expect(error.path).toBe('id');
        expect(error.message).not.toContain(bobs.id);
      }
      const chosen = await registry('*').models.register(model('chosen', { id: 'chosen-id-1' }));
      expect(chosen.id).toBe('chosen-id-1');
    });

    it('records provenance links to the saved config and follows them both ways', async () => {
      const { registry } = await open();
      const r = registry('alice');
      const config = await r.configs.save({ name: 'sft-run', config: { learning_rate: 0.0002 } });
      const trained = await r.models.register(
        model('trained', {
          provenance: {
            trainingMethod: 'sft',
            trainingConfigId: config.id,
            architecture: 'Qwen2ForCausalLM',
            quantization: 'fp32',
          },
        }),
      );
      expect(trained.provenance).toMatchObject({
        trainingConfigId: config.id,
        architecture: 'Qwen2ForCausalLM',
        quantization: 'fp32',
      });
      expect((await r.configs.models(config.id)).map((entry) => entry.name)).toEqual(['trained']);
      expect((await r.models.list({ trainingConfigId: config.id })).total).toBe(1);
      const missing = await expectCode(
        r.models.register(model('dangling', { provenance: { trainingConfigId: 'nope' } })),
        'INVALID_REQUEST',
      );
      expect(missing.path).toBe('provenance.trainingConfigId');
      // Another owner's config is as good as missing.
      await expectCode(
        registry('bob').models.register(
          model('x', { provenance: { trainingConfigId: config.id } }),
        ),
        'INVALID_REQUEST',
      );
      const unknown = await expectCode(
        r.models.register(model('typo', { provenance: { trainingMethd: 'sft' } as never })),
        'INVALID_REQUEST',
      );
      expect(unknown.message).toContain('trainingMethd');
    });

    it('moves aliases with history and resolves name@alias wherever a model name goes', async () => {
      const { registry } = await open();
      const r = registry();
      const v1 = await r.models.register(model('tools'));
      const v2 = await r.models.register(model('tools-v2'));
      await expectCode(r.models.register(model('tools@prod')), 'INVALID_REQUEST');
      await r.aliases.set('tools', 'candidate', 'tools-v2');
      await r.aliases.set('tools', 'production', v1.id);
      expect((await r.models.get('tools@production')).id).toBe(v1.id);
      expect((await r.aliases.resolve('tools@candidate')).id).toBe(v2.id);
      // Promotion: candidate → production; the next lookup sees it.
      const moved = await r.aliases.set('tools', 'production', 'tools@candidate');
      expect(moved.revision).toBe(2);
      expect((await r.models.get('tools@production')).id).toBe(v2.id);
      expect(
        (await r.aliases.history('tools', 'production')).map((entry) => [
          entry.previousModelRecordId,
          entry.modelRecordId,
        ]),
      ).toEqual([
        [null, v1.id],
        [v1.id, v2.id],
      ]);
      expect((await r.aliases.list({ name: 'tools' })).map((entry) => entry.alias)).toEqual([
        'candidate',
        'production',
      ]);
      expect((await r.aliases.list({ model: v2.id })).length).toBe(2);
      // Everything that takes a model name takes name@alias.
      await r.usage.record('tools@production', usageEvent(10));
      expect((await r.usage.stats(v2.id)).requests).toBe(1);
      expect((await r.models.lineage('tools@production')).model.id).toBe(v2.id);
      await expectCode(r.models.get('tools@staging'), 'NOT_FOUND');
      await expectCode(r.aliases.set('tools', 'bad alias', v1.id), 'INVALID_REQUEST');
      await expectCode(r.aliases.set('tools', 'x', 'missing-model'), 'NOT_FOUND');
      // Concurrent promotions: none is lost from the history.
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          r.aliases.set('tools', 'race', index % 2 === 0 ? v1.id : v2.id),
        ),
      );
      const race = await r.aliases.get('tools', 'race');
      expect(race.history).toHaveLength(6);
      expect(race.revision).toBe(6);
      // A user's alias hides the global one for that user only; users cannot move global ones.
      const alice = registry('alice');
      const mine = await alice.models.register(model('mine'));
      await alice.aliases.set('tools', 'production', mine.id);
      expect((await alice.models.get('tools@production')).id).toBe(mine.id);
      expect((await registry('bob').models.get('tools@production')).id).toBe(v2.id);
      await expectCode(registry('bob').aliases.delete('tools', 'production'), 'AUTH_FAILED');
      await expectCode(registry('bob').aliases.get('tools', 'nope'), 'NOT_FOUND');
      await r.aliases.delete('tools', 'candidate');
      await expectCode(r.models.get('tools@candidate'), 'NOT_FOUND');
      // Aliases travel with export and import.
      const copy = registry('*');
      const exported = JSON.parse(await copy.exportJson());
      expect(exported.aliases.length).toBe(3);
    });

    it('reports usage as hourly or daily series for several models side by side', async () => {
      const { registry } = await open();
      const r = registry();
      const a = await r.models.register(model('series-a'));
      const b = await r.models.register(model('series-b'));
      const at = (hour: number, minute = 0) =>
        new Date(Date.UTC(2026, 0, 1, hour, minute)).toISOString();
      await r.usage.record(a.id, [
        usageEvent(100, { startedAt: at(0, 5), outputTokens: 10, cachedInputTokens: 7 }),
        usageEvent(300, { startedAt: at(0, 50), outputTokens: 30, errorCode: 'TIMEOUT' }),
        usageEvent(1000, { startedAt: at(2, 0), outputTokens: 50 }),
        usageEvent(1000, { startedAt: at(5, 0) }), // outside the window
      ]);
      await r.usage.record(b.id, usageEvent(200, { startedAt: at(1, 30), outputTokens: 4 }));
      const series = await r.usage.series([a.id, 'series-b'], {
        since: at(0, 0),
        until: at(3, 0),
        bucket: 'hour',
      });
      expect(series.models.map((entry) => entry.name)).toEqual(['series-a', 'series-b']);
      const [seriesA, seriesB] = series.models;
      expect(seriesA!.points.map((point) => point.requests)).toEqual([2, 0, 1]);
      expect(seriesA!.points[0]).toMatchObject({
        start: at(0),
        errors: 1,
        inputTokens: 20,
        cachedInputTokens: 7,
        outputTokens: 40,
        tokensPerSecond: 100,
      });
      expect(seriesA!.points[0]!.latencyMs.p50).toBeCloseTo(200, 6);
      expect(seriesA!.points[0]!.latencyMs.p95).toBeCloseTo(290, 6);
      expect(seriesA!.points[1]).toMatchObject({
        requests: 0,
        tokensPerSecond: null,
        latencyMs: { p50: null },
      });
      expect(seriesA!.points[1]!.cachedInputTokens).toBe(0);
      expect(seriesB!.points.map((point) => point.requests)).toEqual([0, 1, 0]);
      const daily = await r.usage.series([a.id], { since: at(0), until: at(23), bucket: 'day' });
      expect(daily.models[0]!.points).toHaveLength(1);
      expect(daily.models[0]!.points[0]!.requests).toBe(4);
      await expectCode(r.usage.series([a.id], { since: at(3), until: at(0) }), 'INVALID_REQUEST');
    });
  });
}
