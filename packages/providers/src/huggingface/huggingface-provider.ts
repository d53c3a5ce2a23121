/**
 * Hugging Face through `@huggingface/inference`'s `InferenceClient`: Inference Providers via
 * the router, or a dedicated endpoint (Inference Endpoints, TGI). The client is loaded lazily.
 *
 * Error handling goes through an injected fetch: it sees every response, so it can read
 * `Retry-After` (which the client's errors drop) and map failures to typed errors before the
 * client's own handling, and the client's unbounded 503 retry loop is switched off so retries
 * are the router's job (core's router honours `retryable` and `retryAfterMs`).
 *
 * The client resolves the provider, builds and sends the request and checks the response, but
 * its stream is not iterated: the injected fetch keeps the event-stream body and hands the
 * client an empty one, and the body is read by the shared SSE reader (as the Ollama adapter
 * reads its NDJSON). Iterating the client's stream cost, per event, its two async generator
 * layers plus two of the adapter's (its loop and the count of buffered events that let it merge
 * them): that made the adapter's CPU per paced stream 1.12-1.2x the bare client's (bench/
 * summary.ts). Reading the body directly leaves one layer. The wire format is OpenAI's (TGI and
 * the router speak it), so error frames, `[DONE]` and malformed frames are handled as for the
 * OpenAI-compatible adapter, by the same reader.
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
  errorFromResponse,
  errorFromTransport,
  streamEndedEarlyError,
} from '../shared/http-errors';
import { lazyDependency } from '../shared/load-dependency';
import { readChatStream } from '../shared/openai-chat-stream';
import { toOpenAIRequestFields } from '../shared/openai-format';
import { RequestTimeouts } from '../shared/request-timeouts';
import {
  type RemoteProviderSettings,
  resolveApiKey,
  withoutTrailingSlash,
} from '../shared/settings';

type InferenceClient = InstanceType<
  Awaited<ReturnType<typeof loadHuggingFaceInference>>['InferenceClient']
>;

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
  /**
   * How the server honours `responseFormat` (reported as `capabilities.structuredOutput`):
   * `enforced` when it constrains decoding to the schema (TGI, and router providers with structured outputs), `requested` when it may not
   * (validate the reply). Default `requested`.
   */
  structuredOutput?: 'enforced' | 'requested';
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
    const extraHeaders =
      settings.headers && Object.keys(settings.headers).length > 0 ? settings.headers : undefined;
    const observingFetch =
      (timeouts: RequestTimeouts): typeof globalThis.fetch =>
      async (input, init) => {
        let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (routerURL && url.startsWith(huggingFaceRouterURL))
          url = routerURL + url.slice(huggingFaceRouterURL.length);
        let response: Response;
        try {
          timeouts.requestSent();
          response = await baseFetch(url, extraHeaders ? withHeaders(init, extraHeaders) : init);
        } catch (error) {
          throw errorFromTransport(timeouts.wrap(error), context);
        }
        timeouts.responded();
        if (!response.ok) throw await errorFromResponse(response, context);
        return response;
      };

    // One client per model: the token and the per-request fetch and signal go with each call
    // (the client merges them over its defaults).
    let client: InferenceClient | undefined;

    // The reader of the body is returned as is: one async layer per event between the socket
    // and core's stream.
    function doStream(
      request: ChatRequest,
      { signal, abort }: { signal: AbortSignal; abort(reason?: unknown): void },
    ): AsyncIterable<ProviderStreamEvent> {
      const token = resolveApiKey(settings.apiKey ?? settings.token, 'HF_TOKEN');
      const timeouts = new RequestTimeouts(settings, signal, abort, context);
      const args: Record<string, unknown> = {
        model: modelId,
        // The client refuses a provider next to an endpoint URL.
        ...(routedProvider && !settings.endpointUrl ? { provider: routedProvider } : {}),
        ...(token === undefined ? {} : { accessToken: token }),
        ...toOpenAIRequestFields(request, { includeTopK: false }),
        ...(settings.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
        ...request.providerOptions?.[providerId],
      };
      const open = async (): Promise<ReadableStream<Uint8Array>> => {
        const { InferenceClient } = await loadHuggingFaceInference();
        client ??= new InferenceClient('', {
          ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
          retry_on_error: false,
          ...(settings.billTo ? { billTo: settings.billTo } : {}),
        });
        const inference = client;
        let body: ReadableStream<Uint8Array> | undefined;
        const sendingFetch = observingFetch(timeouts);
        // The client resolves the provider, builds and sends the request and checks the
        // response; the event-stream body is kept here and the client gets an empty one, so its
        // generator ends at once (see the file comment).
        const keepingBody: typeof globalThis.fetch = async (input, init) => {
          const response = await sendingFetch(input, init);
          const type = response.headers.get('content-type') ?? '';
          if (!response.body || !type.startsWith('text/event-stream')) return response;
          body = response.body;
          return emptyEventStream;
        };
        const stream = inference.chatCompletionStream(
          args as unknown as Parameters<typeof inference.chatCompletionStream>[0],
          { signal: timeouts.signal, fetch: keepingBody },
        );
        for await (const _ of stream) {
          // Nothing: the client's body is empty.
        }
        if (!body) throw streamEndedEarlyError(context);
        return body;
      };
      return readChatStream(open, {
        ...context,
        parseTextToolCalls: modelOptions.parseTextToolCalls !== false,
        timeouts,
        // The exact token we sent is removed from whatever the server echoed (any key shape).
        mapError: (error) =>
          redactKnownSecrets(mapHuggingFaceError(timeouts.wrap(error), context), [token]),
        onEnd: () => timeouts.dispose(),
      });
    }

    return defineChatModel({
      provider: providerId,
      modelId,
      capabilities: {
        streaming: true,
        tools: modelOptions.tools ?? true,
        structuredOutput: modelOptions.structuredOutput ?? 'requested',
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

/**
 * What the client gets instead of an event-stream response: an OK event stream without a body,
 * so its generator ends at once. A null body has nothing to consume, so one serves every
 * request (building a Response per request cost ~12 µs of webidl conversions). The client reads
 * only `ok`, `status`, the content type and `body` of a successful response; failures never
 * reach it (the observing fetch throws them as typed errors first).
 */
const emptyEventStream = new Response(null, {
  status: 200,
  headers: { 'content-type': 'text/event-stream' },
});

/** `init` with `extra` headers set over its own. */
function withHeaders(init: RequestInit | undefined, extra: Record<string, string>): RequestInit {
  const headers = new Headers(init?.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return { ...init, headers };
}

/** Maps what the client threw (our typed errors pass through). */
function mapHuggingFaceError(
  error: unknown,
  context: { provider: string; modelId: string },
): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
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
