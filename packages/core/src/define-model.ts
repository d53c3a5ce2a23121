/**
 * `defineChatModel()`: the one place where the contract's cross-cutting rules live, so every
 * adapter gets them for free: request validation, prompt abort, exactly one `finish` event,
 * timings, and usage estimation when the provider reports none.
 */
import { TinyLLMError, abortedError, toTinyLLMError } from './errors';
import type {
  ChatRequest,
  ChatResponse,
  FinishReason,
  InvalidToolCall,
  ToolCall,
  Usage,
} from './messages';
import type {
  CallOptions,
  ChatModel,
  ChatStream,
  ChatStreamEvent,
  ModelCapabilities,
  ProviderStreamEvent,
} from './model';
import { type TokenCounter, estimatePromptTokens, estimatingTokenCounter } from './tokens';
import { checkChatRequest } from './validation/chat-request';

/** What an adapter provides to {@link defineChatModel}. */
export interface ChatModelSpec {
  provider: string;
  modelId: string;
  capabilities: ModelCapabilities;
  /**
   * Streams the provider's events. `signal` fires when the caller aborts or stops iterating:
   * the adapter must then close its HTTP request or stop generation. `signal` belongs to this
   * one stream, and `abort(reason)` aborts it: an adapter that must stop its own request (a
   * timeout) can use `signal` as the request's signal instead of linking one of its own to it.
   */
  doStream(
    request: ChatRequest,
    options: { signal: AbortSignal; abort(reason?: unknown): void },
  ): AsyncIterable<ProviderStreamEvent>;
  /** Counter used to estimate usage when the provider reports none. */
  tokenCounter?: TokenCounter;
  /** Skip request validation (the router validates once for all attempts). */
  validateRequests?: boolean;
}

/**
 * Validates a request, throwing `INVALID_REQUEST` that names the offending path (and, for an
 * unknown key, the key it was probably meant to be). Returns the request itself, unchanged.
 */
export function parseChatRequest(
  request: unknown,
  context: { provider?: string; modelId?: string } = {},
): ChatRequest {
  const issues = checkChatRequest(request);
  if (issues.length === 0) return request as ChatRequest;
  const { path, message } = issues[0]!;
  throw new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `Invalid chat request at ${path || '(root)'}: ${message}`,
    path,
    retryable: false,
    ...context,
    details: { issues },
  });
}

/** Builds a {@link ChatModel} from a provider's streaming function. */
export function defineChatModel(spec: ChatModelSpec): ChatModel {
  const context = { provider: spec.provider, modelId: spec.modelId };
  const stream = (request: ChatRequest, options: CallOptions = {}): ChatStream => {
    const validated =
      spec.validateRequests === false ? request : parseChatRequest(request, context);
    return createChatStream({
      ...context,
      request: validated,
      signal: options.signal,
      tokenCounter: spec.tokenCounter,
      source: (signal, abort) => spec.doStream(validated, { signal, abort }),
    });
  };
  return {
    provider: spec.provider,
    modelId: spec.modelId,
    capabilities: spec.capabilities,
    stream,
    chat: async (request, options) => stream(request, options).finalResponse(),
  };
}

interface ChatStreamInit {
  provider: string;
  modelId: string;
  request: ChatRequest;
  signal: AbortSignal | undefined;
  tokenCounter: TokenCounter | undefined;
  /** The provider's events; `signal` is this stream's own, and `abort` aborts it. */
  source: (
    signal: AbortSignal,
    abort: (reason?: unknown) => void,
  ) => AsyncIterable<ProviderStreamEvent>;
}

const now = (): number => performance.now();

/** Wraps provider events into a {@link ChatStream} that honours the caller's signal. */
export function createChatStream(init: ChatStreamInit): ChatStream {
  const context = { provider: init.provider, modelId: init.modelId };
  const startedAt = now();
  let firstTokenAt: number | undefined;
  let firstDeltaAt: number | undefined;
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const invalidToolCalls: InvalidToolCall[] = [];
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  let started = false;
  let settled: { response: ChatResponse } | { error: TinyLLMError } | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const finalize = (): ChatStreamEvent & { type: 'finish' } => {
    const endedAt = now();
    const counter = init.tokenCounter ?? estimatingTokenCounter;
    const finalUsage: Usage =
      usage ?? estimateUsage(init.request, text, reasoning, toolCalls, counter);
    const timeToFirstTokenMs = firstTokenAt === undefined ? undefined : firstTokenAt - startedAt;
    const totalMs = endedAt - startedAt;
    // The decode rate is measured from the first streamed delta. Tool calls arrive whole (a
    // parser releases them at `</tool_call>`), so a reply made only of tool calls has no such
    // window: its rate is end-to-end, prefill included, so it can be low but never inflated.
    const decodeMs = firstDeltaAt === undefined ? 0 : endedAt - firstDeltaAt;
    const tokensPerSecond =
      decodeMs > 0 && finalUsage.outputTokens > 1
        ? ((finalUsage.outputTokens - 1) * 1000) / decodeMs
        : totalMs > 0 && finalUsage.outputTokens > 0
          ? (finalUsage.outputTokens * 1000) / totalMs
          : undefined;
    const timings = { timeToFirstTokenMs, totalMs, tokensPerSecond };
    const reason: FinishReason = finishReason ?? (toolCalls.length > 0 ? 'tool-calls' : 'stop');
    settled = {
      response: {
        text,
        ...(reasoning ? { reasoning } : {}),
        toolCalls,
        invalidToolCalls,
        finishReason: reason,
        usage: finalUsage,
        timings,
        ...context,
      },
    };
    return { type: 'finish', finishReason: reason, usage: finalUsage, timings };
  };

  const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

  /**
   * The stream's iterator. Hand-written rather than an async generator (like `ObservedIterator`
   * in hooks.ts): one `then` per event instead of a generator's extra promise hops. Every
   * stream of every adapter goes through here once per event, so on a paced stream this layer
   * was a measurable part of an adapter's CPU per stream against the bare client (bench/).
   */
  function run(): AsyncIterableIterator<ChatStreamEvent> {
    const controller = new AbortController();
    const callerSignal = init.signal;
    let rejectAbort!: (error: TinyLLMError) => void;
    const aborted = new Promise<never>((_, reject) => {
      rejectAbort = reject;
    });
    aborted.catch(() => {});
    const onAbort = (): void => {
      controller.abort(callerSignal?.reason);
      rejectAbort(abortedError(callerSignal, context));
    };
    let iterator: AsyncIterator<ProviderStreamEvent> | undefined;
    // `open` while the provider streams, `final` once `finish` went out, `closed` after cleanup.
    let phase: 'new' | 'open' | 'final' | 'closed' = 'new';

    const close = (): void => {
      if (phase === 'closed') return;
      phase = 'closed';
      // A consumer that stops early ends the request: tell the provider to stop.
      if (!settled) {
        settled = { error: abortedError(undefined, context) };
        controller.abort();
      }
      resolveDone();
      callerSignal?.removeEventListener('abort', onAbort);
      // Not awaited: a generator suspended in an await cannot return until that await settles.
      void iterator?.return?.()?.then(
        () => {},
        () => {},
      );
    };

    const fail = (error: unknown): never => {
      const typed = callerSignal?.aborted
        ? abortedError(callerSignal, context)
        : toTinyLLMError(error, { code: 'GENERATION_FAILED', ...context });
      settled ??= { error: typed };
      close();
      throw typed;
    };

    const pull = (): Promise<IteratorResult<ChatStreamEvent>> => {
      const next = iterator!.next();
      // Racing each step with the abort promise makes abort prompt even when the provider is
      // blocked on I/O; the provider is told through `controller.signal` and cleans up.
      // Without a caller signal there is nothing to race: skip the per-event Promise.race.
      return (callerSignal ? Promise.race([next, aborted]) : next).then(onStep, fail);
    };

    const onStep = (
      step: IteratorResult<ProviderStreamEvent>,
    ): IteratorResult<ChatStreamEvent> | Promise<IteratorResult<ChatStreamEvent>> => {
      try {
        if (step.done) {
          if (callerSignal?.aborted) throw abortedError(callerSignal, context);
          phase = 'final';
          return { done: false, value: finalize() };
        }
        // The provider's own result object goes out as is (its event is not a `finish`).
        const passed = step as IteratorYieldResult<ChatStreamEvent>;
        const event = step.value;
        switch (event.type) {
          case 'text-delta':
            if (event.text.length === 0) return pull();
            firstTokenAt ??= now();
            firstDeltaAt ??= firstTokenAt;
            text += event.text;
            return passed;
          case 'reasoning-delta':
            if (event.text.length === 0) return pull();
            firstTokenAt ??= now();
            firstDeltaAt ??= firstTokenAt;
            reasoning += event.text;
            return passed;
          case 'tool-call':
            firstTokenAt ??= now();
            toolCalls.push(event.toolCall);
            return passed;
          case 'tool-call-error':
            firstTokenAt ??= now();
            invalidToolCalls.push(event.invalidToolCall);
            return passed;
          case 'usage':
            usage = event.usage;
            return passed;
          case 'finish':
            finishReason = event.finishReason;
            if (event.usage) usage = event.usage;
            return pull();
          default:
            return pull();
        }
      } catch (error) {
        return fail(error);
      }
    };

    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next(): Promise<IteratorResult<ChatStreamEvent>> {
        switch (phase) {
          case 'new':
            phase = 'open';
            callerSignal?.addEventListener('abort', onAbort, { once: true });
            try {
              if (callerSignal?.aborted) throw abortedError(callerSignal, context);
              iterator = init
                .source(controller.signal, (reason) => controller.abort(reason))
                [Symbol.asyncIterator]();
            } catch (error) {
              return Promise.resolve().then(() => fail(error));
            }
            return pull();
          case 'open':
            return pull();
          case 'final':
            close();
            return Promise.resolve(ended);
          default:
            return Promise.resolve(ended);
        }
      },
      return(): Promise<IteratorResult<ChatStreamEvent>> {
        close();
        return Promise.resolve(ended);
      },
    };
  }

  return {
    [Symbol.asyncIterator]() {
      if (started)
        throw new TinyLLMError({
          code: 'INVALID_REQUEST',
          message: 'A chat stream can be iterated only once.',
          ...context,
        });
      started = true;
      return run();
    },
    async finalResponse() {
      if (!started) {
        started = true;
        try {
          for await (const _ of run()) {
            // consume
          }
        } catch {
          // reported through `settled` below
        }
      }
      await done;
      if (settled && 'response' in settled) return settled.response;
      throw settled?.error ?? abortedError(undefined, context);
    },
  };
}

function estimateUsage(
  request: ChatRequest,
  text: string,
  reasoning: string,
  toolCalls: ToolCall[],
  counter: TokenCounter,
): Usage {
  const inputTokens = estimatePromptTokens(request.messages, request.tools, counter);
  let outputTokens = counter.countTokens(text) + counter.countTokens(reasoning);
  for (const call of toolCalls)
    outputTokens += counter.countTokens(call.name + JSON.stringify(call.arguments)) + 4;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
}
