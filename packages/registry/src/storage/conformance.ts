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
      expect(stats.tokens).toEqual({ input: 100, output: 50, estimatedRequests: 5 });
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
  });
}
