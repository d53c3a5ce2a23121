/**
 * Ollama through the official `ollama` client (NDJSON streaming), loaded lazily. The client
 * makes the requests; the chat stream's body is parsed here (see ollama-chat-stream.ts).
 */
import {
  type ChatModel,
  type ChatRequest,
  type Message,
  type ProviderStreamEvent,
  defineChatModel,
  redactKnownSecrets,
} from '@tinyllm/core';
import type { Message as OllamaMessage, Options as OllamaOptions } from 'ollama';
import { RequestTimeouts } from '../shared/request-timeouts';
import type { RemoteProviderSettings } from '../shared/settings';
import { type OllamaServerTimings, readOllamaChatStream } from './ollama-chat-stream';
import {
  createOllamaClientFactory,
  defaultOllamaBaseURL,
  loadOllama,
  ollamaProviderId,
} from './ollama-client';
import { mapOllamaError } from './ollama-errors';
import { type OllamaManagement, createOllamaManagement } from './ollama-management';

export { defaultOllamaBaseURL, loadOllama };
export type { OllamaServerTimings };

const providerId = ollamaProviderId;

/** Settings of {@link createOllama}. */
export interface OllamaSettings extends RemoteProviderSettings {
  /** Server URL (default `http://127.0.0.1:11434`). */
  baseURL?: string;
  /** Bearer token for Ollama behind an authenticating proxy or ollama.com. Falls back to `OLLAMA_API_KEY`. */
  apiKey?: string;
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
  const clients = createOllamaClientFactory(settings);
  const create = (modelId: string, modelOptions: OllamaModelOptions = {}): ChatModel => {
    const context = { provider: providerId, modelId };
    // A plain function returning the reading generator: one async layer per event, not two.
    function doStream(
      request: ChatRequest,
      { signal, abort }: { signal: AbortSignal; abort(reason?: unknown): void },
    ): AsyncIterable<ProviderStreamEvent> {
      const apiKey = clients.apiKey();
      const timeouts = new RequestTimeouts(settings, signal, abort, context);
      let clientStream: { abort(): void } | undefined;
      const open = async (): Promise<ReadableStream<Uint8Array>> => {
        let response: Response | undefined;
        const client = await clients.create(timeouts.signal, {
          modelId,
          ...(apiKey ? { apiKey } : {}),
          onRequest: () => timeouts.requestSent(),
          abort: (reason) => timeouts.abort(reason),
          onResponse: (value) => {
            response = value;
          },
        });
        const body = toOllamaChatRequest(modelId, request, modelOptions);
        // The client sends the request and checks the status. Its own stream is never iterated
        // (it would drop malformed lines): the body is read by readOllamaChatStream instead.
        clientStream = (await client.chat({
          ...(body as { model: string }),
          stream: true,
        })) as unknown as { abort(): void };
        timeouts.responded();
        if (!response?.body) throw new Error('Missing body');
        return response.body;
      };
      return readOllamaChatStream(open, {
        ...context,
        parseTextToolCalls: modelOptions.parseTextToolCalls !== false,
        onServerTimings: modelOptions.onServerTimings,
        timeouts,
        // The exact key we sent is removed from whatever the server echoed (any key shape).
        mapError: (error) =>
          redactKnownSecrets(mapOllamaError(timeouts.wrap(error), context), [apiKey]),
        onEnd: (finished) => {
          timeouts.dispose();
          // Stopping early (abort or consumer break) must close the HTTP request.
          if (!finished) clientStream?.abort();
        },
      });
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
