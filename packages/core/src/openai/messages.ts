/**
 * Converters between tinyllm messages and OpenAI Chat Completions messages, for apps that keep
 * conversations in OpenAI's shape (or receive them from an OpenAI-compatible client).
 */
import { TinyLLMError } from '../errors';
import type { AssistantMessage, Message, ToolCall } from '../messages';
import type { OpenAIChatMessage, OpenAIContent, OpenAIToolCall } from './message-types';

/** Options of {@link fromOpenAIMessages}. */
export interface FromOpenAIMessagesOptions {
  /**
   * Where the array sits in the caller's input, put in front of every error path: a server
   * passes `'messages'`, so a 400 names `messages[2].content` as the client sent it.
   */
  path?: string;
}

/** Options of {@link toOpenAIMessages}. */
export interface ToOpenAIMessagesOptions {
  /** Send assistant reasoning back as `reasoning_content` (default false, as tinyllm's adapters do). */
  includeReasoning?: boolean;
}

/**
 * tinyllm messages as OpenAI Chat Completions messages. Tool call arguments become JSON
 * strings; a tool message's `toolName` and `isError` have no OpenAI field and are dropped.
 */
export function toOpenAIMessages(
  messages: readonly Message[],
  options: ToOpenAIMessagesOptions = {},
): OpenAIChatMessage[] {
  return messages.map((message): OpenAIChatMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant': {
        const out: OpenAIChatMessage & { role: 'assistant' } = {
          role: 'assistant',
          // OpenAI wants null, not '', beside tool calls.
          content: message.content === '' && message.toolCalls?.length ? null : message.content,
        };
        if (message.toolCalls?.length) out.tool_calls = message.toolCalls.map(toOpenAIToolCall);
        if (options.includeReasoning && message.reasoning)
          out.reasoning_content = message.reasoning;
        return out;
      }
      default:
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

function toOpenAIToolCall(call: ToolCall): OpenAIToolCall {
  return {
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  };
}

function invalid(path: string, message: string): TinyLLMError {
  return new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `Invalid OpenAI message at ${path}: ${message}`,
    path,
    retryable: false,
  });
}

/**
 * Text of OpenAI content; `refusal` parts (an assistant's refusal sent back) count as text,
 * other parts are an error naming them (tinyllm messages are text).
 */
function textOf(content: OpenAIContent | null | undefined, path: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(path, 'expected a string or an array of parts');
  let text = '';
  for (const [index, part] of content.entries()) {
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'refusal' && typeof part['refusal'] === 'string')
      text += part['refusal'];
    else
      throw invalid(
        `${path}[${index}].type`,
        `"${part.type}" parts are not supported (tinyllm models take text)`,
      );
  }
  return text;
}

/**
 * OpenAI Chat Completions messages as tinyllm messages. `developer` becomes `system`; tool
 * messages get their `toolName` from the assistant tool call they answer. Throws
 * `INVALID_REQUEST` naming the path for what cannot be carried over (non-text parts, tool
 * call arguments that are not a JSON object, a tool message answering no known call).
 */
export function fromOpenAIMessages(
  messages: readonly OpenAIChatMessage[],
  options: FromOpenAIMessagesOptions = {},
): Message[] {
  const toolNames = new Map<string, string>();
  const prefix = options.path ?? '';
  return messages.map((message, index): Message => {
    const path = `${prefix}[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, `${path}.content`) };
      case 'user':
        return { role: 'user', content: textOf(message.content, `${path}.content`) };
      case 'assistant': {
        const out: AssistantMessage = {
          role: 'assistant',
          content: textOf(message.content, `${path}.content`),
        };
        if (message.reasoning_content) out.reasoning = message.reasoning_content;
        if (message.tool_calls?.length) {
          out.toolCalls = message.tool_calls.map((call, callIndex) => {
            const callPath = `${path}.tool_calls[${callIndex}]`;
            toolNames.set(call.id, call.function.name);
            return {
              id: call.id,
              name: call.function.name,
              arguments: parseArguments(call.function.arguments, `${callPath}.function.arguments`),
            };
          });
        }
        return out;
      }
      case 'tool': {
        const toolName = toolNames.get(message.tool_call_id);
        if (toolName === undefined)
          throw invalid(
            `${path}.tool_call_id`,
            `no earlier assistant tool call has id "${message.tool_call_id}"`,
          );
        return {
          role: 'tool',
          toolCallId: message.tool_call_id,
          toolName,
          content: textOf(message.content, `${path}.content`),
        };
      }
      default:
        throw invalid(`${path}.role`, `unsupported role "${(message as { role: unknown }).role}"`);
    }
  });
}

function parseArguments(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw invalid(path, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'expected a JSON object');
  return value as Record<string, unknown>;
}
