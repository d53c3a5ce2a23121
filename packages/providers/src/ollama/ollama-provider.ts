/**
 * Ollama through the official `ollama` client (NDJSON streaming), loaded lazily.
 */
import {
  type ChatModel,
  type ChatRequest,
  HermesToolCallParser,
  type Message,
  type ProviderStreamEvent,
  type Usage,
  createToolCallId,
  defineChatModel,
  normalizeToolCallPayload,
} from '@tinyllm/core';
import type { Message as OllamaMessage, Ollama, Options as OllamaOptions } from 'ollama';
import {
  type BufferedItemCounter,
  bufferedBatches,
  coalesceDeltas,
  countLines,
  countingFetch,
} from '../shared/batching';
import { lazyDependency } from '../shared/load-dependency';
import {
  type RemoteProviderSettings,
  fetchWithSignal,
  resolveApiKey,
  withoutTrailingSlash,
} from '../shared/settings';
import { mapOllamaError } from './ollama-errors';
import { type OllamaManagement, createOllamaManagement } from './ollama-management';
import { type OllamaChatChunk, ollamaChatChunkSchema } from './ollama-schemas';

const providerId = 'ollama';

/** Default Ollama server address. */
export const defaultOllamaBaseURL = 'http://127.0.0.1:11434';

/** Loads the `ollama` package on first use (optional peer dependency). */
export const loadOllama = lazyDependency('ollama', providerId, () => import('ollama'));

/** Settings of {@link createOllama}. */
export interface OllamaSettings extends RemoteProviderSettings {
  /** Server URL (default `http://127.0.0.1:11434`). */
  baseURL?: string;
  /** Bearer token for Ollama behind an authenticating proxy or ollama.com. Falls back to `OLLAMA_API_KEY`. */
  apiKey?: string;
}

/** Server-side durations Ollama reports at the end of a response, in milliseconds. */
export interface OllamaServerTimings {
  totalMs: number | undefined;
  loadMs: number | undefined;
  promptEvalMs: number | undefined;
  evalMs: number | undefined;
  promptTokens: number | undefined;
  outputTokens: number | undefined;
}

/** Per-model options of an Ollama model. */
export interface OllamaModelOptions {
  /** Enable thinking (`true`, or a level for models that support it). */
  think?: boolean | 'high' | 'medium' | 'low';
  /** How long the model stays loaded after the request (`'5m'`, seconds, `-1` forever, `0` unload). */
  keepAlive?: string | number;
  /** Raw Ollama options (`num_ctx`, `repeat_penalty`, ...); request fields take precedence. */
  options?: Partial<OllamaOptions>;
  /** Parse `<tool_call>`/`<think>` text in the content, for templates without tool support (default true). */
  parseTextToolCalls?: boolean;
  /** Whether the model can call tools (default true). */
  tools?: boolean;
  /** Receives Ollama's own timings (converted from nanoseconds) when a response ends. */
  onServerTimings?: (timings: OllamaServerTimings) => void;
}

/** A configured Ollama provider: call it with a model tag to get a model; also manages models. */
export interface OllamaProvider extends OllamaManagement {
  (modelId: string, options?: OllamaModelOptions): ChatModel;
  /** Same as calling the provider. */
  chatModel(modelId: string, options?: OllamaModelOptions): ChatModel;
}

/** The resolved client settings, shared by chat and model management. */
export interface OllamaClientFactory {
  /**
   * A client whose requests all stop when `signal` fires; `onResponse` sees every response,
   * `counter` counts the NDJSON lines of response bodies as the client reads them.
   */
  create(
    signal: AbortSignal,
    onResponse?: (response: Response) => void,
    counter?: BufferedItemCounter,
  ): Promise<Ollama>;
}

/**
 * The hot path: most lines carry only a piece of text. This guard accepts exactly those
 * (`done: false`, a message whose only non-empty field besides `role` is a string `content`)
 * and returns the text; anything else goes through the zod schema, which on every token cost
 * about as much as the rest of the adapter together (see bench/).
 */
export function plainContentChunk(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const chunk = value as { done?: unknown; message?: unknown };
  if (chunk.done !== false) return undefined;
  const message = chunk.message as Record<string, unknown> | null | undefined;
  if (typeof message !== 'object' || message === null) return undefined;
  let text: string | undefined;
  for (const key in message) {
    const field = message[key];
    if (key === 'content') {
      if (typeof field !== 'string') return undefined;
      text = field;
    } else if (key === 'role' || key === 'images') {
      // not read
    } else if (field !== null && field !== undefined && field !== '') return undefined;
  }
  return text;
}

const nanosecondsToMs = (value: number | null | undefined): number | undefined =>
  value === null || value === undefined ? undefined : value / 1e6;

/** Converts Ollama's nanosecond durations to milliseconds. */
export function toServerTimings(chunk: OllamaChatChunk): OllamaServerTimings {
  return {
    totalMs: nanosecondsToMs(chunk.total_duration),
    loadMs: nanosecondsToMs(chunk.load_duration),
    promptEvalMs: nanosecondsToMs(chunk.prompt_eval_duration),
    evalMs: nanosecondsToMs(chunk.eval_duration),
    promptTokens: chunk.prompt_eval_count ?? undefined,
    outputTokens: chunk.eval_count ?? undefined,
  };
}

/** Converts tinyllm messages to Ollama's. */
export function toOllamaMessages(messages: readonly Message[]): OllamaMessage[] {
  return messages.map((message): OllamaMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        return {
          role: 'assistant',
          content: message.content,
          ...(message.toolCalls && message.toolCalls.length > 0
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        };
      default: // 'tool' (the union is exhaustive)
        return { role: 'tool', content: message.content, tool_name: message.toolName };
    }
  });
}

/** Builds the `/api/chat` request body (without `stream`). */
export function toOllamaChatRequest(
  modelId: string,
  request: ChatRequest,
  modelOptions: OllamaModelOptions,
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...modelOptions.options };
  if (request.maxOutputTokens !== undefined) options['num_predict'] = request.maxOutputTokens;
  if (request.temperature !== undefined) options['temperature'] = request.temperature;
  if (request.topP !== undefined) options['top_p'] = request.topP;
  if (request.topK !== undefined) options['top_k'] = request.topK;
  if (request.stop !== undefined) options['stop'] = request.stop;
  if (request.seed !== undefined) options['seed'] = request.seed;
  const body: Record<string, unknown> = {
    model: modelId,
    messages: toOllamaMessages(request.messages),
  };
  // Ollama has no tool_choice: 'none' is honoured by not sending the tools.
  if (request.tools && request.tools.length > 0 && request.toolChoice !== 'none') {
    body['tools'] = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
  }
  // Ollama constrains decoding to `format`: a JSON Schema, or "json" for any JSON.
  if (request.responseFormat?.type === 'json')
    body['format'] = request.responseFormat.schema ?? 'json';
  if (Object.keys(options).length > 0) body['options'] = options;
  if (modelOptions.think !== undefined) body['think'] = modelOptions.think;
  if (modelOptions.keepAlive !== undefined) body['keep_alive'] = modelOptions.keepAlive;
  return { ...body, ...request.providerOptions?.[providerId] };
}

/**
 * Creates an Ollama provider.
 *
 * @example
 * ```ts
 * const ollama = createOllama();
 * const model = ollama('qwen3:0.6b', { think: false, keepAlive: '10m' });
 * const { text } = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export function createOllama(settings: OllamaSettings = {}): OllamaProvider {
  const host = withoutTrailingSlash(settings.baseURL ?? defaultOllamaBaseURL);
  const clients: OllamaClientFactory = {
    async create(signal, onResponse, counter) {
      const { Ollama } = await loadOllama();
      const baseFetch = settings.fetch ?? globalThis.fetch;
      const observed: typeof globalThis.fetch = async (input, init) => {
        const response = await baseFetch(input, init);
        onResponse?.(response);
        return response;
      };
      const apiKey = resolveApiKey(settings.apiKey, 'OLLAMA_API_KEY');
      return new Ollama({
        host,
        headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...settings.headers },
        // The client takes no signal for non-streaming calls: the injected fetch adds ours.
        fetch: fetchWithSignal(
          counter ? countingFetch(observed, countLines, counter) : observed,
          signal,
        ),
      });
    },
  };

  const create = (modelId: string, modelOptions: OllamaModelOptions = {}): ChatModel => {
    const context = { provider: providerId, modelId };
    async function* doStream(
      request: ChatRequest,
      { signal }: { signal: AbortSignal },
    ): AsyncGenerator<ProviderStreamEvent> {
      let failedResponseHeaders: Headers | undefined;
      const counter: BufferedItemCounter = { available: 0 };
      const client = await clients.create(
        signal,
        (response) => {
          if (!response.ok) failedResponseHeaders = response.headers;
        },
        counter,
      );
      const body = toOllamaChatRequest(modelId, request, modelOptions);
      let iterator: AsyncIterable<unknown> & { abort(): void };
      try {
        iterator = (await client.chat({
          ...(body as { model: string }),
          stream: true,
        })) as unknown as AsyncIterable<unknown> & { abort(): void };
      } catch (error) {
        throw mapOllamaError(error, { ...context, headers: failedResponseHeaders });
      }
      const textParser =
        modelOptions.parseTextToolCalls === false ? undefined : new HermesToolCallParser();
      let sawToolCall = false;
      let finished = false;
      const textEvents = (text: string): ProviderStreamEvent[] => {
        if (!textParser) return [{ type: 'text-delta', text }];
        const events = textParser.push(text);
        if (!sawToolCall) sawToolCall = events.some((event) => event.type === 'tool-call');
        return events;
      };
      const handle = (raw: unknown, events: ProviderStreamEvent[]): void => {
        const text = plainContentChunk(raw);
        if (text !== undefined) {
          if (text.length > 0) events.push(...textEvents(text));
          return;
        }
        const parsed = ollamaChatChunkSchema.safeParse(raw);
        if (!parsed.success) return; // the client already skips lines that are not JSON
        const chunk = parsed.data;
        const message = chunk.message;
        if (message?.thinking) events.push({ type: 'reasoning-delta', text: message.thinking });
        if (message?.content) events.push(...textEvents(message.content));
        for (const call of message?.tool_calls ?? []) {
          // Ollama sends each tool call complete in one chunk, usually without an id.
          const normalized = normalizeToolCallPayload({
            name: call.function.name,
            arguments: call.function.arguments ?? {},
          });
          if ('error' in normalized) {
            events.push({
              type: 'tool-call-error',
              invalidToolCall: {
                raw: JSON.stringify(call.function),
                message: normalized.error,
                name: call.function.name,
              },
            });
          } else {
            sawToolCall = true;
            events.push({
              type: 'tool-call',
              toolCall: { id: call.id || createToolCallId(), ...normalized },
            });
          }
        }
        if (chunk.done) {
          if (textParser) {
            for (const event of textParser.flush()) {
              if (event.type === 'tool-call') sawToolCall = true;
              events.push(event);
            }
          }
          modelOptions.onServerTimings?.(toServerTimings(chunk));
          const usage: Usage | undefined =
            chunk.eval_count === null || chunk.eval_count === undefined
              ? undefined
              : {
                  inputTokens: chunk.prompt_eval_count ?? 0,
                  outputTokens: chunk.eval_count,
                  totalTokens: (chunk.prompt_eval_count ?? 0) + chunk.eval_count,
                  estimated: false,
                };
          const reason = chunk.done_reason ?? 'stop';
          finished = true;
          events.push({
            type: 'finish',
            finishReason:
              reason === 'length'
                ? 'length'
                : reason === 'stop'
                  ? sawToolCall
                    ? 'tool-calls'
                    : 'stop'
                  : 'other',
            ...(usage ? { usage } : {}),
          });
        }
      };
      try {
        // Lines the client already holds are handled together (see shared/batching).
        for await (const batch of bufferedBatches(iterator[Symbol.asyncIterator](), counter)) {
          const events: ProviderStreamEvent[] = [];
          for (const raw of batch) {
            handle(raw, events);
            if (finished) break;
          }
          yield* coalesceDeltas(events);
          if (finished) return;
        }
      } catch (error) {
        throw mapOllamaError(error, { ...context, headers: failedResponseHeaders });
      } finally {
        // Stopping early (abort or consumer break) must close the HTTP request.
        if (!finished) iterator.abort();
      }
    }
    return defineChatModel({
      provider: providerId,
      modelId,
      capabilities: {
        streaming: true,
        tools: modelOptions.tools ?? true,
        // Ollama compiles `format` to a grammar (llama.cpp) that decoding follows.
        structuredOutput: 'enforced',
        ...(modelOptions.think ? { reasoning: true } : {}),
        ...(typeof modelOptions.options?.num_ctx === 'number'
          ? { contextLength: modelOptions.options.num_ctx }
          : {}),
      },
      doStream,
    });
  };

  const management = createOllamaManagement(clients);
  const providerFunction = ((modelId: string, options?: OllamaModelOptions) =>
    create(modelId, options)) as OllamaProvider;
  providerFunction.chatModel = create;
  providerFunction.listModels = management.listModels;
  providerFunction.showModel = management.showModel;
  providerFunction.pullModel = management.pullModel;
  providerFunction.deleteModel = management.deleteModel;
  return providerFunction;
}
