import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import {
  type ModelLoader,
  type ModelManager,
  type ModelManagerEvent,
  createModelManager,
} from './model-manager';

interface FakeModel {
  id: string;
  disposed: boolean;
}

/** A loader that counts loads and disposals; `gate` holds loads until released. */
function fakeLoader(id: string, bytes = 100, gate?: Promise<void>) {
  const stats = { loads: 0, disposals: 0, instances: [] as FakeModel[] };
  const loader: ModelLoader<FakeModel> = {
    estimateMemoryBytes: () => bytes,
    async load({ onProgress }) {
      stats.loads++;
      onProgress({ status: 'initiate', file: 'model.onnx' });
      if (gate) await gate;
      onProgress({
        status: 'progress-total',
        loadedBytes: bytes,
        totalBytes: bytes,
        progress: 100,
      });
      const value = { id, disposed: false };
      stats.instances.push(value);
      return {
        value,
        memoryBytes: bytes,
        dispose: () => {
          stats.disposals++;
          value.disposed = true;
        },
      };
    },
  };
  return { loader, stats };
}

function recordEvents(manager: ModelManager): ModelManagerEvent[] {
  const events: ModelManagerEvent[] = [];
  manager.subscribe((event) => events.push(event));
  return events;
}

async function errorOf(promise: Promise<unknown>): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    expect(TinyLLMError.isInstance(error)).toBe(true);
    return error as TinyLLMError;
  }
  throw new Error('expected a rejection');
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createModelManager', () => {
  it('loads lazily, once for concurrent first requests, and reuses the loaded model', async () => {
    const manager = createModelManager({ maxConcurrentRequestsPerModel: 4 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { loader, stats } = fakeLoader('a', 100, gate);
    expect(stats.loads).toBe(0);
    const pending = [
      manager.acquire('a', loader),
      manager.acquire('a', loader),
      manager.load('a', loader),
      manager.acquire('a', loader),
    ];
    await tick();
    expect(manager.models()).toMatchObject([{ modelId: 'a', state: 'loading' }]);
    open();
    const [first, second, , fourth] = await Promise.all(pending);
    expect(stats.loads).toBe(1);
    expect(first!.value).toBe(second!.value);
    expect(first!.value).toBe(fourth!.value);
    for (const lease of [first, second, fourth]) lease!.release();
    const again = await manager.acquire('a', loader);
    again.release();
    expect(stats.loads).toBe(1);
    expect(manager.loadCount('a')).toBe(1);
    await manager.dispose();
  });

  it('evicts the least recently used idle model past maxLoadedModels', async () => {
    const manager = createModelManager({ maxLoadedModels: 2 });
    const events = recordEvents(manager);
    const a = fakeLoader('a');
    const b = fakeLoader('b');
    const c = fakeLoader('c');
    await manager.load('a', a.loader);
    await manager.load('b', b.loader);
    // Touch `a`, so `b` becomes the least recently used.
    (await manager.acquire('a', a.loader)).release();
    await manager.load('c', c.loader);
    expect(b.stats.disposals).toBe(1);
    expect(a.stats.disposals).toBe(0);
    expect(manager.models().map((model) => model.modelId)).toEqual(['a', 'c']);
    expect(events.filter((event) => event.type === 'unload')).toEqual([
      { type: 'unload', modelId: 'b', reason: 'lru', memoryBytes: 100 },
    ]);
    // Using `b` again reloads it and evicts `a`, now the least recently used.
    await manager.load('b', b.loader);
    expect(b.stats.loads).toBe(2);
    expect(a.stats.disposals).toBe(1);
    expect(manager.models().map((model) => model.modelId)).toEqual(['c', 'b']);
    await manager.dispose();
  });

  it('evicts for the memory budget, and refuses a model larger than the budget with MEMORY_EXCEEDED', async () => {
    const manager = createModelManager({ maxLoadedModels: 10, memoryBudgetBytes: 250 });
    const events = recordEvents(manager);
    const a = fakeLoader('a', 100);
    const b = fakeLoader('b', 100);
    const c = fakeLoader('c', 100);
    const huge = fakeLoader('huge', 300);
    await manager.load('a', a.loader);
    await manager.load('b', b.loader);
    await manager.load('c', c.loader);
    expect(a.stats.disposals).toBe(1);
    expect(events.find((event) => event.type === 'unload')).toMatchObject({
      modelId: 'a',
      reason: 'memory',
    });
    const error = await errorOf(manager.load('huge', huge.loader));
    expect(error.code).toBe('MEMORY_EXCEEDED');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ requiredBytes: 300, budgetBytes: 250 });
    // Refusing must not have evicted anything, nor tried to load.
    expect(huge.stats.loads).toBe(0);
    expect(manager.models().map((model) => model.modelId)).toEqual(['b', 'c']);
    await manager.dispose();
  });

  it('counts caches in the budget and clears them, least recently used first, before unloading a model', async () => {
    // A model whose cache grows by `grow` bytes per request (as a prompt cache does).
    const cached = (bytes: number, grow: number) => {
      const cache = { held: 0, clears: 0 };
      const loader: ModelLoader<{ use(): void }> = {
        estimateMemoryBytes: () => bytes,
        load: async () => ({
          value: {
            use: () => {
              cache.held += grow;
            },
          },
          memoryBytes: bytes,
          dispose: () => {},
          cache: {
            bytes: () => cache.held,
            clear: () => {
              cache.held = 0;
              cache.clears++;
            },
          },
        }),
      };
      return { loader, cache };
    };
    const manager = createModelManager({ maxLoadedModels: 10, memoryBudgetBytes: 300 });
    const events = recordEvents(manager);
    const a = cached(100, 40);
    const b = cached(100, 30);
    const use = async (id: string, loader: ModelLoader<{ use(): void }>) => {
      const lease = await manager.acquire(id, loader);
      lease.value.use();
      lease.release();
    };
    await use('a', a.loader);
    await use('b', b.loader);
    expect(manager.models().map((model) => [model.modelId, model.cacheBytes])).toEqual([
      ['a', 40],
      ['b', 30],
    ]);
    // 100 + 40 + 100 + 30 = 270: a third model of 100 needs room. a's cache (the least recently
    // used) is not enough; b's goes too, and no model is unloaded.
    const c = cached(100, 0);
    await use('c', c.loader);
    expect([a.cache.clears, b.cache.clears]).toEqual([1, 1]);
    expect(events.filter((event) => event.type === 'cache-clear')).toEqual([
      { type: 'cache-clear', modelId: 'a', cacheBytes: 40 },
      { type: 'cache-clear', modelId: 'b', cacheBytes: 30 },
    ]);
    expect(events.some((event) => event.type === 'unload')).toBe(false);
    // Three models fill the budget: a request that grows its own model's cache past it loses
    // that cache when it ends, and the models stay.
    await use('a', a.loader);
    expect(a.cache).toEqual({ held: 0, clears: 2 });
    expect(manager.models().map((model) => model.modelId)).toEqual(['b', 'c', 'a']);
    await manager.dispose();
  });

  it('never evicts a model in use: a load that cannot fit fails with a retryable MEMORY_EXCEEDED', async () => {
    const manager = createModelManager({ maxLoadedModels: 1 });
    const a = fakeLoader('a');
    const b = fakeLoader('b');
    const lease = await manager.acquire('a', a.loader);
    const error = await errorOf(manager.acquire('b', b.loader));
    expect(error.code).toBe('MEMORY_EXCEEDED');
    expect(error.retryable).toBe(true);
    expect(a.stats.disposals).toBe(0);
    lease.release();
    (await manager.acquire('b', b.loader)).release();
    expect(a.stats.disposals).toBe(1);
    await manager.dispose();
  });

  it('runs one request per model at a time, in arrival order', async () => {
    const manager = createModelManager();
    const { loader } = fakeLoader('a');
    const order: number[] = [];
    const first = await manager.acquire('a', loader);
    const waiting = [1, 2, 3].map((index) =>
      manager.acquire('a', loader).then((lease) => {
        order.push(index);
        return lease;
      }),
    );
    await tick();
    expect(order).toEqual([]);
    expect(manager.models()[0]).toMatchObject({ activeRequests: 1, queuedRequests: 3 });
    first.release();
    for (const pending of waiting) (await pending).release();
    expect(order).toEqual([1, 2, 3]);
  });

  it('bounds the queue: a request that cannot be admitted gets QUEUE_FULL', async () => {
    const manager = createModelManager({ maxQueuedRequestsPerModel: 1 });
    const { loader } = fakeLoader('a');
    const running = await manager.acquire('a', loader);
    const queued = manager.acquire('a', loader);
    const error = await errorOf(manager.acquire('a', loader));
    expect(error.code).toBe('QUEUE_FULL');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ activeRequests: 1, queuedRequests: 1 });
    running.release();
    (await queued).release();
  });

  it('a queued request honours its signal and its timeout, and leaves the queue', async () => {
    const manager = createModelManager({ maxQueuedRequestsPerModel: 2 });
    const { loader } = fakeLoader('a');
    const running = await manager.acquire('a', loader);
    const controller = new AbortController();
    const aborted = manager.acquire('a', loader, { signal: controller.signal });
    const timedOut = manager.acquire('a', loader, { queueTimeoutMs: 20 });
    await tick();
    expect(manager.models()[0]!.queuedRequests).toBe(2);
    controller.abort();
    expect((await errorOf(aborted)).code).toBe('ABORTED');
    const startedAt = performance.now();
    const timeout = await errorOf(timedOut);
    expect(timeout.code).toBe('TIMEOUT');
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(manager.models()[0]!.queuedRequests).toBe(0);
    // Both left the queue: the next request gets the model as soon as it is free.
    running.release();
    (await manager.acquire('a', loader)).release();
    const preAborted = await errorOf(manager.acquire('a', loader, { signal: AbortSignal.abort() }));
    expect(preAborted.code).toBe('ABORTED');
  });

  it('unloads a model after the idle timeout, and the next request reloads it', async () => {
    const manager = createModelManager({ idleTimeoutMs: 30 });
    const events = recordEvents(manager);
    const { loader, stats } = fakeLoader('a');
    const lease = await manager.acquire('a', loader);
    await new Promise((resolve) => setTimeout(resolve, 60));
    // In use: not idle, so still loaded.
    expect(stats.disposals).toBe(0);
    lease.release();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(stats.disposals).toBe(1);
    expect(manager.models()).toEqual([]);
    expect(events.at(-1)).toEqual({
      type: 'unload',
      modelId: 'a',
      reason: 'idle',
      memoryBytes: 100,
    });
    (await manager.acquire('a', loader)).release();
    expect(stats.loads).toBe(2);
    await manager.dispose();
  });

  it('unload() waits for the running request, then frees the model', async () => {
    const manager = createModelManager();
    const { loader, stats } = fakeLoader('a');
    const lease = await manager.acquire('a', loader);
    let unloaded = false;
    const unloading = manager.unload('a').then((result) => {
      unloaded = true;
      return result;
    });
    await tick();
    expect(unloaded).toBe(false);
    expect(stats.disposals).toBe(0);
    lease.release();
    expect(await unloading).toBe(true);
    expect(stats.instances[0]!.disposed).toBe(true);
    expect(await manager.unload('a')).toBe(false);
  });

  it('dispose() rejects queued requests, signals running ones, frees models and refuses later use', async () => {
    const manager = createModelManager();
    const { loader, stats } = fakeLoader('a');
    const lease = await manager.acquire('a', loader);
    const queued = manager.acquire('a', loader);
    const disposing = manager.dispose();
    expect(lease.signal.aborted).toBe(true);
    const queuedError = await errorOf(queued);
    expect(queuedError.code).toBe('PROVIDER_UNAVAILABLE');
    lease.release();
    await disposing;
    expect(stats.disposals).toBe(1);
    const later = await errorOf(manager.acquire('a', loader));
    expect(later.code).toBe('PROVIDER_UNAVAILABLE');
    expect(later.message).toMatch(/disposed/);
    expect(manager.disposed).toBe(true);
  });

  it('reports load progress, load-end and load errors as events; a failed load can be retried', async () => {
    const manager = createModelManager();
    const events = recordEvents(manager);
    let attempts = 0;
    const flaky: ModelLoader<string> = {
      estimateMemoryBytes: () => 10,
      async load({ onProgress }) {
        attempts++;
        onProgress({
          status: 'progress',
          file: 'model.onnx',
          loadedBytes: 5,
          totalBytes: 10,
          progress: 50,
        });
        if (attempts === 1) throw new Error('disk on fire');
        return { value: 'ok', dispose: () => {} };
      },
    };
    const error = await errorOf(manager.load('m', flaky));
    expect(error.code).toBe('MODEL_LOAD_FAILED');
    expect(error.message).toContain('disk on fire');
    const lease = await manager.acquire('m', flaky);
    expect(lease.value).toBe('ok');
    lease.release();
    expect(events.map((event) => event.type)).toEqual([
      'load-start',
      'load-progress',
      'load-error',
      'load-start',
      'load-progress',
      'load-end',
    ]);
    expect(events[1]).toEqual({
      type: 'load-progress',
      modelId: 'm',
      progress: {
        status: 'progress',
        file: 'model.onnx',
        loadedBytes: 5,
        totalBytes: 10,
        progress: 50,
      },
    });
    expect(events.at(-1)).toMatchObject({ type: 'load-end', modelId: 'm', memoryBytes: 10 });
    await manager.dispose();
  });

  it('rejects invalid options with INVALID_CONFIG', () => {
    expect(() => createModelManager({ maxLoadedModels: 0 })).toThrowError(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
