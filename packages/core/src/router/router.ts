/**
 * `createRouter()`: calls models by name with retries, per-attempt timeouts, a fallback chain,
 * a cooldown (circuit breaker) for models that keep failing, and hooks on every attempt.
 */
import { parseChatRequest } from '../define-model';
import { type ErrorCode, TinyLLMError, abortedError, toTinyLLMError } from '../errors';
import { type HookCallMeta, HookEmitter, type HookName } from '../hooks';
import type { ModelHooks } from '../hooks-types';
import type { ChatRequest, ChatResponse } from '../messages';
import type {
  CallOptions,
  ChatModel,
  ChatStream,
  ChatStreamEvent,
  ModelCapabilities,
} from '../model';
import {
  type RetryOptions,
  type SleepFunction,
  abortableSleep,
  computeRetryDelay,
  defaultRetryOptions,
  sleep as defaultSleep,
} from './backoff';
import { type ModelResolver, resolveWithResolver } from './model-resolver';

/** A model, or a factory that creates it on first use (called once; a failure is not cached). */
export type ModelSource = ChatModel | (() => ChatModel | Promise<ChatModel>);

/**
 * Error codes after which the router moves on to the next model of the fallback chain: faults
 * of the model or its provider, which another model may not have.
 *
 * `AUTH_FAILED`, `MISSING_DEPENDENCY` and `INVALID_CONFIG` are included because the fallback
 * usually sits with another provider with its own credentials and setup, and
 * `CONTEXT_LENGTH_EXCEEDED` because the fallback may have a longer context. Errors about the
 * request itself (`INVALID_REQUEST`, `INVALID_TOOL_ARGUMENTS`, …) and `ABORTED` never fall back:
 * every model would refuse the same request, and an abort means the caller wants nothing more.
 */
export const defaultFallbackCodes: readonly ErrorCode[] = Object.freeze([
  'MODEL_NOT_FOUND',
  'MODEL_LOAD_FAILED',
  'MODEL_LOADING',
  'RATE_LIMITED',
  'TIMEOUT',
  'PROVIDER_UNAVAILABLE',
  'GENERATION_FAILED',
  'AUTH_FAILED',
  'MEMORY_EXCEEDED',
  'QUEUE_FULL',
  'CONTEXT_LENGTH_EXCEEDED',
  'MISSING_DEPENDENCY',
  'INVALID_CONFIG',
] satisfies ErrorCode[]);

/** Cooldown (circuit breaker) settings. */
export interface CooldownOptions {
  /** Consecutive failed attempts after which a model is skipped. Default 5. */
  failureThreshold?: number;
  /** How long a model is skipped; then it gets one trial attempt. Default 30 000 ms. */
  durationMs?: number;
}

/** Emitted before the router sleeps and retries the same model. */
export interface RouterRetryEvent {
  modelName: string;
  /** The attempt (1-based, counted across the whole chain) that failed. */
  attempt: number;
  /** The delay before the retry. */
  delayMs: number;
  error: TinyLLMError;
}

/** Emitted when the router moves on to the next model of the chain. */
export interface RouterFallbackEvent {
  from: string;
  to: string;
  /** The error that ended `from` (for a model skipped by cooldown, a `PROVIDER_UNAVAILABLE`). */
  error: TinyLLMError;
}

/** One entry of `details.attempts` of the error a router throws when everything failed. */
export interface RouterAttempt {
  /** The router name of the model. */
  model: string;
  /** 1-based attempt number across the chain; 0 for a model skipped without an attempt. */
  attempt: number;
  code: ErrorCode;
  /** The delay slept after this attempt before retrying, when it was retried. */
  delayMs?: number;
  /** Set when the model was not called because it was cooling down. */
  skipped?: 'cooldown';
}

/** Settings of {@link createRouter}. */
export interface RouterOptions {
  /** Models by name: instances, or factories resolved once, on first use. */
  models: Record<string, ModelSource>;
  /**
   * Looks up, on every request, a name `models` does not hold (e.g. a registry's
   * `name@production`, so a promotion applies without a restart). Fallbacks may name such models.
   */
  resolveModel?: ModelResolver;
  /** Fallback chains by model name, tried in order. A call can pass its own. */
  fallbacks?: Record<string, readonly string[]>;
  /** Retry settings; see {@link RetryOptions} for the defaults. */
  retry?: Partial<RetryOptions>;
  /** Timeout of each attempt (a whole `chat`, or a whole stream), ending it with a retryable `TIMEOUT`. */
  timeoutMs?: number;
  /** Skip models that keep failing for a while. Enabled with defaults; `false` disables it. */
  cooldown?: CooldownOptions | false;
  /** Whether an error moves on to the next model. Defaults to {@link defaultFallbackCodes}. */
  shouldFallback?: (error: TinyLLMError) => boolean;
  /** Hooks called for every attempt, with its `attempt` number and `modelName`. */
  hooks?: ModelHooks | readonly ModelHooks[];
  /** Called when a hook (or `onRetry`/`onFallback`) throws; such errors never break a request. */
  onHookError?: (error: unknown, hook: HookName | 'onRetry' | 'onFallback') => void;
  onRetry?: (event: RouterRetryEvent) => void;
  onFallback?: (event: RouterFallbackEvent) => void;
  /** Sleep used for backoff (inject one for tests). Must honour the signal; the router races it anyway. */
  sleep?: SleepFunction;
  /** Random source in `[0, 1)` for jitter (inject one for tests). Defaults to `Math.random`. */
  random?: () => number;
  /** Clock for cooldowns, in milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/** Per-call options of the router. */
export interface RouterCallOptions extends CallOptions {
  /** This call's fallback chain, replacing the configured one. */
  fallbacks?: readonly string[];
  /** Copied into hook events. */
  sessionId?: string;
  /** Copied into hook events. */
  tags?: string[];
}

/** A router; see {@link createRouter}. */
export interface Router {
  /** The configured model names. */
  readonly names: readonly string[];
  /** Runs a request on the named model, with retries and fallbacks. */
  chat(name: string, request: ChatRequest, options?: RouterCallOptions): Promise<ChatResponse>;
  /**
   * Streams a request on the named model. Retries and fallbacks happen only until the first event
   * reaches the caller; an error after that propagates, so output is never duplicated.
   */
  stream(name: string, request: ChatRequest, options?: RouterCallOptions): ChatStream;
  /** A {@link ChatModel} whose calls go through this router under `name` (provider `router`). */
  model(name: string): ChatModel;
  /** The model registered under `name`, created on first use. */
  resolve(name: string): Promise<ChatModel>;
}

interface CooldownState {
  consecutiveFailures: number;
  openUntil: number;
}

/** One attempt's signal: the caller's, plus the attempt's timeout. */
class Attempt {
  readonly signal: AbortSignal | undefined;
  timedOut = false;
  private readonly controller: AbortController | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private readonly expired: Promise<never> | undefined;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    callerSignal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    context: ErrorContext,
  ) {
    this.callerSignal = callerSignal;
    if (timeoutMs === undefined) {
      this.signal = callerSignal;
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.signal = controller.signal;
    let rejectExpired!: (error: TinyLLMError) => void;
    this.expired = new Promise<never>((_, reject) => {
      rejectExpired = reject;
    });
    this.expired.catch(() => {});
    if (callerSignal) {
      this.onCallerAbort = () => controller.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      const error = timeoutError(timeoutMs, context);
      // The model sees the TIMEOUT error as the abort reason; the race below covers models that
      // ignore their signal.
      controller.abort(error);
      rejectExpired(error);
    }, timeoutMs);
  }

  /** `promise`, or the attempt's TIMEOUT when that comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.expired ? Promise.race([promise, this.expired]) : promise;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    if (this.controller && !this.controller.signal.aborted) this.controller.abort();
  }
}

interface ErrorContext {
  provider: string;
  modelId: string;
}

function timeoutError(timeoutMs: number, context: ErrorContext): TinyLLMError {
  return new TinyLLMError({
    code: 'TIMEOUT',
    message: `The attempt timed out after ${timeoutMs} ms.`,
    retryable: true,
    ...context,
  });
}

/** What one routed call needs from its kind (chat or stream). */
type RunAttempt<T> = (model: ChatModel, attempt: Attempt, meta: HookCallMeta) => Promise<T>;

/**
 * Creates a router: call models by name, with retries (exponential backoff with full jitter,
 * honouring `retryAfterMs`), a timeout per attempt, fallback chains, a cooldown for models that
 * keep failing, and hooks on every attempt. Everything is cancellable with the caller's signal,
 * including backoff sleeps. When everything fails, the last error is thrown with the list of
 * attempts in `details.attempts` (and the original error as `cause`).
 *
 * Retryable errors (`error.retryable`) are retried on the same model up to `maxRetries` times;
 * then, or at once for non-retryable ones, errors listed in {@link defaultFallbackCodes} move on
 * to the next model. Other errors (invalid requests, aborts) are thrown at once.
 *
 * @example
 * ```ts
 * const router = createRouter({
 *   models: {
 *     local: () => createOllama().chatModel('qwen3:0.6b'),
 *     remote: createOpenAICompatible({ baseURL }).chatModel('qwen3-4b'),
 *   },
 *   fallbacks: { local: ['remote'] },
 *   timeoutMs: 30_000,
 *   hooks: { onUsage: (event) => analytics.record(event) },
 * });
 * const response = await router.chat('local', { messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export function createRouter(options: RouterOptions): Router {
  const retry: RetryOptions = { ...defaultRetryOptions, ...options.retry };
  const cooldown =
    options.cooldown === false
      ? undefined
      : { failureThreshold: 5, durationMs: 30_000, ...options.cooldown };
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const clock = options.now ?? Date.now;
  const shouldFallback =
    options.shouldFallback ?? ((error: TinyLLMError) => fallbackCodes.has(error.code));
  const emitter = options.hooks ? new HookEmitter(options.hooks, options.onHookError) : undefined;
  const hooked = emitter?.active ? emitter : undefined;
  const sources = new Map(Object.entries(options.models));
  const resolved = new Map<string, ChatModel>();
  const pending = new Map<string, Promise<ChatModel>>();
  const cooldowns = new Map<string, CooldownState>();
  const names = [...sources.keys()];

  for (const [name, chain] of Object.entries(options.fallbacks ?? {})) {
    for (const fallback of chain) {
      if (!sources.has(fallback) && options.resolveModel === undefined)
        throw new TinyLLMError({
          code: 'INVALID_CONFIG',
          message: `Router fallback "${fallback}" of "${name}" is not a configured model (known: ${names.join(', ')}).`,
          path: `fallbacks.${name}`,
        });
    }
  }

  function resolve(name: string): Promise<ChatModel> {
    const ready = resolved.get(name);
    if (ready) return Promise.resolve(ready);
    const inFlight = pending.get(name);
    if (inFlight) return inFlight;
    const source = sources.get(name);
    if (source === undefined && options.resolveModel !== undefined)
      return resolveWithResolver(options.resolveModel, name);
    if (source === undefined)
      return Promise.reject(
        new TinyLLMError({
          code: 'MODEL_NOT_FOUND',
          message: `The router has no model named "${name}" (known: ${names.join(', ')}).`,
          retryable: false,
          details: { modelName: name },
        }),
      );
    if (typeof source !== 'function') {
      resolved.set(name, source);
      return Promise.resolve(source);
    }
    // Started on a later tick so `pending` holds the promise before a synchronous throw settles
    // it: otherwise the cleanup would run first and a failed factory would stay cached.
    const promise = Promise.resolve()
      .then(source)
      .then(
        (model) => {
          resolved.set(name, model);
          return model;
        },
        (error: unknown) => {
          throw toTinyLLMError(error, {
            code: 'INVALID_CONFIG',
            message: `Creating the model "${name}" failed: ${error instanceof Error ? error.message : String(error)}`,
            retryable: false,
          });
        },
      )
      .finally(() => pending.delete(name));
    pending.set(name, promise);
    return promise;
  }

  function coolingDownFor(name: string): number {
    if (!cooldown) return 0;
    const state = cooldowns.get(name);
    if (!state || state.openUntil === 0) return 0;
    return Math.max(0, state.openUntil - clock());
  }

  function recordFailure(name: string): void {
    if (!cooldown) return;
    let state = cooldowns.get(name);
    if (!state) {
      state = { consecutiveFailures: 0, openUntil: 0 };
      cooldowns.set(name, state);
    }
    state.consecutiveFailures++;
    // Past the threshold every failure re-opens the breaker, so a failed trial attempt after
    // the cooldown skips the model for another full period.
    if (state.consecutiveFailures >= cooldown.failureThreshold)
      state.openUntil = clock() + cooldown.durationMs;
  }

  function recordSuccess(name: string): void {
    if (!cooldown) return;
    const state = cooldowns.get(name);
    if (state) {
      state.consecutiveFailures = 0;
      state.openUntil = 0;
    }
  }

  function notify<E>(
    listener: ((event: E) => void) | undefined,
    event: E,
    hook: 'onRetry' | 'onFallback',
  ): void {
    if (!listener) return;
    try {
      listener(event);
    } catch (error) {
      try {
        options.onHookError?.(error, hook);
      } catch {
        // ignored, like the hook's own error
      }
    }
  }

  function chainOf(name: string, callOptions: RouterCallOptions | undefined): string[] {
    const fallbacks = callOptions?.fallbacks ?? options.fallbacks?.[name] ?? [];
    const chain = [name];
    for (const fallback of fallbacks) if (!chain.includes(fallback)) chain.push(fallback);
    return chain;
  }

  async function route<T>(
    name: string,
    callOptions: RouterCallOptions | undefined,
    run: RunAttempt<T>,
  ): Promise<T> {
    const signal = callOptions?.signal;
    const chain = chainOf(name, callOptions);
    const attempts: RouterAttempt[] = [];
    // The last error of a model actually called (what gets thrown), and the reason the previous
    // model of the chain was left (for onFallback; a cooldown skip counts).
    let lastError: TinyLLMError | undefined;
    let previous: { name: string; error: TinyLLMError } | undefined;
    let skippedError: TinyLLMError | undefined;
    let attemptNumber = 0;

    for (const modelName of chain) {
      if (signal?.aborted) throw abortedError(signal);
      const remaining = coolingDownFor(modelName);
      if (remaining > 0) {
        const skipped = new TinyLLMError({
          code: 'PROVIDER_UNAVAILABLE',
          message: `The model "${modelName}" is cooling down after repeated failures.`,
          retryAfterMs: remaining,
          details: { modelName },
        });
        attempts.push({ model: modelName, attempt: 0, code: skipped.code, skipped: 'cooldown' });
        skippedError ??= skipped;
        previous = { name: modelName, error: skipped };
        continue;
      }
      if (previous)
        notify(
          options.onFallback,
          { from: previous.name, to: modelName, error: previous.error },
          'onFallback',
        );

      let model: ChatModel;
      try {
        model = await resolve(modelName);
      } catch (thrown) {
        const error = toTinyLLMError(thrown, { code: 'INVALID_CONFIG' });
        attempts.push({ model: modelName, attempt: 0, code: error.code });
        lastError = error;
        previous = { name: modelName, error };
        if (shouldFallback(error)) continue;
        throw withAttempts(error, attempts);
      }
      const context = { provider: model.provider, modelId: model.modelId };

      for (let retryIndex = 0; ; retryIndex++) {
        if (signal?.aborted) throw abortedError(signal, context);
        attemptNumber++;
        const attempt = new Attempt(signal, options.timeoutMs, context);
        const meta: HookCallMeta = {
          modelName,
          attempt: attemptNumber,
          sessionId: callOptions?.sessionId,
          tags: callOptions?.tags,
        };
        try {
          const result = await run(model, attempt, meta);
          recordSuccess(modelName);
          return result;
        } catch (thrown) {
          attempt.dispose();
          if (signal?.aborted) throw abortedError(signal, context);
          const error =
            attempt.timedOut && !TinyLLMError.hasCode(thrown, 'TIMEOUT')
              ? timeoutError(options.timeoutMs ?? 0, context)
              : toTinyLLMError(thrown, { code: 'GENERATION_FAILED', ...context });
          lastError = error;
          const record: RouterAttempt = {
            model: modelName,
            attempt: attemptNumber,
            code: error.code,
          };
          attempts.push(record);
          const fallbackable = shouldFallback(error);
          if (fallbackable) recordFailure(modelName);
          if (error.retryable && retryIndex < retry.maxRetries && coolingDownFor(modelName) === 0) {
            const delayMs = computeRetryDelay(retryIndex, retry, random, error.retryAfterMs);
            record.delayMs = delayMs;
            notify(
              options.onRetry,
              { modelName, attempt: attemptNumber, delayMs, error },
              'onRetry',
            );
            await abortableSleep(sleep, delayMs, signal);
            continue;
          }
          if (fallbackable) {
            previous = { name: modelName, error };
            break;
          }
          throw withAttempts(error, attempts);
        }
      }
    }
    throw withAttempts(lastError ?? skippedError ?? noModelError(name), attempts);
  }

  function recordStreamFailure(modelName: string, error: TinyLLMError): void {
    if (shouldFallback(error)) recordFailure(modelName);
  }

  const chat = async (
    name: string,
    request: ChatRequest,
    callOptions?: RouterCallOptions,
  ): Promise<ChatResponse> => {
    const validated = parseChatRequest(request);
    return route(name, callOptions, async (model, attempt, meta) => {
      const attemptOptions = { signal: attempt.signal };
      try {
        return await attempt.race(
          hooked
            ? hooked.chat(model, validated, attemptOptions, meta)
            : model.chat(validated, attemptOptions),
        );
      } finally {
        attempt.dispose();
      }
    });
  };

  const stream = (
    name: string,
    request: ChatRequest,
    callOptions?: RouterCallOptions,
  ): ChatStream => {
    const validated = parseChatRequest(request);
    const signal = callOptions?.signal;
    let started = false;
    let settled: { response: ChatResponse } | { error: TinyLLMError } | undefined;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });

    interface OpenStream {
      stream: ChatStream;
      iterator: AsyncIterator<ChatStreamEvent>;
      first: IteratorResult<ChatStreamEvent>;
      attempt: Attempt;
      modelName: string;
      context: ErrorContext;
    }

    const openStream = (): Promise<OpenStream> =>
      // Retries and fallbacks cover everything up to the first event: nothing has reached the
      // caller yet, so another attempt cannot duplicate output.
      route(name, callOptions, async (model, attempt, meta) => {
        const attemptOptions = { signal: attempt.signal };
        const modelStream = hooked
          ? hooked.stream(model, validated, attemptOptions, meta)
          : model.stream(validated, attemptOptions);
        const iterator = modelStream[Symbol.asyncIterator]();
        try {
          const first = await attempt.race(iterator.next());
          return {
            stream: modelStream,
            iterator,
            first,
            attempt,
            modelName: meta.modelName!,
            context: { provider: model.provider, modelId: model.modelId },
          };
        } catch (error) {
          void iterator.return?.()?.catch(() => {});
          throw error;
        }
      });

    // After the first event the router hands each `next()` straight to the model's iterator: no
    // promise or callback of its own per event, which is what the router cost under load. How
    // the stream ended is observed once, through the model stream's `finalResponse()`. Timeouts
    // need no per-event race either: the attempt's signal aborts the model stream, which ends
    // with the attempt's TIMEOUT error (its abort reason).
    const iterate = (): AsyncIterator<ChatStreamEvent> => {
      let open: OpenStream | undefined;
      const finish = (): void => {
        open?.attempt.dispose();
        resolveDone();
      };
      const errorOf = (thrown: unknown): TinyLLMError => {
        if (signal?.aborted) return abortedError(signal);
        if (open?.attempt.timedOut && !TinyLLMError.hasCode(thrown, 'TIMEOUT'))
          return timeoutError(options.timeoutMs ?? 0, open.context);
        return toTinyLLMError(thrown, { code: 'GENERATION_FAILED', ...open?.context });
      };
      const fail = (thrown: unknown): never => {
        if (settled) throw thrown;
        const error = errorOf(thrown);
        settled = { error };
        finish();
        throw error;
      };
      const watch = (value: OpenStream): void => {
        value.stream.finalResponse().then(
          (response) => {
            settled ??= { response };
            finish();
          },
          (thrown: unknown) => {
            if (!settled) {
              const error = errorOf(thrown);
              // A failure after the first event still counts against the model's cooldown.
              if (!signal?.aborted) recordStreamFailure(value.modelName, error);
              settled = { error };
            }
            finish();
          },
        );
      };
      const opened = (value: OpenStream): IteratorResult<ChatStreamEvent> => {
        open = value;
        watch(value);
        return value.first;
      };
      // Errors after the first event reach the caller as the model stream throws them, mapped
      // the way `finalResponse()` reports them.
      const afterFirst = (thrown: unknown): never => {
        throw settled && 'error' in settled ? settled.error : errorOf(thrown);
      };
      return {
        next() {
          if (open) {
            // With a timeout, each step is also raced with it, for models that ignore their signal.
            return options.timeoutMs === undefined
              ? open.iterator.next()
              : open.attempt.race(open.iterator.next()).catch(afterFirst);
          }
          if (settled) return Promise.resolve({ done: true, value: undefined });
          return openStream().then(opened, fail);
        },
        async return() {
          if (open) {
            // The consumer stopped early: close the model's stream. If `finish` had already
            // arrived it settles with its response; otherwise this stream ends as ABORTED.
            try {
              await open.iterator.return?.();
            } catch {
              // reported through finalResponse
            }
            await done;
          } else if (!settled) {
            settled = { error: abortedError(undefined) };
            finish();
          }
          return { done: true, value: undefined };
        },
      };
    };

    return {
      [Symbol.asyncIterator]() {
        if (started)
          throw new TinyLLMError({
            code: 'INVALID_REQUEST',
            message: 'A chat stream can be iterated only once.',
          });
        started = true;
        return iterate();
      },
      async finalResponse() {
        if (!started) {
          started = true;
          const iterator = iterate();
          try {
            while (!(await iterator.next()).done) {
              // consume
            }
          } catch {
            // reported through `settled`
          }
        }
        await done;
        if (settled && 'response' in settled) return settled.response;
        throw settled?.error ?? abortedError(undefined);
      },
    };
  };

  const defaultCapabilities: ModelCapabilities = { streaming: true, tools: true };

  return {
    names,
    chat,
    stream,
    resolve,
    model(name) {
      return {
        provider: 'router',
        modelId: name,
        // A lazy model's capabilities are known once it has been created; until then, assume
        // the common case rather than forcing the factory to run.
        get capabilities() {
          return resolved.get(name)?.capabilities ?? defaultCapabilities;
        },
        chat: (request, callOptions) => chat(name, request, callOptions),
        stream: (request, callOptions) => stream(name, request, callOptions),
      };
    },
  };
}

const fallbackCodes: ReadonlySet<ErrorCode> = new Set(defaultFallbackCodes);

function noModelError(name: string): TinyLLMError {
  return new TinyLLMError({
    code: 'PROVIDER_UNAVAILABLE',
    message: `No model could serve "${name}".`,
  });
}

/** The error to throw when routing gives up: `error`, with the attempts in `details.attempts`. */
function withAttempts(error: TinyLLMError, attempts: RouterAttempt[]): TinyLLMError {
  return new TinyLLMError({
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    provider: error.provider,
    modelId: error.modelId,
    status: error.status,
    path: error.path,
    cause: error,
    details: { ...error.details, attempts },
  });
}
