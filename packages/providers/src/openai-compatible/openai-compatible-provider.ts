/**
 * OpenAI-compatible chat completions (vLLM, llama.cpp server, LM Studio, SGLang, ...), over
 * fetch + eventsource-parser. We do not use the `openai` SDK here: it is large, and these
 * servers differ from OpenAI in small ways (`data:` without a space, usage on any chunk,
 * `top_k`, tool arguments as objects) that a small SSE reader handles directly.
 */
import {
  type ChatModel,
  type ChatRequest,
  type ProviderStreamEvent,
  defineChatModel,
  redactKnownSecrets,
} from '@tinyllm/core';
import { createParser } from 'eventsource-parser';
import { coalesceDeltas } from '../shared/batching';
import {
  errorFromResponse,
  errorFromTransport,
  streamEndedEarlyError,
} from '../shared/http-errors';
import { OpenAIStreamAccumulator, toOpenAIRequestFields } from '../shared/openai-format';
import { RequestTimeouts } from '../shared/request-timeouts';
import {
  type RemoteProviderSettings,
  resolveApiKey,
  withoutTrailingSlash,
} from '../shared/settings';

const providerId = 'openai-compatible';

/** Settings of {@link createOpenAICompatible}. */
export interface OpenAICompatibleSettings extends RemoteProviderSettings {
  /** Base URL including the API version, e.g. `http://localhost:8000/v1`. Required. */
  baseURL: string;
  /** API key (bearer token). Falls back to `OPENAI_API_KEY`; many local servers need none. */
  apiKey?: string;
  /** Name used in errors and `response.provider` (default `openai-compatible`), e.g. `vllm`. */
  name?: string;
  /** Ask the server for token usage in the stream (`stream_options.include_usage`, default true). */
  includeUsage?: boolean;
}

/** Per-model options of an OpenAI-compatible model. */
export interface OpenAICompatibleModelOptions {
  /** Parse `<tool_call>`/`<think>` text in the content (default true). */
  parseTextToolCalls?: boolean;
  /** Context window of the served model, when known (reported in `capabilities`). */
  contextLength?: number;
  /** Whether the model can call tools (default true). */
  tools?: boolean;
  /** Extra body fields sent with every request (e.g. `{ repetition_penalty: 1.1 }`). */
  extraBody?: Record<string, unknown>;
}

/** A configured OpenAI-compatible provider: call it with a model id to get a model. */
export interface OpenAICompatibleProvider {
  (modelId: string, options?: OpenAICompatibleModelOptions): ChatModel;
  /** Same as calling the provider. */
  chatModel(modelId: string, options?: OpenAICompatibleModelOptions): ChatModel;
}

/**
 * Creates an OpenAI-compatible provider.
 *
 * @example
 * ```ts
 * const vllm = createOpenAICompatible({ baseURL: 'http://localhost:8000/v1' });
 * const response = await vllm('Qwen/Qwen3-0.6B').chat({ messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export function createOpenAICompatible(
  settings: OpenAICompatibleSettings,
): OpenAICompatibleProvider {
  const create = (modelId: string, options: OpenAICompatibleModelOptions = {}): ChatModel => {
    const provider = settings.name ?? providerId;
    const context = { provider, modelId };
    const url = `${withoutTrailingSlash(settings.baseURL)}/chat/completions`;

    async function* doStream(
      request: ChatRequest,
      { signal }: { signal: AbortSignal },
    ): AsyncGenerator<ProviderStreamEvent> {
      const apiKey = resolveApiKey(settings.apiKey, 'OPENAI_API_KEY');
      const extra = request.providerOptions?.[providerId] ?? request.providerOptions?.[provider];
      const body: Record<string, unknown> = {
        model: modelId,
        ...toOpenAIRequestFields(request),
        ...options.extraBody,
        ...extra,
        stream: true,
      };
      if (settings.includeUsage !== false) body['stream_options'] = { include_usage: true };
      const fetchImplementation = settings.fetch ?? globalThis.fetch;
      const timeouts = new RequestTimeouts(settings, signal, context);
      try {
        let response: Response;
        try {
          timeouts.requestSent();
          response = await fetchImplementation(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream',
              ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
              ...settings.headers,
            },
            body: JSON.stringify(body),
            signal: timeouts.signal,
          });
        } catch (error) {
          throw errorFromTransport(timeouts.wrap(error), context);
        }
        timeouts.responded();
        if (!response.ok) throw await errorFromResponse(response, context);
        if (!response.body) throw streamEndedEarlyError(context);
        yield* readChatStream(response.body, {
          ...context,
          parseTextToolCalls: options.parseTextToolCalls !== false,
          timeouts,
        });
      } catch (error) {
        // The exact key we sent is removed from whatever the server echoed (any key shape).
        throw redactKnownSecrets(timeouts.wrap(error), [apiKey]);
      } finally {
        timeouts.dispose();
      }
    }

    return defineChatModel({
      provider,
      modelId,
      capabilities: {
        streaming: true,
        tools: options.tools ?? true,
        ...(options.contextLength === undefined ? {} : { contextLength: options.contextLength }),
      },
      doStream,
    });
  };
  const providerFunction = ((modelId: string, options?: OpenAICompatibleModelOptions) =>
    create(modelId, options)) as OpenAICompatibleProvider;
  providerFunction.chatModel = create;
  return providerFunction;
}

/**
 * Reads an SSE chat-completion body into provider events. Stops at `[DONE]`; a body that ends
 * before any finish reason or `[DONE]` was cut short and fails with PROVIDER_UNAVAILABLE.
 */
export async function* readChatStream(
  body: ReadableStream<Uint8Array>,
  options: {
    provider: string;
    modelId: string;
    parseTextToolCalls: boolean;
    /** Told about every read, so the idle timeout sees the stream is alive. */
    timeouts?: { touch(): void; wrap(error: unknown): unknown };
  },
): AsyncGenerator<ProviderStreamEvent> {
  const accumulator = new OpenAIStreamAccumulator(options);
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let queue: ProviderStreamEvent[] = [];
  let done = false;
  let failure: unknown;
  const parser = createParser({
    onEvent(message) {
      if (done || failure !== undefined) return;
      const data = message.data;
      if (data === '[DONE]') {
        done = true;
        return;
      }
      if (data.trim().length === 0) return;
      try {
        for (const event of accumulator.pushData(data)) queue.push(event);
      } catch (error) {
        failure = error;
      }
    },
  });
  try {
    while (!done && failure === undefined) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        throw errorFromTransport(options.timeouts?.wrap(error) ?? error, options);
      }
      options.timeouts?.touch();
      if (step.done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
        break;
      }
      parser.feed(decoder.decode(step.value, { stream: true }));
      if (queue.length > 0) {
        // Frames of one network read arrived together: one event per run of text.
        const batch = coalesceDeltas(queue);
        queue = [];
        yield* batch;
      }
    }
    if (queue.length > 0) yield* coalesceDeltas(queue);
    if (failure !== undefined) throw failure;
    if (!done && !accumulator.finished) throw streamEndedEarlyError(options);
    yield* accumulator.finish();
  } finally {
    // Closing the reader closes the connection when the consumer stops early or aborts.
    reader.cancel().catch(() => {});
  }
}
