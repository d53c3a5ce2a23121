/**
 * The Server-Sent Events format of tinyllm streams, shared by the server helper
 * (`toSSEResponse`) and the client parser (`parseSSEStream`).
 *
 * Each event is one SSE message whose `event:` field is the event's `type` and whose `data:`
 * is the whole event as JSON:
 *
 * ```text
 * event: text-delta
 * data: {"type":"text-delta","text":"Hel"}
 *
 * ```
 *
 * Any event stream works (`ChatStream` events, `streamTools()` events with their `step`), and
 * two events close the stream:
 * - `done` (`{"type":"done"}`) after the last event of a stream that succeeded;
 * - `error` (`{"type":"error","error":{"code","message","retryable"}}`) when it failed; the
 *   client parser throws it as a `TinyLLMError` with that code.
 *
 * A stream that ends with neither was cut off: the client parser throws `PROVIDER_UNAVAILABLE`.
 */
import type { ErrorCode } from '../errors';

/** The `data` of the `error` event. */
export interface SSEErrorEvent {
  type: 'error';
  error: { code: ErrorCode; message: string; retryable: boolean };
}

/** The `data` of the `done` event. */
export interface SSEDoneEvent {
  type: 'done';
}

/** Content type of tinyllm's SSE responses. */
export const sseContentType = 'text/event-stream; charset=utf-8';

/** One SSE message for an event. */
export function formatSSEMessage(event: { type: string }): string {
  // JSON.stringify never emits a raw newline, so `data:` is always one line.
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
