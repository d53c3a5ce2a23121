/**
 * AI SDK prompt (V2 and V3 share its shape) → tinyllm messages. A part a text model cannot take
 * (files, images) is refused with INVALID_REQUEST naming its place in the prompt.
 */
import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { LanguageModelV2Prompt } from 'ai-sdk-provider-v2';
import { type Message, TinyLLMError, type ToolCall } from '@tinyllm/core';

type Prompt = LanguageModelV2Prompt | LanguageModelV3Prompt;
type ToolResultOutput = { type: string; value?: unknown; reason?: string };

function unsupported(type: string, path: string): TinyLLMError {
  return new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `Prompt parts of type "${type}" are not supported: tinyllm models take text.`,
    path,
    retryable: false,
  });
}

function toolArguments(input: unknown): Record<string, unknown> {
  const value = typeof input === 'string' ? safeParse(input) : input;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The text of a tool result output, and whether it reports a failure. */
export function toolResultContent(output: ToolResultOutput): { content: string; isError: boolean } {
  switch (output.type) {
    case 'text':
      return { content: String(output.value), isError: false };
    case 'json':
      return { content: JSON.stringify(output.value), isError: false };
    case 'error-text':
      return { content: String(output.value), isError: true };
    case 'error-json':
      return { content: JSON.stringify(output.value), isError: true };
    case 'execution-denied':
      return {
        content: JSON.stringify({ error: output.reason ?? 'The tool call was not approved.' }),
        isError: true,
      };
    case 'content': {
      const parts = Array.isArray(output.value)
        ? (output.value as Array<Record<string, unknown>>)
        : [];
      const text = parts
        .filter((part) => part['type'] === 'text')
        .map((part) => String(part['text']))
        .join('');
      return { content: text, isError: false };
    }
    default:
      return { content: JSON.stringify(output.value ?? null), isError: false };
  }
}

/** Converts an AI SDK prompt to tinyllm messages. */
export function toMessages(prompt: Prompt): Message[] {
  const messages: Message[] = [];
  for (const [index, message] of prompt.entries()) {
    const path = `prompt[${index}]`;
    if (message.role === 'system') {
      messages.push({ role: 'system', content: message.content });
      continue;
    }
    if (message.role === 'user') {
      let content = '';
      for (const [partIndex, part] of message.content.entries()) {
        if (part.type !== 'text') throw unsupported(part.type, `${path}.content[${partIndex}]`);
        content += part.text;
      }
      messages.push({ role: 'user', content });
      continue;
    }
    if (message.role === 'assistant') {
      let content = '';
      let reasoning = '';
      const toolCalls: ToolCall[] = [];
      for (const [partIndex, part] of message.content.entries()) {
        if (part.type === 'text') content += part.text;
        else if (part.type === 'reasoning') reasoning += part.text;
        else if (part.type === 'tool-call') {
          toolCalls.push({
            id: part.toolCallId,
            name: part.toolName,
            arguments: toolArguments(part.input),
          });
        } else if (part.type === 'tool-result') {
          // Results of provider-executed tools: nothing a local model ran, nothing to re-send.
        } else throw unsupported(part.type, `${path}.content[${partIndex}]`);
      }
      messages.push({
        role: 'assistant',
        content,
        ...(reasoning === '' ? {} : { reasoning }),
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      });
      continue;
    }
    for (const part of message.content) {
      // Approval responses are the SDK's own bookkeeping; the model sees only results.
      if (part.type !== 'tool-result') continue;
      const { content, isError } = toolResultContent(part.output as ToolResultOutput);
      messages.push({
        role: 'tool',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        content,
        ...(isError ? { isError } : {}),
      });
    }
  }
  return messages;
}
