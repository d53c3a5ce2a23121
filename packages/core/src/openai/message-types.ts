/**
 * The OpenAI Chat Completions message shapes the converters read and write: the documented
 * wire format, declared here so core needs no OpenAI package.
 */

/** A text part of OpenAI message content. */
export interface OpenAITextPart {
  type: 'text';
  text: string;
}

/** A content part tinyllm does not carry (images, audio, files, refusals). */
export interface OpenAIOtherPart {
  type: string;
  [key: string]: unknown;
}

/** OpenAI message content: a string or an array of parts. */
export type OpenAIContent = string | Array<OpenAITextPart | OpenAIOtherPart>;

/** A tool call as OpenAI sends it: arguments are a JSON string. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** An OpenAI Chat Completions message. */
export type OpenAIChatMessage =
  | { role: 'system' | 'developer'; content: OpenAIContent; name?: string }
  | { role: 'user'; content: OpenAIContent; name?: string }
  | {
      role: 'assistant';
      content?: OpenAIContent | null;
      tool_calls?: OpenAIToolCall[] | null;
      /** Reasoning as DeepSeek, vLLM and llama.cpp send it. */
      reasoning_content?: string | null;
      refusal?: string | null;
      name?: string;
    }
  | { role: 'tool'; tool_call_id: string; content: OpenAIContent };
