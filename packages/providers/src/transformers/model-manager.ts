/**
 * The model manager: owns the models loaded in this process. Local models are large and loading
 * one takes seconds, so the manager loads each model once (lazily, on first use, shared by
 * concurrent first requests), keeps a bounded number of them (LRU eviction past
 * `maxLoadedModels` or a memory budget), unloads idle ones, and queues requests per model
 * (local generation runs one request at a time by default).
 *
 * The manager knows nothing about transformers.js: a model is whatever a {@link ModelLoader}
 * returns, so the same rules apply to any in-process backend and are testable without one.
 */
import { TinyLLMError, abortedError } from '@tinyllm/core';

/** Progress of one model load, mapped from the library's progress callback. */
export type ModelLoadProgress =
  /** A file is about to be read (`initiate`), fetched from the network (`download`) or is done. */
  | { status: 'initiate' | 'download' | 'done'; file: string }
  /** Bytes of one file read or downloaded so far. `progress` is a percentage (0–100). */
  | { status: 'progress'; file: string; loadedBytes: number; totalBytes: number; progress: number }
  /** Bytes of all files of the model so far: the figure to drive a progress bar with. */
  | { status: 'progress-total'; loadedBytes: number; totalBytes: number; progress: number };

/** Why a model was unloaded. */
export type UnloadReason = 'lru' | 'memory' | 'idle' | 'explicit' | 'dispose';

/** Events of a {@link ModelManager}: load progress, loads and unloads. */
export type ModelManagerEvent =
  | { type: 'load-start'; modelId: string; estimatedBytes: number }
  | { type: 'load-progress'; modelId: string; progress: ModelLoadProgress }
  | { type: 'load-end'; modelId: string; durationMs: number; memoryBytes: number }
  | { type: 'load-error'; modelId: string; error: TinyLLMError }
  | { type: 'unload'; modelId: string; reason: UnloadReason; memoryBytes: number }
  /** A model's cache was given back to keep the memory budget (the model stays loaded). */
  | { type: 'cache-clear'; modelId: string; cacheBytes: number };

/** A model once loaded: its value, its memory and how to free it. */
export interface LoadedModel<T> {
  value: T;
  /** Bytes the model holds while loaded (defaults to the loader's estimate). */
  memoryBytes?: number;
  /** Frees the model's resources (ONNX sessions…). */
  dispose(): void | Promise<void>;
  /**
   * Memory the model holds beyond `memoryBytes` and can give back at once: the transformers
   * provider's prompt cache. It counts in the memory budget, and the manager clears it (least
   * recently used model first) before unloading any model for room.
   */
  cache?: { bytes(): number; clear(): void };
}

/** How the manager loads one model. */
export interface ModelLoader<T> {
  /**
   * Bytes the model will hold once loaded, known before loading, so the manager can evict
   * others (or refuse with MEMORY_EXCEEDED) before allocating anything.
   */
  estimateMemoryBytes?(): number | undefined | Promise<number | undefined>;
  /** Loads the model, reporting progress. */
  load(context: { onProgress(progress: ModelLoadProgress): void }): Promise<LoadedModel<T>>;
}

/** Options of {@link createModelManager}. */
export interface ModelManagerOptions {
  /** Most models loaded at once; past it the least recently used idle model is unloaded. Default 2. */
  maxLoadedModels?: number;
  /**
   * Memory budget in bytes for all loaded models (by their estimates) and their caches. Caches
   * are cleared before models are unloaded for room. Default: no budget.
   */
  memoryBudgetBytes?: number;
  /** Unload a model after it has been idle this long, in ms. Default: never. */
  idleTimeoutMs?: number;
  /** Requests one model runs at the same time. Default 1 (local generation is compute-bound). */
  maxConcurrentRequestsPerModel?: number;
  /** Requests that may wait for a model beyond those running; more fail with QUEUE_FULL. Default 16. */
  maxQueuedRequestsPerModel?: number;
  /** Longest a request may wait for its turn, in ms, before failing with TIMEOUT. Default: no limit. */
  queueTimeoutMs?: number;
  /** Called for every {@link ModelManagerEvent} (same as {@link ModelManager.subscribe}). */
  onEvent?: (event: ModelManagerEvent) => void;
}

/** Options of {@link ModelManager.acquire}. */
export interface AcquireOptions {
  signal?: AbortSignal;
  /** Longest to wait in the queue, in ms (overrides the manager's `queueTimeoutMs`). */
  queueTimeoutMs?: number;
}

/** The right to use a loaded model for one request. Release it exactly once. */
export interface ModelLease<T> {
  readonly value: T;
  /** Fires when the manager is disposed while the request runs: stop work and release. */
  readonly signal: AbortSignal;
  release(): void;
}

/** What the manager reports about one model. */
export interface ManagedModelInfo {
  modelId: string;
  state: 'loading' | 'loaded' | 'unloading';
  memoryBytes: number;
  /** Bytes of its cache (e.g. prompt cache) on top of `memoryBytes`. */
  cacheBytes: number;
  activeRequests: number;
  queuedRequests: number;
  /** How many times this model has been loaded since the manager was created. */
  loadCount: number;
}

/** Loads, shares, queues and evicts in-process models. Create one with {@link createModelManager}. */
export interface ModelManager {
  /**
   * Waits for a turn on `modelId` (bounded queue, honouring `signal` and the queue timeout),
   * loads the model if needed (once, shared by concurrent callers) and leases it.
   */
  acquire<T>(
    modelId: string,
    loader: ModelLoader<T>,
    options?: AcquireOptions,
  ): Promise<ModelLease<T>>;
  /** Loads a model ahead of its first request (e.g. behind a progress bar). */
  load<T>(
    modelId: string,
    loader: ModelLoader<T>,
    options?: { signal?: AbortSignal },
  ): Promise<void>;
  /**
   * Unloads a model, after its running requests finish. Resolves `true` when a model was
   * unloaded. A later request loads it again.
   */
  unload(modelId: string): Promise<boolean>;
  /**
   * Rejects queued requests, stops running ones (their lease signal fires), unloads every model
   * and refuses later use with a clear error.
   */
  dispose(): Promise<void>;
  /** Loaded (and loading) models, least recently used first. */
  models(): ManagedModelInfo[];
  /** How many times `modelId` has been loaded (0 if never). */
  loadCount(modelId: string): number;
  /** Listens to manager events; returns the function that stops listening. */
  subscribe(listener: (event: ModelManagerEvent) => void): () => void;
  readonly disposed: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Entry {
  modelId: string;
  loader: ModelLoader<unknown>;
  state: 'unloaded' | 'loading' | 'loaded' | 'unloading';
  loading: Promise<void> | undefined;
  unloading: Promise<void> | undefined;
  loaded: LoadedModel<unknown> | undefined;
  memoryBytes: number;
  active: number;
  waiters: Waiter[];
  lastUsed: number;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** `unload()` was called while requests ran: unload when the last one releases. */
  pendingUnload: Array<() => void>;
  pendingUnloadReason: UnloadReason;
  leaseControllers: Set<AbortController>;
}

const provider = 'transformers';

/**
 * Creates a {@link ModelManager}. Share one manager between the models of an app so the
 * memory budget and `maxLoadedModels` cover all of them.
 *
 * @example
 * ```ts
 * const manager = createModelManager({ maxLoadedModels: 1, idleTimeoutMs: 5 * 60_000 });
 * manager.subscribe((event) => {
 *   if (event.type === 'load-progress' && event.progress.status === 'progress-total')
 *     bar.update(event.progress.progress);
 * });
 * const transformers = createTransformers({ modelsDir: './models', manager });
 * ```
 */
export function createModelManager(options: ModelManagerOptions = {}): ModelManager {
  const maxLoadedModels = positive(options.maxLoadedModels ?? 2, 'maxLoadedModels');
  const maxConcurrent = positive(
    options.maxConcurrentRequestsPerModel ?? 1,
    'maxConcurrentRequestsPerModel',
  );
  const maxQueued = Math.max(0, Math.floor(options.maxQueuedRequestsPerModel ?? 16));
  const budget = options.memoryBudgetBytes;
  const entries = new Map<string, Entry>();
  const listeners = new Set<(event: ModelManagerEvent) => void>();
  // Entries of unloaded models are dropped, so load counts live apart from them.
  const loadCounts = new Map<string, number>();
  if (options.onEvent) listeners.add(options.onEvent);
  let clock = 0;
  let disposed = false;

  const emit = (event: ModelManagerEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener (a UI progress bar) must not break loading.
      }
    }
  };

  const disposedError = (modelId?: string): TinyLLMError =>
    new TinyLLMError({
      code: 'PROVIDER_UNAVAILABLE',
      message: 'The model manager was disposed; create a new one to load models again.',
      retryable: false,
      provider,
      ...(modelId === undefined ? {} : { modelId }),
    });

  const entryOf = (modelId: string, loader: ModelLoader<unknown>): Entry => {
    let entry = entries.get(modelId);
    if (!entry) {
      entry = {
        modelId,
        loader,
        state: 'unloaded',
        loading: undefined,
        unloading: undefined,
        loaded: undefined,
        memoryBytes: 0,
        active: 0,
        waiters: [],
        lastUsed: 0,
        idleTimer: undefined,
        pendingUnload: [],
        pendingUnloadReason: 'explicit',
        leaseControllers: new Set(),
      };
      entries.set(modelId, entry);
    } else if (entry.state === 'unloaded') {
      // A model that is not loaded takes the latest loader (e.g. new settings for the same id).
      entry.loader = loader;
    }
    return entry;
  };

  const clearIdleTimer = (entry: Entry): void => {
    if (entry.idleTimer !== undefined) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  };

  const isIdle = (entry: Entry): boolean => entry.active === 0 && entry.waiters.length === 0;

  /** Starts unloading `entry` (state changes synchronously so accounting sees it at once). */
  const startUnload = (entry: Entry, reason: UnloadReason): Promise<void> => {
    if (entry.state !== 'loaded' || !entry.loaded) return entry.unloading ?? Promise.resolve();
    clearIdleTimer(entry);
    const loaded = entry.loaded;
    const memoryBytes = entry.memoryBytes;
    entry.state = 'unloading';
    entry.loaded = undefined;
    entry.unloading = (async () => {
      try {
        await loaded.dispose();
      } catch {
        // The model is gone from our books either way; a failing release must not wedge the manager.
      } finally {
        entry.state = 'unloaded';
        entry.memoryBytes = 0;
        entry.unloading = undefined;
        if (isIdle(entry)) entries.delete(entry.modelId);
        emit({ type: 'unload', modelId: entry.modelId, reason, memoryBytes });
      }
    })();
    return entry.unloading;
  };

  const cacheBytes = (entry: Entry): number => {
    try {
      return Math.max(0, entry.loaded?.cache?.bytes() ?? 0);
    } catch {
      return 0;
    }
  };

  const usedBytes = (except?: Entry): number => {
    let total = 0;
    for (const entry of entries.values())
      if (entry !== except && (entry.state === 'loaded' || entry.state === 'loading'))
        total += entry.memoryBytes + cacheBytes(entry);
    return total;
  };

  /**
   * Clears caches of idle models, least recently used first, until `fits()` (a cache is cheaper
   * to rebuild than a model to reload, so caches go before any model does).
   */
  const clearCaches = (fits: () => boolean, except?: Entry): void => {
    const holders = [...entries.values()]
      .filter((other) => other !== except && other.state === 'loaded' && isIdle(other))
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const holder of holders) {
      if (fits()) return;
      const bytes = cacheBytes(holder);
      if (bytes === 0) continue;
      try {
        holder.loaded?.cache?.clear();
        emit({ type: 'cache-clear', modelId: holder.modelId, cacheBytes: bytes });
      } catch {
        // A cache that fails to clear keeps counting; eviction is the next resort.
      }
    }
  };

  const residentCount = (except: Entry): number => {
    let count = 0;
    for (const entry of entries.values())
      if (entry !== except && (entry.state === 'loaded' || entry.state === 'loading')) count++;
    return count;
  };

  /**
   * Evicts least recently used idle models until `entry` (needing `bytes`) fits both limits.
   * Synchronous decision, so two concurrent loads cannot both claim the same room.
   */
  const makeRoom = (entry: Entry, bytes: number): Promise<void>[] => {
    if (budget !== undefined && bytes > budget) {
      throw new TinyLLMError({
        code: 'MEMORY_EXCEEDED',
        message: `Model "${entry.modelId}" needs about ${formatBytes(bytes)}, more than the whole memory budget of ${formatBytes(budget)}.`,
        retryable: false,
        provider,
        modelId: entry.modelId,
        details: { requiredBytes: bytes, budgetBytes: budget },
      });
    }
    const evictions: Promise<void>[] = [];
    const candidates = [...entries.values()]
      .filter((other) => other !== entry && other.state === 'loaded' && isIdle(other))
      .sort((a, b) => a.lastUsed - b.lastUsed);
    while (residentCount(entry) >= maxLoadedModels) {
      const victim = candidates.shift();
      if (!victim) throw busyError(entry, 'maxLoadedModels', bytes);
      evictions.push(startUnload(victim, 'lru'));
    }
    if (budget !== undefined) clearCaches(() => usedBytes(entry) + bytes <= budget, entry);
    while (budget !== undefined && usedBytes(entry) + bytes > budget) {
      const victim = candidates.shift();
      if (!victim) throw busyError(entry, 'memoryBudgetBytes', bytes);
      evictions.push(startUnload(victim, 'memory'));
    }
    return evictions;
  };

  const busyError = (entry: Entry, limit: string, bytes: number): TinyLLMError =>
    new TinyLLMError({
      code: 'MEMORY_EXCEEDED',
      message: `Cannot load model "${entry.modelId}": ${limit} is reached and every loaded model is busy.`,
      // The busy models become evictable when their requests finish.
      retryable: true,
      provider,
      modelId: entry.modelId,
      details: { limit, requiredBytes: bytes, usedBytes: usedBytes(entry), budgetBytes: budget },
    });

  const ensureLoaded = async (entry: Entry): Promise<void> => {
    while (entry.state !== 'loaded') {
      if (disposed) throw disposedError(entry.modelId);
      // `loading` is set before the state changes (the memory estimate is awaited first), so
      // it, not the state, tells concurrent first requests that a load is under way.
      if (entry.loading) await entry.loading;
      else if (entry.state === 'unloading') await entry.unloading;
      else {
        entry.loading = loadEntry(entry).finally(() => {
          entry.loading = undefined;
        });
        await entry.loading;
      }
    }
  };

  const loadEntry = async (entry: Entry): Promise<void> => {
    const { modelId, loader } = entry;
    const estimate = Math.max(0, (await loader.estimateMemoryBytes?.()) ?? 0);
    if (disposed) throw disposedError(modelId);
    const evictions = makeRoom(entry, estimate);
    entry.state = 'loading';
    entry.memoryBytes = estimate;
    emit({ type: 'load-start', modelId, estimatedBytes: estimate });
    const startedAt = performance.now();
    let loaded: LoadedModel<unknown>;
    try {
      await Promise.all(evictions);
      loaded = await loader.load({
        onProgress: (progress) => emit({ type: 'load-progress', modelId, progress }),
      });
    } catch (cause) {
      entry.state = 'unloaded';
      entry.memoryBytes = 0;
      const error = TinyLLMError.isInstance(cause)
        ? cause
        : new TinyLLMError({
            code: 'MODEL_LOAD_FAILED',
            message: `Could not load model "${modelId}": ${cause instanceof Error ? cause.message : String(cause)}`,
            retryable: false,
            provider,
            modelId,
            cause,
          });
      emit({ type: 'load-error', modelId, error });
      throw error;
    }
    if (disposed) {
      await loaded.dispose();
      entry.state = 'unloaded';
      throw disposedError(modelId);
    }
    entry.loaded = loaded;
    entry.memoryBytes = loaded.memoryBytes ?? estimate;
    // A model measured only after loading (a Hub download) may be larger than its estimate:
    // make room for it now, best effort (busy models stay).
    if (budget !== undefined && entry.memoryBytes > estimate) {
      clearCaches(() => usedBytes(entry) + entry.memoryBytes <= budget, entry);
      const idle = [...entries.values()]
        .filter((other) => other !== entry && other.state === 'loaded' && isIdle(other))
        .sort((a, b) => a.lastUsed - b.lastUsed);
      while (usedBytes(entry) + entry.memoryBytes > budget && idle.length > 0)
        void startUnload(idle.shift()!, 'memory');
    }
    entry.state = 'loaded';
    loadCounts.set(modelId, (loadCounts.get(modelId) ?? 0) + 1);
    entry.lastUsed = ++clock;
    emit({
      type: 'load-end',
      modelId,
      durationMs: performance.now() - startedAt,
      memoryBytes: entry.memoryBytes,
    });
    if (isIdle(entry)) scheduleIdle(entry);
  };

  const scheduleIdle = (entry: Entry): void => {
    clearIdleTimer(entry);
    const timeout = options.idleTimeoutMs;
    if (timeout === undefined || timeout <= 0 || entry.state !== 'loaded') return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (isIdle(entry)) void startUnload(entry, 'idle');
    }, timeout);
    // An idle timer must not keep the process alive.
    entry.idleTimer.unref?.();
  };

  const waitForTurn = (entry: Entry, acquireOptions: AcquireOptions): Promise<void> => {
    const { signal } = acquireOptions;
    const context = { provider, modelId: entry.modelId };
    if (signal?.aborted) return Promise.reject(abortedError(signal, context));
    if (entry.active < maxConcurrent && entry.waiters.length === 0) {
      entry.active++;
      return Promise.resolve();
    }
    if (entry.waiters.length >= maxQueued) {
      return Promise.reject(
        new TinyLLMError({
          code: 'QUEUE_FULL',
          message: `Model "${entry.modelId}" is busy: ${entry.active} request(s) running and ${entry.waiters.length} waiting (maxQueuedRequestsPerModel ${maxQueued}).`,
          retryable: true,
          ...context,
          details: { activeRequests: entry.active, queuedRequests: entry.waiters.length },
        }),
      );
    }
    const timeoutMs = acquireOptions.queueTimeoutMs ?? options.queueTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = entry.waiters.indexOf(waiter);
        if (index >= 0) entry.waiters.splice(index, 1);
      };
      const waiter: Waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(abortedError(signal, context));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            waiter.reject(
              new TinyLLMError({
                code: 'TIMEOUT',
                message: `Waited ${timeoutMs} ms for model "${entry.modelId}" without getting a turn.`,
                ...context,
                details: { queueTimeoutMs: timeoutMs },
              }),
            ),
          timeoutMs,
        );
      }
      entry.waiters.push(waiter);
    });
  };

  const releaseTurn = (entry: Entry): void => {
    entry.active--;
    entry.lastUsed = ++clock;
    // The request may have grown its model's cache past the budget: idle models' caches go,
    // this one's last (it is the most recently used; kept while requests wait for it).
    if (budget !== undefined) clearCaches(() => usedBytes() <= budget);
    if (entry.active === 0 && entry.pendingUnload.length > 0) {
      const resolvers = entry.pendingUnload.splice(0);
      void startUnload(entry, entry.pendingUnloadReason).then(() => {
        for (const resolve of resolvers) resolve();
      });
    }
    while (entry.active < maxConcurrent && entry.waiters.length > 0) {
      entry.active++;
      entry.waiters[0]!.resolve();
    }
    if (isIdle(entry)) scheduleIdle(entry);
  };

  const acquire = async <T>(
    modelId: string,
    loader: ModelLoader<T>,
    acquireOptions: AcquireOptions = {},
  ): Promise<ModelLease<T>> => {
    if (disposed) throw disposedError(modelId);
    const entry = entryOf(modelId, loader as ModelLoader<unknown>);
    clearIdleTimer(entry);
    try {
      await waitForTurn(entry, acquireOptions);
    } catch (error) {
      if (isIdle(entry)) {
        if (entry.state === 'unloaded') entries.delete(modelId);
        else scheduleIdle(entry);
      }
      throw error;
    }
    try {
      await ensureLoaded(entry);
    } catch (error) {
      releaseTurn(entry);
      if (entry.state === 'unloaded' && isIdle(entry)) entries.delete(modelId);
      throw error;
    }
    entry.lastUsed = ++clock;
    const controller = new AbortController();
    entry.leaseControllers.add(controller);
    let released = false;
    return {
      value: entry.loaded!.value as T,
      signal: controller.signal,
      release: () => {
        if (released) return;
        released = true;
        entry.leaseControllers.delete(controller);
        releaseTurn(entry);
      },
    };
  };

  const manager: ModelManager = {
    acquire,
    async load(modelId, loader, loadOptions = {}) {
      const lease = await acquire(modelId, loader, loadOptions);
      lease.release();
    },
    async unload(modelId) {
      const entry = entries.get(modelId);
      if (!entry) return false;
      if (entry.loading) await entry.loading.catch(() => {});
      if (entry.state !== 'loaded') return false;
      if (entry.active > 0) {
        await new Promise<void>((resolve) => entry.pendingUnload.push(resolve));
        return true;
      }
      await startUnload(entry, 'explicit');
      return true;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const drains: Promise<void>[] = [];
      for (const entry of entries.values()) {
        clearIdleTimer(entry);
        for (const waiter of [...entry.waiters]) waiter.reject(disposedError(entry.modelId));
        for (const controller of entry.leaseControllers) controller.abort(disposedError());
        if (entry.loading) drains.push(entry.loading.catch(() => {}));
      }
      await Promise.all(drains);
      const unloads: Promise<void>[] = [];
      for (const entry of entries.values()) {
        if (entry.active > 0) {
          entry.pendingUnloadReason = 'dispose';
          // Running requests were told to stop; unload as soon as they release.
          unloads.push(
            new Promise<void>((resolve) => entry.pendingUnload.push(resolve)).then(() => {}),
          );
        } else unloads.push(startUnload(entry, 'dispose'));
      }
      await Promise.all(unloads);
      listeners.clear();
    },
    models() {
      return [...entries.values()]
        .filter((entry) => entry.state !== 'unloaded')
        .sort((a, b) => a.lastUsed - b.lastUsed)
        .map((entry) => ({
          modelId: entry.modelId,
          state: entry.state as ManagedModelInfo['state'],
          memoryBytes: entry.memoryBytes,
          cacheBytes: cacheBytes(entry),
          activeRequests: entry.active,
          queuedRequests: entry.waiters.length,
          loadCount: loadCounts.get(entry.modelId) ?? 0,
        }));
    },
    loadCount(modelId) {
      return loadCounts.get(modelId) ?? 0;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get disposed() {
      return disposed;
    },
  };

  return manager;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: `${name} must be a positive number, got ${value}.`,
      provider,
      path: name,
    });
  }
  return Math.floor(value);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
