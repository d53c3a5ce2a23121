/**
 * OpenAI chat completion request → tinyllm `ChatRequest`. Every refusal is an INVALID_REQUEST
 * whose `path` names the field as the client sent it, so the 400 tells them what to fix.
 */
import {
  type ChatRequest,
  type ResponseFormat,
  TinyLLMError,
  type ToolChoice,
  fromOpenAIMessages,
} from '@tinyllm/core';
import type { z } from 'zod';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from './request-schema';

/** What the server needs from a parsed request besides the `ChatRequest`. */
export interface ParsedChatCompletion {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  request: ChatRequest;
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
  const request: ChatRequest = {
    // The schema has checked the shapes; core's converter checks what it cannot (JSON
    // arguments, tool_call_id) and names `messages[i]…` paths as the client sent them.
    messages: fromOpenAIMessages(input.messages, { path: 'messages' }),
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
