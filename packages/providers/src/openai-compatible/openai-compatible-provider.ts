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
import {
  errorFromResponse,
  errorFromTransport,
  streamEndedEarlyError,
} from '../shared/http-errors';
import { readChatStream } from '../shared/openai-chat-stream';
import { toOpenAIRequestFields } from '../shared/openai-format';
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
  /**
   * How the server honours `responseFormat` (reported as `capabilities.structuredOutput`):
   * `enforced` when it constrains decoding to the schema (vLLM, llama.cpp, SGLang), `requested` when it may not
   * (validate the reply). Default `requested`.
   */
  structuredOutput?: 'enforced' | 'requested';
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

    // A plain function returning the reading generator: one async layer per event, not two.
    function doStream(
      request: ChatRequest,
      { signal, abort }: { signal: AbortSignal; abort(reason?: unknown): void },
    ): AsyncIterable<ProviderStreamEvent> {
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
      const timeouts = new RequestTimeouts(settings, signal, abort, context);
      const open = async (): Promise<ReadableStream<Uint8Array>> => {
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
        return response.body;
      };
      return readChatStream(open, {
        ...context,
        parseTextToolCalls: options.parseTextToolCalls !== false,
        timeouts,
        // The exact key we sent is removed from whatever the server echoed (any key shape).
        mapError: (error) => redactKnownSecrets(timeouts.wrap(error), [apiKey]),
        onEnd: () => timeouts.dispose(),
      });
    }

    return defineChatModel({
      provider,
      modelId,
      capabilities: {
        streaming: true,
        tools: options.tools ?? true,
        structuredOutput: options.structuredOutput ?? 'requested',
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
