/**
 * Hugging Face through `@huggingface/inference`'s `InferenceClient`: Inference Providers via
 * the router, or a dedicated endpoint (Inference Endpoints, TGI). The client is loaded lazily.
 *
 * Error handling goes through an injected fetch: it sees every response, so it can read
 * `Retry-After` (which the client's errors drop) and map failures to typed errors before the
 * client's own handling, and the client's unbounded 503 retry loop is switched off so retries
 * are the router's job (core's router honours `retryable` and `retryAfterMs`).
 */
import {
  type ChatModel,
  type ChatRequest,
  type ProviderStreamEvent,
  TinyLLMError,
  defineChatModel,
  redactKnownSecrets,
} from '@tinyllm/core';
import {
  type BufferedItemCounter,
  bufferedBatches,
  coalesceDeltas,
  countSseEvents,
  countingFetch,
} from '../shared/batching';
import {
  errorFromResponse,
  errorFromTransport,
  streamEndedEarlyError,
} from '../shared/http-errors';
import { lazyDependency } from '../shared/load-dependency';
import { OpenAIStreamAccumulator, toOpenAIRequestFields } from '../shared/openai-format';
import { RequestTimeouts } from '../shared/request-timeouts';
import {
  type RemoteProviderSettings,
  resolveApiKey,
  withoutTrailingSlash,
} from '../shared/settings';

const providerId = 'huggingface';

/** The Inference Providers router the client calls when no endpoint URL is given. */
export const huggingFaceRouterURL = 'https://router.huggingface.co';

/** Loads `@huggingface/inference` on first use (optional peer dependency). */
export const loadHuggingFaceInference = lazyDependency(
  '@huggingface/inference',
  providerId,
  () => import('@huggingface/inference'),
);

/** Settings of {@link createHuggingFace}. */
export interface HuggingFaceSettings extends RemoteProviderSettings {
  /** Hugging Face token (or a provider key). Falls back to `HF_TOKEN`. Alias: `token`. */
  apiKey?: string;
  /** Same as `apiKey` (the name huggingface.js uses). */
  token?: string;
  /**
   * Inference Provider to route to (`auto` by default: the router picks, following your
   * preferences at hf.co/settings/inference-providers), e.g. `together`, `hf-inference`.
   */
  provider?: string;
  /** A dedicated endpoint (Inference Endpoints, a TGI server). When set, the router is not used. */
  endpointUrl?: string;
  /** Replaces `https://router.huggingface.co` (a proxy in front of the router). */
  baseURL?: string;
  /** Organization to bill (sent as `X-HF-Bill-To`). */
  billTo?: string;
  /** Ask for usage in the stream (`stream_options.include_usage`, default true). */
  includeUsage?: boolean;
}

/** Per-model options of a Hugging Face model. */
export interface HuggingFaceModelOptions {
  /** Overrides the provider of the settings for this model. */
  provider?: string;
  /** Parse `<tool_call>`/`<think>` text in the content (fine-tunes without a tool parser; default true). */
  parseTextToolCalls?: boolean;
  /** Context window, when known (reported in `capabilities`). */
  contextLength?: number;
  /** Whether the model can call tools (default true). */
  tools?: boolean;
}

/** A configured Hugging Face provider: call it with a Hub model id to get a model. */
export interface HuggingFaceProvider {
  (modelId: string, options?: HuggingFaceModelOptions): ChatModel;
  /** Same as calling the provider. */
  chatModel(modelId: string, options?: HuggingFaceModelOptions): ChatModel;
}

/**
 * Creates a Hugging Face provider.
 *
 * @example
 * ```ts
 * const hf = createHuggingFace(); // token from HF_TOKEN
 * const model = hf('Qwen/Qwen3-0.6B', { provider: 'featherless-ai' });
 * const tgi = createHuggingFace({ endpointUrl: 'http://localhost:8080' })('tgi');
 * ```
 */
export function createHuggingFace(settings: HuggingFaceSettings = {}): HuggingFaceProvider {
  const create = (modelId: string, modelOptions: HuggingFaceModelOptions = {}): ChatModel => {
    const context = { provider: providerId, modelId };
    const routedProvider = modelOptions.provider ?? settings.provider;

    // Sees every response: failures become typed errors here, with Retry-After.
    const baseFetch = settings.fetch ?? globalThis.fetch;
    const routerURL = settings.baseURL ? withoutTrailingSlash(settings.baseURL) : undefined;
    const observingFetch =
      (timeouts: RequestTimeouts): typeof globalThis.fetch =>
      async (input, init) => {
        let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (routerURL && url.startsWith(huggingFaceRouterURL))
          url = routerURL + url.slice(huggingFaceRouterURL.length);
        const headers = new Headers(init?.headers);
        for (const [name, value] of Object.entries(settings.headers ?? {}))
          headers.set(name, value);
        let response: Response;
        try {
          timeouts.requestSent();
          response = await baseFetch(url, { ...init, headers });
        } catch (error) {
          throw errorFromTransport(timeouts.wrap(error), context);
        }
        timeouts.responded();
        if (!response.ok) throw await errorFromResponse(response, context);
        return response;
      };

    async function* doStream(
      request: ChatRequest,
      { signal }: { signal: AbortSignal },
    ): AsyncGenerator<ProviderStreamEvent> {
      const token = resolveApiKey(settings.apiKey ?? settings.token, 'HF_TOKEN');
      const timeouts = new RequestTimeouts(settings, signal, context);
      try {
        yield* streamChat(request, token, timeouts);
      } catch (error) {
        // The exact token we sent is removed from whatever the server echoed (any key shape).
        throw redactKnownSecrets(timeouts.wrap(error), [token]);
      } finally {
        timeouts.dispose();
      }
    }

    async function* streamChat(
      request: ChatRequest,
      token: string | undefined,
      timeouts: RequestTimeouts,
    ): AsyncGenerator<ProviderStreamEvent> {
      const { InferenceClient } = await loadHuggingFaceInference();
      const counter: BufferedItemCounter = { available: 0 };
      const client = new InferenceClient(token ?? '', {
        ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
        fetch: countingFetch(observingFetch(timeouts), countSseEvents, counter, () =>
          timeouts.touch(),
        ),
        retry_on_error: false,
        ...(settings.billTo ? { billTo: settings.billTo } : {}),
      });
      const args: Record<string, unknown> = {
        model: modelId,
        // The client refuses a provider next to an endpoint URL.
        ...(routedProvider && !settings.endpointUrl ? { provider: routedProvider } : {}),
        ...toOpenAIRequestFields(request, { includeTopK: false }),
        ...(settings.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
        ...request.providerOptions?.[providerId],
      };
      const accumulator = new OpenAIStreamAccumulator({
        ...context,
        parseTextToolCalls: modelOptions.parseTextToolCalls !== false,
      });
      try {
        const stream = client.chatCompletionStream(
          args as unknown as Parameters<typeof client.chatCompletionStream>[0],
          { signal: timeouts.signal },
        );
        // Chunks the client already holds are handled together (see shared/batching).
        for await (const chunks of bufferedBatches(stream[Symbol.asyncIterator](), counter)) {
          const events: ProviderStreamEvent[] = [];
          let failure: { error: unknown } | undefined;
          for (const chunk of chunks) {
            try {
              events.push(...accumulator.pushJson(chunk));
            } catch (error) {
              failure = { error };
              break;
            }
          }
          // What arrived before a bad frame is still delivered, then the error.
          yield* coalesceDeltas(events);
          if (failure) throw failure.error;
        }
      } catch (error) {
        throw mapHuggingFaceError(timeouts.wrap(error), context);
      }
      // The client swallows `[DONE]`: a stream without a finish reason was cut short.
      if (!accumulator.finished) throw streamEndedEarlyError(context);
      yield* accumulator.finish();
    }

    return defineChatModel({
      provider: providerId,
      modelId,
      capabilities: {
        streaming: true,
        tools: modelOptions.tools ?? true,
        ...(modelOptions.contextLength === undefined
          ? {}
          : { contextLength: modelOptions.contextLength }),
      },
      doStream,
    });
  };
  const providerFunction = ((modelId: string, options?: HuggingFaceModelOptions) =>
    create(modelId, options)) as HuggingFaceProvider;
  providerFunction.chatModel = create;
  return providerFunction;
}

/** Maps what the client threw (our typed errors pass through). */
function mapHuggingFaceError(
  error: unknown,
  context: { provider: string; modelId: string },
): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SyntaxError) {
    return new TinyLLMError({
      ...context,
      code: 'GENERATION_FAILED',
      message: `huggingface sent a malformed stream frame: ${message}`,
      cause: error,
    });
  }
  // The client's input and routing errors (named `InputError`, `RoutingError`): bad settings.
  if (typeof name === 'string' && /(Routing|Input)Error$/.test(name)) {
    const needsToken = /auto-router|Hugging Face API key|HF token/i.test(message);
    return new TinyLLMError({
      ...context,
      code: needsToken ? 'AUTH_FAILED' : 'INVALID_CONFIG',
      retryable: false,
      message: needsToken
        ? `The Hugging Face router needs a Hugging Face token (hf_...): set apiKey or HF_TOKEN. (${message})`
        : `Invalid Hugging Face settings: ${message}`,
      cause: error,
    });
  }
  return errorFromTransport(error, context);
}
