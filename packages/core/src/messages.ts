/**
 * Messages, tools and requests: the types every provider speaks (inferred from the zod schemas
 * in `./schemas`, which this file does not load at run time) and small helpers.
 */
import type { AssistantMessage, ChatResponse } from './schemas/messages';

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
