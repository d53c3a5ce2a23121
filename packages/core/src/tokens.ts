/**
 * Token estimation. Providers report exact usage when they can; when they cannot, tinyllm
 * estimates and marks the usage `estimated: true`. Apps with a real tokenizer plug it in
 * through {@link TokenCounter}.
 */
import type { Message, ToolDefinition } from './messages';

/** Counts tokens of a text. Plug in a real tokenizer for exact counts. */
export interface TokenCounter {
  countTokens(text: string): number;
}

// Roughly 4 characters per token for English BPE vocabularies; code and numbers tokenize
// denser, so we count digits and punctuation runs a bit heavier. It is a budget estimate,
// not a measurement, and it must stay O(n) with no allocation: it runs on every request.
/** A fast tokenizer-free estimate of the number of tokens in `text`. */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  let letters = 0;
  let other = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const isLetter = (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
    if (isLetter) letters++;
    else if (code !== 32) other++;
  }
  return Math.max(1, Math.ceil(letters / 4 + other / 1.5));
}

/** The default counter: {@link estimateTokens}. */
export const estimatingTokenCounter: TokenCounter = { countTokens: estimateTokens };

// Chat templates add a few tokens of framing per message (role markers, separators).
const perMessageOverhead = 4;

/** Estimates the prompt tokens of a conversation and its tool definitions. */
export function estimatePromptTokens(
  messages: readonly Message[],
  tools: readonly ToolDefinition[] = [],
  counter: TokenCounter = estimatingTokenCounter,
): number {
  let total = 0;
  for (const message of messages) {
    total += perMessageOverhead + counter.countTokens(message.content);
    if (message.role === 'assistant' && message.toolCalls) {
      for (const call of message.toolCalls)
        total += counter.countTokens(call.name + JSON.stringify(call.arguments));
    }
  }
  for (const tool of tools) total += counter.countTokens(JSON.stringify(tool));
  return total;
}
