/**
 * What the local provider does when a conversation no longer fits the model's context window:
 * drop the oldest exchanges whole, or fail. An exchange is a user message and everything after
 * it up to the next user message (assistant tool calls, tool results, the answer), so a tool
 * call is never separated from its result and the model never sees half a turn.
 */
import { type Message, TinyLLMError } from '@tinyllm/core';

/**
 * `trim-oldest` (default): drop the oldest exchanges until the prompt leaves room for the reply;
 * the system prompt, the tools and the newest exchange always stay. `error`: fail with
 * `CONTEXT_LENGTH_EXCEEDED` as soon as the prompt fills the window.
 */
export type ContextOverflow = 'trim-oldest' | 'error';

/** Leading system messages, then the conversation cut into exchanges (each starts at a user message). */
export function splitExchanges(messages: readonly Message[]): {
  head: Message[];
  exchanges: Message[][];
} {
  let start = 0;
  while (messages[start]?.role === 'system') start++;
  const head = messages.slice(0, start);
  const exchanges: Message[][] = [];
  for (const message of messages.slice(start)) {
    // Messages before the first user message (e.g. an assistant greeting) open the first exchange.
    if (message.role === 'user' || exchanges.length === 0) exchanges.push([message]);
    else exchanges.at(-1)!.push(message);
  }
  return { head, exchanges };
}

export interface FitToContextInit<T> {
  messages: readonly Message[];
  /** Renders the messages with the chat template (tools included) and tokenizes the prompt. */
  encode: (messages: readonly Message[]) => T & { inputTokens: number };
  /** The context window in tokens; undefined: unknown, nothing is checked. */
  contextLength: number | undefined;
  /** Room the reply wants; trimming stops once the prompt leaves this much free. */
  maxOutputTokens: number;
  overflow: ContextOverflow;
  provider: string;
  modelId: string;
}

/**
 * Encodes the conversation, dropping its oldest exchanges while the prompt leaves less than
 * `maxOutputTokens` of the window free (`trim-oldest`). Fails with `CONTEXT_LENGTH_EXCEEDED`
 * when the prompt fills the window even with only the system prompt, the tools and the newest
 * exchange (or at once, with `error`).
 */
export function fitToContext<T>(
  init: FitToContextInit<T>,
): T & { inputTokens: number; droppedMessages: number } {
  const { contextLength } = init;
  let encoded = init.encode(init.messages);
  let dropped = 0;
  if (contextLength !== undefined && init.overflow === 'trim-oldest') {
    const { head, exchanges } = splitExchanges(init.messages);
    while (encoded.inputTokens + init.maxOutputTokens > contextLength && exchanges.length > 1) {
      dropped += exchanges.shift()!.length;
      encoded = init.encode([...head, ...exchanges.flat()]);
    }
  }
  if (contextLength !== undefined && encoded.inputTokens >= contextLength) {
    const trimmed = dropped > 0 || init.overflow === 'trim-oldest';
    throw new TinyLLMError({
      code: 'CONTEXT_LENGTH_EXCEEDED',
      message: trimmed
        ? `The prompt has ${encoded.inputTokens} tokens with only the system prompt, the tools and the newest message; the model's context window is ${contextLength}.`
        : `The prompt has ${encoded.inputTokens} tokens; the model's context window is ${contextLength}.`,
      retryable: false,
      provider: init.provider,
      modelId: init.modelId,
      details: { inputTokens: encoded.inputTokens, contextLength, droppedMessages: dropped },
    });
  }
  return { ...encoded, droppedMessages: dropped };
}
