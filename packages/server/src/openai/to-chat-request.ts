/**
 * OpenAI chat completion request → tinyllm `ChatRequest`. Every refusal is an INVALID_REQUEST
 * whose `path` names the field as the client sent it, so the 400 tells them what to fix.
 */
import {
  type ChatRequest,
  type JsonSchema,
  type Message,
  TinyLLMError,
  type ToolCall,
  type ToolChoice,
} from '@tinyllm/core';
import type { z } from 'zod';
import {
  type ChatCompletionRequest,
  type OpenAIMessage,
  chatCompletionRequestSchema,
} from './request-schema';

/**
 * The structured-output request field agreed for `@tinyllm/core` (`ChatRequest.responseFormat`).
 * Declared here until core exports it; adapters that do not know it ignore it.
 */
export type ResponseFormat =
  | { type: 'text' }
  | {
      type: 'json';
      schema?: JsonSchema;
      name?: string;
      description?: string;
      strict?: boolean;
    };

/** A `ChatRequest` that may carry {@link ResponseFormat}. */
export type ServerChatRequest = ChatRequest & { responseFormat?: ResponseFormat };

/** What the server needs from a parsed request besides the `ChatRequest`. */
export interface ParsedChatCompletion {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  request: ServerChatRequest;
}

function invalid(message: string, path: string): TinyLLMError {
  return new TinyLLMError({ code: 'INVALID_REQUEST', message, path, retryable: false });
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function issueError(error: z.ZodError): TinyLLMError {
  const issue = error.issues[0];
  const path = issue ? formatPath(issue.path) : '';
  const message = issue?.message ?? 'Invalid request body.';
  return invalid(path === '' ? message : `Invalid \`${path}\`: ${message}`, path);
}

function textOf(content: OpenAIMessage['content'], path: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const [index, part] of content.entries()) {
    if (part.type === 'text' && typeof part['text'] === 'string') text += part['text'];
    else if (part.type === 'refusal' && typeof part['refusal'] === 'string')
      text += part['refusal'];
    else {
      throw invalid(
        `Content parts of type "${part.type}" are not supported: tinyllm models take text.`,
        `${path}[${index}].type`,
      );
    }
  }
  return text;
}

function parseArguments(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw invalid('Tool call arguments must be a JSON object encoded as a string.', path);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('Tool call arguments must be a JSON object encoded as a string.', path);
  }
  return value as Record<string, unknown>;
}

function toMessages(messages: OpenAIMessage[]): Message[] {
  // Tool messages name only the call id; core also wants the tool name, which the assistant
  // message that made the call holds.
  const toolNames = new Map<string, string>();
  return messages.map((message, index): Message => {
    const path = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, `${path}.content`) };
      case 'user':
        return { role: 'user', content: textOf(message.content, `${path}.content`) };
      case 'assistant': {
        const toolCalls: ToolCall[] = (message.tool_calls ?? []).map((call, callIndex) => {
          toolNames.set(call.id, call.function.name);
          return {
            id: call.id,
            name: call.function.name,
            arguments: parseArguments(
              call.function.arguments,
              `${path}.tool_calls[${callIndex}].function.arguments`,
            ),
          };
        });
        return {
          role: 'assistant',
          content: textOf(message.content, `${path}.content`),
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
        };
      }
      default: {
        const toolName = toolNames.get(message.tool_call_id);
        if (toolName === undefined) {
          throw invalid(
            `No earlier assistant message has a tool call with id "${message.tool_call_id}".`,
            `${path}.tool_call_id`,
          );
        }
        return {
          role: 'tool',
          toolCallId: message.tool_call_id,
          toolName,
          content: textOf(message.content, `${path}.content`),
        };
      }
    }
  });
}

function toToolChoice(choice: ChatCompletionRequest['tool_choice']): ToolChoice | undefined {
  if (choice === null || choice === undefined) return undefined;
  if (typeof choice === 'string') return choice;
  return { type: 'tool', name: choice.function.name };
}

function toResponseFormat(
  format: ChatCompletionRequest['response_format'],
): ResponseFormat | undefined {
  if (format === null || format === undefined) return undefined;
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  const { name, description, schema, strict } = format.json_schema;
  return {
    type: 'json',
    name,
    ...(description === undefined ? {} : { description }),
    ...(schema === undefined ? {} : { schema }),
    ...(strict === null || strict === undefined ? {} : { strict }),
  };
}

/**
 * Validates a request body and translates it. Throws INVALID_REQUEST naming the offending field.
 */
export function parseChatCompletionRequest(body: unknown): ParsedChatCompletion {
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw issueError(parsed.error);
  const input = parsed.data;
  if (input.n !== null && input.n !== undefined && input.n !== 1) {
    throw invalid('Only n = 1 is supported.', 'n');
  }
  if (input.tool_choice && typeof input.tool_choice === 'object') {
    const name = input.tool_choice.function.name;
    if (!(input.tools ?? []).some((entry) => entry.function.name === name)) {
      throw invalid(`tool_choice names "${name}", which is not in \`tools\`.`, 'tool_choice');
    }
  }
  const maxOutputTokens = input.max_completion_tokens ?? input.max_tokens ?? undefined;
  const stop = typeof input.stop === 'string' ? [input.stop] : (input.stop ?? undefined);
  const toolChoice = toToolChoice(input.tool_choice);
  const responseFormat = toResponseFormat(input.response_format);
  const request: ServerChatRequest = {
    messages: toMessages(input.messages),
    ...(input.tools && input.tools.length > 0
      ? {
          tools: input.tools.map((entry) => ({
            name: entry.function.name,
            ...(entry.function.description === undefined
              ? {}
              : { description: entry.function.description }),
            parameters: entry.function.parameters ?? { type: 'object', properties: {} },
          })),
        }
      : {}),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(input.temperature === null || input.temperature === undefined
      ? {}
      : { temperature: input.temperature }),
    ...(input.top_p === null || input.top_p === undefined ? {} : { topP: input.top_p }),
    ...(input.top_k === null || input.top_k === undefined ? {} : { topK: input.top_k }),
    ...(stop === undefined ? {} : { stop }),
    ...(input.seed === null || input.seed === undefined ? {} : { seed: input.seed }),
  };
  return {
    model: input.model,
    stream: input.stream === true,
    includeUsage: input.stream_options?.include_usage === true,
    request,
  };
}
