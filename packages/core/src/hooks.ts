/**
 * `withHooks()`: observability around any {@link ChatModel}. Every request emits `onRequest`,
 * `onFirstToken` (when content arrives), then `onResponse` or `onError`, and exactly one
 * `onUsage` with latency and tokens, for `chat` and `stream` alike.
 */
import { type TinyLLMError, toTinyLLMError } from './errors';
import type { ChatRequest, ChatResponse } from './messages';
import type { CallOptions, ChatModel, ChatStream, ChatStreamEvent } from './model';
import type { FirstTokenEvent, ModelHooks, RequestStartEvent, UsageEvent } from './hooks-types';
import { estimatePromptTokens } from './tokens';

/** The name of a hook, as passed to {@link WithHooksOptions.onHookError}. */
export type HookName = keyof ModelHooks;

/** Options of {@link withHooks}. */
export interface WithHooksOptions {
  /** App-provided session id, copied into every event. */
  sessionId?: string;
  /** App-provided tags, copied into every event. */
  tags?: string[];
  /** The name the app uses for the model (router or registry name). */
  modelName?: string;
  /**
   * Called when a hook throws. Hooks must never break a request, so their errors are swallowed;
   * this is the place to log them. Errors thrown here are ignored too.
   */
  onHookError?: (error: unknown, hook: HookName) => void;
}

/** Per-request labels carried into the events. @internal */
export interface HookCallMeta {
  modelName?: string | undefined;
  sessionId?: string | undefined;
  tags?: string[] | undefined;
  attempt?: number | undefined;
}

// Request ids are a per-process random prefix plus a counter: unique enough to join events of
// one request, and far cheaper than a UUID per request.
const requestIdPrefix = `req_${Math.random().toString(36).slice(2, 10)}_`;
let requestCounter = 0;

const now = (): number => performance.now();

/**
 * Dispatches hook events. Hooks are sorted by kind once, up front, so a request only pays for
 * the hooks that exist. Shared by {@link withHooks} and the router (which adds the attempt).
 * @internal
 */
export class HookEmitter {
  readonly active: boolean;
  private readonly requestHooks: ModelHooks[];
  private readonly firstTokenHooks: ModelHooks[];
  private readonly responseHooks: ModelHooks[];
  private readonly errorHooks: ModelHooks[];
  private readonly usageHooks: ModelHooks[];
  private readonly onHookError: WithHooksOptions['onHookError'];

  constructor(
    hooks: ModelHooks | readonly ModelHooks[],
    onHookError?: WithHooksOptions['onHookError'],
  ) {
    const list: readonly ModelHooks[] = Array.isArray(hooks) ? hooks : [hooks as ModelHooks];
    this.requestHooks = list.filter((hook) => typeof hook.onRequest === 'function');
    this.firstTokenHooks = list.filter((hook) => typeof hook.onFirstToken === 'function');
    this.responseHooks = list.filter((hook) => typeof hook.onResponse === 'function');
    this.errorHooks = list.filter((hook) => typeof hook.onError === 'function');
    this.usageHooks = list.filter((hook) => typeof hook.onUsage === 'function');
    this.onHookError = onHookError;
    this.active =
      this.requestHooks.length +
        this.firstTokenHooks.length +
        this.responseHooks.length +
        this.errorHooks.length +
        this.usageHooks.length >
      0;
  }

  /** Runs `model.chat` with hook events. */
  async chat(
    model: ChatModel,
    request: ChatRequest,
    options: CallOptions | undefined,
    meta: HookCallMeta,
  ): Promise<ChatResponse> {
    if (!this.active) return model.chat(request, options);
    const tracker = new RequestTracker(this, model, request, meta, false);
    tracker.start();
    let response: ChatResponse;
    try {
      response = await model.chat(request, options);
    } catch (error) {
      tracker.fail(error);
      throw error;
    }
    // A non-streamed call cannot observe its first token: report the provider-measured one.
    const timeToFirstToken = response.timings.timeToFirstTokenMs;
    if (timeToFirstToken !== undefined) tracker.firstToken(timeToFirstToken);
    tracker.succeed(response);
    return response;
  }

  /** Runs `model.stream` with hook events; the request starts when the stream is consumed. */
  stream(
    model: ChatModel,
    request: ChatRequest,
    options: CallOptions | undefined,
    meta: HookCallMeta,
  ): ChatStream {
    if (!this.active) return model.stream(request, options);
    const tracker = new RequestTracker(this, model, request, meta, true);
    let inner: ChatStream;
    try {
      inner = model.stream(request, options);
    } catch (error) {
      // Synchronous failures (invalid requests) are requests too: report them.
      tracker.start();
      tracker.fail(error);
      throw error;
    }
    let started = false;
    const iterate = (): AsyncIterator<ChatStreamEvent> => {
      tracker.start();
      return new ObservedIterator(inner, tracker);
    };
    return {
      [Symbol.asyncIterator]() {
        // A second iteration is the inner stream's to refuse.
        if (started) return inner[Symbol.asyncIterator]();
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
            // the inner stream's finalResponse() rejects with the same error below
          }
        }
        return inner.finalResponse();
      },
    };
  }

  emitRequest(event: RequestStartEvent): void {
    for (const hook of this.requestHooks) {
      try {
        hook.onRequest!(event);
      } catch (error) {
        this.reportHookError(error, 'onRequest');
      }
    }
  }

  emitFirstToken(event: FirstTokenEvent): void {
    for (const hook of this.firstTokenHooks) {
      try {
        hook.onFirstToken!(event);
      } catch (error) {
        this.reportHookError(error, 'onFirstToken');
      }
    }
  }

  emitResponse(requestId: string, response: ChatResponse): void {
    if (this.responseHooks.length === 0) return;
    const event = { requestId, response };
    for (const hook of this.responseHooks) {
      try {
        hook.onResponse!(event);
      } catch (error) {
        this.reportHookError(error, 'onResponse');
      }
    }
  }

  emitError(requestId: string, provider: string, modelId: string, error: TinyLLMError): void {
    if (this.errorHooks.length === 0) return;
    const event = { requestId, provider, modelId, error };
    for (const hook of this.errorHooks) {
      try {
        hook.onError!(event);
      } catch (hookError) {
        this.reportHookError(hookError, 'onError');
      }
    }
  }

  emitUsage(event: UsageEvent): void {
    for (const hook of this.usageHooks) {
      try {
        hook.onUsage!(event);
      } catch (error) {
        this.reportHookError(error, 'onUsage');
      }
    }
  }

  get wantsRequest(): boolean {
    return this.requestHooks.length > 0;
  }
  get wantsFirstToken(): boolean {
    return this.firstTokenHooks.length > 0;
  }
  get wantsUsage(): boolean {
    return this.usageHooks.length > 0;
  }

  private reportHookError(error: unknown, hook: HookName): void {
    if (!this.onHookError) return;
    try {
      this.onHookError(error, hook);
    } catch {
      // A failing error reporter must not break the request either.
    }
  }
}

/**
 * Iterates an inner stream, feeding the tracker. A hand-written iterator rather than an async
 * generator: it costs one `then` per event instead of a generator's extra promise hops, which
 * matters on streams of thousands of deltas.
 */
class ObservedIterator implements AsyncIterator<ChatStreamEvent> {
  private readonly iterator: AsyncIterator<ChatStreamEvent>;

  constructor(
    private readonly stream: ChatStream,
    private readonly tracker: RequestTracker,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<ChatStreamEvent>> {
    return this.iterator.next().then(this.onStep, this.onError);
  }

  /** The consumer stopped early: close the inner stream, then report how it settled. */
  async return(): Promise<IteratorResult<ChatStreamEvent>> {
    try {
      await this.iterator.return?.();
    } finally {
      // With `finish` already seen the inner stream settled with its response, else ABORTED.
      this.stream.finalResponse().then(
        (response) => this.tracker.succeed(response),
        (error: unknown) => this.tracker.fail(error),
      );
    }
    return { done: true, value: undefined };
  }

  private readonly onStep = (
    step: IteratorResult<ChatStreamEvent>,
  ): IteratorResult<ChatStreamEvent> | Promise<IteratorResult<ChatStreamEvent>> => {
    if (step.done) {
      return this.stream.finalResponse().then((response) => {
        this.tracker.succeed(response);
        return step;
      }, this.onError);
    }
    const event = step.value;
    switch (event.type) {
      case 'text-delta':
      case 'reasoning-delta':
        this.tracker.content(event.text.length);
        break;
      case 'tool-call':
        this.tracker.content(event.toolCall.name.length + 16);
        break;
      case 'tool-call-error':
        this.tracker.content(event.invalidToolCall.raw.length);
        break;
    }
    return step;
  };

  private readonly onError = (error: unknown): never => {
    this.tracker.fail(error);
    throw error;
  };
}

/** The state of one request, so each event is emitted at most once. */
class RequestTracker {
  private requestId = '';
  private startedAt = '';
  private startedAtMs = 0;
  private timeToFirstTokenMs: number | undefined;
  private outputCharacters = 0;
  private done = false;

  constructor(
    private readonly emitter: HookEmitter,
    private readonly model: ChatModel,
    private readonly request: ChatRequest,
    private readonly meta: HookCallMeta,
    private readonly streamed: boolean,
  ) {}

  start(): void {
    this.requestId = requestIdPrefix + ++requestCounter;
    this.startedAtMs = now();
    if (!this.emitter.wantsRequest && !this.emitter.wantsUsage) return;
    this.startedAt = new Date().toISOString();
    if (!this.emitter.wantsRequest) return;
    const { meta, request } = this;
    const event: RequestStartEvent = {
      requestId: this.requestId,
      provider: this.model.provider,
      modelId: this.model.modelId,
      startedAt: this.startedAt,
      streamed: this.streamed,
      messageCount: Array.isArray(request.messages) ? request.messages.length : 0,
      toolCount: Array.isArray(request.tools) ? request.tools.length : 0,
    };
    if (meta.modelName !== undefined) event.modelName = meta.modelName;
    if (meta.sessionId !== undefined) event.sessionId = meta.sessionId;
    if (meta.tags !== undefined) event.tags = meta.tags;
    if (meta.attempt !== undefined) event.attempt = meta.attempt;
    this.emitter.emitRequest(event);
  }

  /** Records streamed content; the first call emits `onFirstToken`. */
  content(characters: number): void {
    this.outputCharacters += characters;
    if (this.timeToFirstTokenMs === undefined) this.firstToken(now() - this.startedAtMs);
  }

  firstToken(timeToFirstTokenMs: number): void {
    if (this.timeToFirstTokenMs !== undefined) return;
    this.timeToFirstTokenMs = timeToFirstTokenMs;
    if (!this.emitter.wantsFirstToken) return;
    this.emitter.emitFirstToken({
      requestId: this.requestId,
      provider: this.model.provider,
      modelId: this.model.modelId,
      timeToFirstTokenMs,
    });
  }

  succeed(response: ChatResponse): void {
    if (this.done) return;
    this.done = true;
    const totalMs = now() - this.startedAtMs;
    this.emitter.emitResponse(this.requestId, response);
    if (!this.emitter.wantsUsage) return;
    const event = this.usageEvent(
      totalMs,
      response.usage.inputTokens,
      response.usage.outputTokens,
      response.usage.estimated,
      this.timeToFirstTokenMs ?? response.timings.timeToFirstTokenMs,
    );
    event.finishReason = response.finishReason;
    if (response.usage.cachedInputTokens !== undefined) {
      event.cachedInputTokens = response.usage.cachedInputTokens;
    }
    this.emitter.emitUsage(event);
  }

  fail(thrown: unknown): void {
    if (this.done) return;
    this.done = true;
    const totalMs = now() - this.startedAtMs;
    const { provider, modelId } = this.model;
    const error = toTinyLLMError(thrown, { code: 'GENERATION_FAILED', provider, modelId });
    this.emitter.emitError(this.requestId, provider, modelId, error);
    if (!this.emitter.wantsUsage) return;
    // A failed request reports no usage: estimate the prompt, and the output streamed so far
    // (about 4 characters per token), and flag both as estimates.
    let inputTokens = 0;
    try {
      inputTokens = estimatePromptTokens(this.request.messages, this.request.tools);
    } catch {
      // an invalid request may not even have messages
    }
    const event = this.usageEvent(
      totalMs,
      inputTokens,
      Math.ceil(this.outputCharacters / 4),
      true,
      this.timeToFirstTokenMs,
    );
    event.errorCode = error.code;
    this.emitter.emitUsage(event);
  }

  private usageEvent(
    totalMs: number,
    inputTokens: number,
    outputTokens: number,
    estimated: boolean,
    timeToFirstTokenMs: number | undefined,
  ): UsageEvent {
    const { meta } = this;
    const event: UsageEvent = {
      requestId: this.requestId,
      provider: this.model.provider,
      modelId: this.model.modelId,
      startedAt: this.startedAt,
      totalMs,
      inputTokens,
      outputTokens,
      estimated,
      streamed: this.streamed,
    };
    if (timeToFirstTokenMs !== undefined) event.timeToFirstTokenMs = timeToFirstTokenMs;
    if (meta.modelName !== undefined) event.modelName = meta.modelName;
    if (meta.sessionId !== undefined) event.sessionId = meta.sessionId;
    if (meta.tags !== undefined) event.tags = meta.tags;
    if (meta.attempt !== undefined) event.attempt = meta.attempt;
    return event;
  }
}

/**
 * Wraps a model so every request emits hook events: `onRequest`, `onFirstToken`, `onResponse`
 * or `onError`, and exactly one `onUsage` (latency and tokens; provider-reported tokens when
 * available, else estimates flagged `estimated`). A hook that throws never breaks a request:
 * its error goes to `onHookError`, if given, and is otherwise ignored.
 *
 * For `chat`, `onFirstToken` is emitted when the response arrives, with the provider-measured
 * time to first token. For `stream`, the request starts when the stream is first consumed.
 *
 * @example
 * ```ts
 * const observed = withHooks(model, {
 *   onUsage: (event) => console.log(event.modelId, event.totalMs, event.outputTokens),
 * }, { sessionId: 'chat-42', modelName: 'assistant' });
 * await observed.chat({ messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export function withHooks(
  model: ChatModel,
  hooks: ModelHooks | readonly ModelHooks[],
  options: WithHooksOptions = {},
): ChatModel {
  const emitter = new HookEmitter(hooks, options.onHookError);
  const meta: HookCallMeta = {
    modelName: options.modelName,
    sessionId: options.sessionId,
    tags: options.tags,
  };
  return {
    provider: model.provider,
    modelId: model.modelId,
    capabilities: model.capabilities,
    chat: (request, callOptions) => emitter.chat(model, request, callOptions, meta),
    stream: (request, callOptions) => emitter.stream(model, request, callOptions, meta),
  };
}
