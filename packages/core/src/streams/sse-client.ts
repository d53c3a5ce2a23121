/**
 * The client side of tinyllm's SSE format (see `sse-format.ts`): parses a `fetch` response body
 * back into events, with `eventsource-parser` (EventSource itself cannot POST), loaded on first
 * use. It imports nothing else of core's but the error class, so the browser build
 * (`@tinyllm/core/sse-client`) is one small self-contained file.
 */
import { type ErrorCode, TinyLLMError, errorCodes } from '../errors';
import type { SSEErrorEvent } from './sse-format';

/**
 * Parses a tinyllm SSE stream (a `Response` or its body) into its events, ending after `done`.
 * An `error` event is thrown as a `TinyLLMError` with its code; a stream cut off before `done`
 * throws `PROVIDER_UNAVAILABLE`. Stopping early cancels the body (and so the request).
 *
 * @example
 * ```ts
 * const response = await fetch('/api/chat', { method: 'POST', body, signal });
 * for await (const event of parseSSEStream<ChatStreamEvent>(response)) {
 *   if (event.type === 'text-delta') output.textContent += event.text;
 * }
 * ```
 */
export async function* parseSSEStream<Event extends { type: string } = { type: string }>(
  source: Response | ReadableStream<Uint8Array>,
): AsyncGenerator<Event, void, undefined> {
  const body = source instanceof ReadableStream ? source : source.body;
  if (!body) throw streamError('PROVIDER_UNAVAILABLE', 'The response has no body.');
  const { createParser } = await import('eventsource-parser');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: Array<{ event: string; data: string }> = [];
  const parser = createParser({
    onEvent: (message) => queue.push({ event: message.event ?? 'message', data: message.data }),
  });
  let finished = false;
  try {
    while (!finished) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) {
        const message = queue.shift()!;
        const event = parseData(message.data) as Event | SSEErrorEvent | { type: 'done' };
        if (event.type === 'done') {
          finished = true;
          break;
        }
        if (event.type === 'error' && isErrorEvent(event)) {
          finished = true;
          throw streamError(event.error.code, event.error.message, event.error.retryable);
        }
        yield event as Event;
      }
    }
    if (!finished)
      throw streamError('PROVIDER_UNAVAILABLE', 'The event stream ended before it was done.', true);
  } finally {
    // Also runs when the consumer stops early: cancelling the body closes the request.
    await reader.cancel().catch(() => {});
  }
}

function parseData(data: string): { type: string } {
  try {
    const value = JSON.parse(data) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { type?: unknown }).type === 'string'
    )
      return value as { type: string };
  } catch {
    // reported below
  }
  throw streamError(
    'GENERATION_FAILED',
    `An event of the stream is not a tinyllm event: ${data.slice(0, 80)}`,
  );
}

function isErrorEvent(event: { type: string }): event is SSEErrorEvent {
  const error = (event as Partial<SSEErrorEvent>).error;
  return typeof error === 'object' && error !== null && typeof error.message === 'string';
}

function streamError(code: string, message: string, retryable?: boolean): TinyLLMError {
  const known = (errorCodes as readonly string[]).includes(code);
  return new TinyLLMError({
    code: known ? (code as ErrorCode) : 'GENERATION_FAILED',
    message,
    ...(retryable === undefined ? {} : { retryable }),
  });
}
