/**
 * Messages, tools and requests: the types every provider speaks (inferred from the zod schemas
 * in `./schemas`, which this file does not load at run time) and small helpers.
 */
import type { AssistantMessage, ChatResponse, Usage } from './schemas/messages';

export type {
  AssistantMessage,
  ChatRequest,
  ChatResponse,
  FinishReason,
  InvalidToolCall,
  JsonSchema,
  Message,
  ResponseFormat,
  SamplingOptions,
  SystemMessage,
  Timings,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  Usage,
  UserMessage,
} from './schemas/messages';

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The assistant message to append to the conversation for a response. */
export function responseToMessage(
  response: Pick<ChatResponse, 'text' | 'toolCalls' | 'reasoning'>,
): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: response.text };
  if (response.toolCalls.length > 0) message.toolCalls = response.toolCalls;
  return message;
}

/** The usage of two requests together (a tool loop's steps, a structured reply's repairs). */
export function addUsage(total: Usage, next: Usage): Usage {
  const cached =
    total.cachedInputTokens === undefined && next.cachedInputTokens === undefined
      ? undefined
      : (total.cachedInputTokens ?? 0) + (next.cachedInputTokens ?? 0);
  return {
    inputTokens: total.inputTokens + next.inputTokens,
    outputTokens: total.outputTokens + next.outputTokens,
    totalTokens: total.totalTokens + next.totalTokens,
    ...(cached === undefined ? {} : { cachedInputTokens: cached }),
    estimated: total.estimated || next.estimated,
  };
}
