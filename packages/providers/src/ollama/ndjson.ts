/**
 * A small NDJSON reader for Ollama's non-chat streams (`/api/pull`): one parsed value per line.
 * The `ollama` client's own reader skips lines that are not JSON and prints them with
 * `console.warn`; here such a line is a typed GENERATION_FAILED and nothing is printed.
 */
import { TinyLLMError } from '@tinyllm/core';
import type { ErrorContext } from '../shared/http-errors';

/** Yields each line of `body` parsed as JSON; the reader is cancelled if iteration stops early. */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  context: ErrorContext,
): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch (error) {
      throw new TinyLLMError({
        ...context,
        code: 'GENERATION_FAILED',
        message: `${context.provider} sent a malformed stream line: ${line.slice(0, 200)}`,
        cause: error,
      });
    }
  };
  try {
    while (!done) {
      const step = await reader.read();
      done = step.done;
      buffer += step.done ? decoder.decode() : decoder.decode(step.value, { stream: true });
      const lines = buffer.split('\n');
      buffer = done ? '' : (lines.pop() ?? '');
      for (const line of lines) if (line.trim().length > 0) yield parse(line);
    }
  } finally {
    if (!done) reader.cancel().catch(() => {});
  }
}
