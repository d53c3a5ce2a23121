/**
 * The server side of tinyllm's SSE format (see `sse-format.ts`): any event stream as a
 * `text/event-stream` body or `Response`.
 */
import { toTinyLLMError } from '../errors';
import {
  type SSEDoneEvent,
  type SSEErrorEvent,
  formatSSEMessage,
  sseContentType,
} from './sse-format';
import type { StreamEventLike } from './text-stream';

/** Options of {@link toSSEStream} and {@link toSSEResponse}. */
export interface SSEOptions {
  /** Keeps only the events this returns true for (e.g. drop `step-finish` from a tool loop). */
  filter?: (event: StreamEventLike) => boolean;
}

/**
 * The events of `events` encoded as SSE messages, ending with `done` or `error`. Cancelling the
 * body (the client went away) stops the source, which ends the model's request.
 */
export function toSSEStream(
  events: AsyncIterable<StreamEventLike>,
  options: SSEOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<StreamEventLike> | undefined;
  let closed = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (closed) return;
        iterator ??= events[Symbol.asyncIterator]();
        try {
          while (true) {
            const step = await iterator.next();
            if (step.done) {
              const done: SSEDoneEvent = { type: 'done' };
              controller.enqueue(encoder.encode(formatSSEMessage(done)));
              break;
            }
            if (options.filter && !options.filter(step.value)) continue;
            controller.enqueue(encoder.encode(formatSSEMessage(step.value)));
            return;
          }
        } catch (error) {
          const typed = toTinyLLMError(error, { code: 'GENERATION_FAILED' });
          const event: SSEErrorEvent = {
            type: 'error',
            // The message is already redacted by TinyLLMError; nothing else leaves the server.
            error: { code: typed.code, message: typed.message, retryable: typed.retryable },
          };
          controller.enqueue(encoder.encode(formatSSEMessage(event)));
        }
        closed = true;
        controller.close();
      },
      async cancel() {
        closed = true;
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * A `Response` streaming `events` as Server-Sent Events in tinyllm's format (documented in
 * `sse-format.ts`; read it back with `parseSSEStream`). Works where `Response` is the currency
 * (fetch handlers, Hono, Next.js route handlers, Deno, Bun); on `node:http`, write its
 * `headers` and pipe its `body`.
 *
 * @example
 * ```ts
 * export async function POST(request: Request) {
 *   const { messages } = await request.json();
 *   return toSSEResponse(model.stream({ messages }, { signal: request.signal }));
 * }
 * ```
 */
export function toSSEResponse(
  events: AsyncIterable<StreamEventLike>,
  options: SSEOptions & { status?: number; headers?: Record<string, string> } = {},
): Response {
  return new Response(toSSEStream(events, options), {
    status: options.status ?? 200,
    headers: {
      'content-type': sseContentType,
      'cache-control': 'no-cache',
      ...options.headers,
    },
  });
}
