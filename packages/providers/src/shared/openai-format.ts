/**
 * The OpenAI chat-completions wire format, shared by the OpenAI-compatible adapter and the
 * Hugging Face adapter (the HF router, TGI and Inference Endpoints all speak it): request
 * conversion, a zod schema for stream chunks, and the chunk → event accumulator.
 */
import {
  type ChatRequest,
  type FinishReason,
  HermesToolCallParser,
  type Message,
  type ProviderStreamEvent,
  TinyLLMError,
  type ToolChoice,
  type Usage,
  createToolCallId,
  normalizeToolCallPayload,
} from '@tinyllm/core';
import { z } from 'zod';
import { type ErrorContext, isContextOverflowMessage, parseErrorBody } from './http-errors';

/** An OpenAI-format chat message as sent on the wire. */
export type OpenAIMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string; name?: string };

/** Converts tinyllm messages to the OpenAI format. */
export function toOpenAIMessages(
  messages: readonly Message[],
  options: { toolMessageName?: boolean } = {},
): OpenAIMessage[] {
  return messages.map((message): OpenAIMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        if (message.toolCalls && message.toolCalls.length > 0) {
          return {
            role: 'assistant',
            // Several servers reject an empty string next to tool calls but accept null.
            content: message.content.length > 0 ? message.content : null,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            })),
          };
        }
        return { role: 'assistant', content: message.content };
      default: // 'tool' (the union is exhaustive)
        return {
          role: 'tool',
          tool_call_id: message.toolCallId,
          content: message.content,
          ...(options.toolMessageName ? { name: message.toolName } : {}),
        };
    }
  });
}

/** Converts a tool choice to the OpenAI format. */
export function toOpenAIToolChoice(
  choice: ToolChoice | undefined,
): 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } } | undefined {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

/**
 * `responseFormat` → OpenAI's `response_format` (which vLLM, llama.cpp, SGLang and the Hugging
 * Face router accept as well): `json_schema` with a name when a schema is given, `json_object`
 * without one. `name` must match `^[a-zA-Z0-9_-]{1,64}$`, so other names are cleaned.
 */
export function toOpenAIResponseFormat(
  format: ChatRequest['responseFormat'],
): Record<string, unknown> | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.schema === undefined) return { type: 'json_object' };
  const name =
    (format.name ?? 'response').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'response';
  return {
    type: 'json_schema',
    json_schema: {
      name,
      ...(format.description === undefined ? {} : { description: format.description }),
      schema: format.schema,
      ...(format.strict === undefined ? {} : { strict: format.strict }),
    },
  };
}

/** The request body fields shared by every OpenAI-format server (without `model`/`stream`). */
export function toOpenAIRequestFields(
  request: ChatRequest,
  options: { toolMessageName?: boolean; includeTopK?: boolean } = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    messages: toOpenAIMessages(request.messages, options),
  };
  if (request.tools && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
    const choice = toOpenAIToolChoice(request.toolChoice);
    if (choice !== undefined) body['tool_choice'] = choice;
  }
  if (request.maxOutputTokens !== undefined) body['max_tokens'] = request.maxOutputTokens;
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.topP !== undefined) body['top_p'] = request.topP;
  // top_k is not OpenAI but vLLM, llama.cpp, SGLang and LM Studio accept it.
  if (request.topK !== undefined && options.includeTopK !== false) body['top_k'] = request.topK;
  if (request.stop !== undefined) body['stop'] = request.stop;
  if (request.seed !== undefined) body['seed'] = request.seed;
  const responseFormat = toOpenAIResponseFormat(request.responseFormat);
  if (responseFormat !== undefined) body['response_format'] = responseFormat;
  return body;
}

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

const toolCallDeltaSchema = z.object({
  index: nullish(z.number().int()),
  id: nullish(z.string()),
  type: nullish(z.string()),
  function: nullish(
    z.object({
      name: nullish(z.string()),
      // A JSON string streamed in pieces (OpenAI, vLLM) or a whole object (TGI).
      arguments: nullish(z.union([z.string(), z.record(z.string(), z.unknown())])),
    }),
  ),
});

/** One streamed chat-completion chunk (lenient: servers differ in which fields they send). */
export const openAIChunkSchema = z.object({
  choices: nullish(
    z.array(
      z.object({
        index: nullish(z.number()),
        delta: nullish(
          z.object({
            content: nullish(z.string()),
            // vLLM/SGLang reasoning parsers use `reasoning_content`; some servers `reasoning`.
            reasoning_content: nullish(z.string()),
            reasoning: nullish(z.string()),
            tool_calls: nullish(z.array(toolCallDeltaSchema)),
          }),
        ),
        finish_reason: nullish(z.string()),
      }),
    ),
  ),
  usage: nullish(
    z.object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      total_tokens: nullish(z.number().int().nonnegative()),
      prompt_tokens_details: nullish(
        z.object({ cached_tokens: nullish(z.number().int().nonnegative()) }),
      ),
    }),
  ),
});
export type OpenAIChunk = z.infer<typeof openAIChunkSchema>;

/** Maps an OpenAI/TGI finish reason to tinyllm's. */
export function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'eos_token':
    case 'stop_sequence':
    case 'end_turn':
      return 'stop';
    case 'length':
    case 'max_tokens':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

const isNullish = (value: unknown): boolean => value === null || value === undefined;

/**
 * The hot path: most chunks carry only a piece of text. This guard accepts exactly those (one
 * choice 0, no finish reason, no usage, a delta whose only non-null fields are `role` and a
 * string `content`) and returns the text; anything else goes through the zod schema. Zod on
 * every token cost about as much as the rest of the adapter together (see bench/).
 */
export function plainTextDelta(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const chunk = value as { choices?: unknown; usage?: unknown; error?: unknown };
  if (!isNullish(chunk.usage) || chunk.error !== undefined) return undefined;
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0] as { index?: unknown; delta?: unknown; finish_reason?: unknown } | null;
  if (typeof choice !== 'object' || choice === null) return undefined;
  if (!isNullish(choice.finish_reason) || !(isNullish(choice.index) || choice.index === 0))
    return undefined;
  const delta = choice.delta as Record<string, unknown> | null | undefined;
  if (typeof delta !== 'object' || delta === null) return undefined;
  let text: string | undefined;
  for (const key in delta) {
    const field = delta[key];
    if (key === 'content') {
      if (typeof field === 'string') text = field;
      else if (!isNullish(field)) return undefined;
    } else if (key === 'role') {
      if (!isNullish(field) && typeof field !== 'string') return undefined;
    } else if (!isNullish(field)) return undefined;
  }
  return text ?? '';
}

interface PendingToolCall {
  id: string | undefined;
  name: string;
  argumentText: string;
  argumentObject: Record<string, unknown> | undefined;
}

/** Options of {@link OpenAIStreamAccumulator}. */
export interface OpenAIStreamAccumulatorOptions extends ErrorContext {
  /** Parse `<tool_call>`/`<think>` text in `content` (fine-tunes served without a tool parser). */
  parseTextToolCalls: boolean;
}

/**
 * Turns chat-completion chunks into provider events. Tool-call deltas are accumulated by
 * `index` and emitted complete when the choice finishes, since arguments stream as partial JSON.
 */
export class OpenAIStreamAccumulator {
  private readonly options: OpenAIStreamAccumulatorOptions;
  private readonly textParser: HermesToolCallParser | undefined;
  private readonly pending = new Map<number, PendingToolCall>();
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private sawToolCall = false;

  constructor(options: OpenAIStreamAccumulatorOptions) {
    this.options = options;
    this.textParser = options.parseTextToolCalls ? new HermesToolCallParser() : undefined;
  }

  /** Whether a finish reason was received (a stream without one was cut short). */
  get finished(): boolean {
    return this.finishReason !== undefined;
  }

  /** Validates a decoded JSON frame and returns its events. Error frames throw typed errors. */
  pushJson(value: unknown): ProviderStreamEvent[] {
    const text = plainTextDelta(value);
    if (text !== undefined) return this.pushText(text);
    if (typeof value === 'object' && value !== null && 'error' in value) {
      const body = parseErrorBody(value);
      throw new TinyLLMError({
        code: isContextOverflowMessage(body.message)
          ? 'CONTEXT_LENGTH_EXCEEDED'
          : 'GENERATION_FAILED',
        message: `${this.options.provider} reported an error mid-stream: ${body.message ?? JSON.stringify(value)}`,
        provider: this.options.provider,
        ...(this.options.modelId ? { modelId: this.options.modelId } : {}),
      });
    }
    const parsed = openAIChunkSchema.safeParse(value);
    if (!parsed.success) throw this.malformed(JSON.stringify(value).slice(0, 200));
    return this.push(parsed.data);
  }

  /** Decodes one SSE `data` payload and returns its events. */
  pushData(data: string): ProviderStreamEvent[] {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (error) {
      throw this.malformed(data.slice(0, 200), error);
    }
    return this.pushJson(value);
  }

  /** Returns the events of one chunk. */
  push(chunk: OpenAIChunk): ProviderStreamEvent[] {
    const events: ProviderStreamEvent[] = [];
    if (chunk.usage) {
      const { prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details } = chunk.usage;
      const cached = prompt_tokens_details?.cached_tokens;
      this.usage = {
        inputTokens: prompt_tokens,
        outputTokens: completion_tokens,
        totalTokens: total_tokens ?? prompt_tokens + completion_tokens,
        ...(typeof cached === 'number' ? { cachedInputTokens: cached } : {}),
        estimated: false,
      };
    }
    // We ask for one choice (n = 1); other indexes would be other completions.
    const choice = chunk.choices?.find((entry) => (entry.index ?? 0) === 0);
    if (!choice) return events;
    const delta = choice.delta;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) events.push({ type: 'reasoning-delta', text: reasoning });
      if (delta.content) events.push(...this.pushText(delta.content));
      if (delta.tool_calls) {
        delta.tool_calls.forEach((toolDelta, position) => {
          const index = toolDelta.index ?? position;
          let entry = this.pending.get(index);
          if (!entry) {
            entry = { id: undefined, name: '', argumentText: '', argumentObject: undefined };
            this.pending.set(index, entry);
          }
          if (toolDelta.id) entry.id = toolDelta.id;
          const fn = toolDelta.function;
          if (fn?.name) entry.name += fn.name;
          if (typeof fn?.arguments === 'string') entry.argumentText += fn.arguments;
          else if (fn?.arguments) entry.argumentObject = fn.arguments;
        });
      }
    }
    if (choice.finish_reason) {
      this.finishReason = mapFinishReason(choice.finish_reason);
      events.push(...this.flushToolCalls());
    }
    if (!this.sawToolCall) this.sawToolCall = events.some((event) => event.type === 'tool-call');
    return events;
  }

  /** Flushes what is pending and returns the final events, ending with `finish`. */
  finish(): ProviderStreamEvent[] {
    const events = this.flushToolCalls();
    let reason = this.finishReason ?? 'stop';
    // Servers without a tool parser say `stop` for a reply we parsed tool calls out of.
    if (this.sawToolCall && reason === 'stop') reason = 'tool-calls';
    events.push({
      type: 'finish',
      finishReason: reason,
      ...(this.usage ? { usage: this.usage } : {}),
    });
    return events;
  }

  private pushText(text: string): ProviderStreamEvent[] {
    if (text.length === 0) return [];
    if (!this.textParser) return [{ type: 'text-delta', text }];
    const events = this.textParser.push(text);
    if (!this.sawToolCall) this.sawToolCall = events.some((event) => event.type === 'tool-call');
    return events;
  }

  private flushToolCalls(): ProviderStreamEvent[] {
    const events: ProviderStreamEvent[] = [];
    if (this.textParser) events.push(...this.textParser.flush());
    const indexes = [...this.pending.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const entry = this.pending.get(index)!;
      const raw =
        entry.argumentObject ?? (entry.argumentText.trim() === '' ? {} : entry.argumentText);
      const normalized = normalizeToolCallPayload({ name: entry.name, arguments: raw });
      if ('error' in normalized) {
        events.push({
          type: 'tool-call-error',
          invalidToolCall: {
            raw: typeof raw === 'string' ? raw : JSON.stringify(raw),
            message: normalized.error,
            ...(entry.name ? { name: entry.name } : {}),
          },
        });
      } else {
        events.push({
          type: 'tool-call',
          toolCall: {
            // Some servers (TGI, llama.cpp without ids) send no or empty ids.
            id: entry.id && entry.id.length > 0 ? entry.id : createToolCallId(),
            name: normalized.name,
            arguments: normalized.arguments,
          },
        });
      }
    }
    this.pending.clear();
    if (!this.sawToolCall) this.sawToolCall = events.some((event) => event.type === 'tool-call');
    return events;
  }

  private malformed(frame: string, cause?: unknown): TinyLLMError {
    return new TinyLLMError({
      code: 'GENERATION_FAILED',
      message: `${this.options.provider} sent a malformed stream frame: ${frame}`,
      provider: this.options.provider,
      ...(this.options.modelId ? { modelId: this.options.modelId } : {}),
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
