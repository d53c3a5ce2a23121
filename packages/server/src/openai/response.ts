/**
 * tinyllm responses and stream events → OpenAI chat completion objects and chunks, field for
 * field as OpenAI sends them (the `openai` client and the AI SDK parse these exact shapes).
 */
import type { ChatResponse, FinishReason, ToolCall, Usage } from '@tinyllm/core';

/** OpenAI's `finish_reason` for a tinyllm finish reason. */
export function toOpenAIFinishReason(
  reason: FinishReason,
): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    default:
      // OpenAI has no value for `error`/`other`: the generation ended on its own terms.
      return 'stop';
  }
}

/** OpenAI's `usage` object. */
export function toOpenAIUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    ...(usage.cachedInputTokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } }),
  };
}

function toOpenAIToolCall(call: ToolCall) {
  return {
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  };
}

/** Identity shared by every object of one completion. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

/** A new completion id, `chatcmpl-` + random characters like OpenAI's. */
export function createCompletionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
}

/** The `chat.completion` object of a finished response. */
export function toChatCompletion(identity: CompletionIdentity, response: ChatResponse) {
  const hasToolCalls = response.toolCalls.length > 0;
  return {
    id: identity.id,
    object: 'chat.completion' as const,
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // OpenAI sends `null` content for a reply of tool calls only.
          content: hasToolCalls && response.text === '' ? null : response.text,
          refusal: null,
          ...(response.reasoning ? { reasoning_content: response.reasoning } : {}),
          ...(hasToolCalls ? { tool_calls: response.toolCalls.map(toOpenAIToolCall) } : {}),
        },
        logprobs: null,
        finish_reason: toOpenAIFinishReason(response.finishReason),
      },
    ],
    usage: toOpenAIUsage(response.usage),
  };
}

type Delta = Record<string, unknown>;

/**
 * Builds the `chat.completion.chunk` objects of one streamed completion. With
 * `include_usage`, every chunk carries `usage: null` and a last chunk with empty `choices`
 * carries the usage, as OpenAI documents for `stream_options.include_usage`.
 */
export class ChunkWriter {
  private toolCallIndex = 0;

  constructor(
    private readonly identity: CompletionIdentity,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(choices: unknown[], usage?: Usage) {
    return {
      id: this.identity.id,
      object: 'chat.completion.chunk' as const,
      created: this.identity.created,
      model: this.identity.model,
      choices,
      ...(this.includeUsage ? { usage: usage === undefined ? null : toOpenAIUsage(usage) } : {}),
    };
  }

  private delta(delta: Delta, finishReason: string | null = null) {
    return this.chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
  }

  /** The first chunk: the assistant role with empty content. */
  start() {
    return this.delta({ role: 'assistant', content: '', refusal: null });
  }

  text(text: string) {
    return this.delta({ content: text });
  }

  reasoning(text: string) {
    return this.delta({ reasoning_content: text });
  }

  /**
   * A tool call, as OpenAI streams one: a chunk opening it (id, name, empty arguments) and a
   * chunk with its arguments, both under the call's `index`.
   */
  toolCall(call: ToolCall) {
    const index = this.toolCallIndex++;
    return [
      this.delta({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
      this.delta({
        tool_calls: [{ index, function: { arguments: JSON.stringify(call.arguments) } }],
      }),
    ];
  }

  /** The chunk with the finish reason, then (with `include_usage`) the usage chunk. */
  finish(reason: FinishReason, usage: Usage) {
    const chunks: unknown[] = [this.delta({}, toOpenAIFinishReason(reason))];
    if (this.includeUsage) chunks.push(this.chunk([], usage));
    return chunks;
  }
}
