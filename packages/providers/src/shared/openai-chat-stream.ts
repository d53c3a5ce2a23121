/**
 * Reading an OpenAI-style SSE chat-completion body (OpenAI-compatible servers, TGI, the Hugging
 * Face router) into provider events, with eventsource-parser. Shared by the adapters that read
 * such a body themselves.
 */
import type { ProviderStreamEvent } from '@tinyllm/core';
import { createParser } from 'eventsource-parser';
import { coalesceDeltas } from './batching';
import { errorFromTransport, streamEndedEarlyError } from './http-errors';
import { OpenAIStreamAccumulator } from './openai-format';

/**
 * The reason every reader is cancelled with. Without one, undici's fetch makes a new
 * DOMException (with its stack) per cancel: ~90 µs of a paced 200-token stream's ~11 ms of CPU.
 * Nobody sees it: the cancel's promise is dropped.
 */
const stopReading = new DOMException('The stream was read to its end or left early.', 'AbortError');

/**
 * Reads an SSE chat-completion body into provider events. Stops at `[DONE]`; a body that ends
 * before any finish reason or `[DONE]` was cut short and fails with PROVIDER_UNAVAILABLE.
 */
export async function* readChatStream(
  source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>),
  options: {
    provider: string;
    modelId: string;
    parseTextToolCalls: boolean;
    /** Told about every read, so the idle timeout sees the stream is alive. */
    timeouts?: { touch(): void; wrap(error: unknown): unknown };
    /** Maps every error thrown (opening included) before it reaches the caller. */
    mapError?: (error: unknown) => unknown;
    /** Called once when the stream ends, however it ends. */
    onEnd?: () => void;
  },
): AsyncGenerator<ProviderStreamEvent> {
  const accumulator = new OpenAIStreamAccumulator(options);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new TextDecoder();
  let queue: ProviderStreamEvent[] = [];
  let done = false;
  let failure: unknown;
  const parser = createParser({
    onEvent(message) {
      if (done || failure !== undefined) return;
      const data = message.data;
      if (data === '[DONE]') {
        done = true;
        return;
      }
      if (data.trim().length === 0) return;
      try {
        for (const event of accumulator.pushData(data)) queue.push(event);
      } catch (error) {
        failure = error;
      }
    },
  });
  try {
    reader = (typeof source === 'function' ? await source() : source).getReader();
    while (!done && failure === undefined) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        throw errorFromTransport(options.timeouts?.wrap(error) ?? error, options);
      }
      options.timeouts?.touch();
      if (step.done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
        break;
      }
      parser.feed(decoder.decode(step.value, { stream: true }));
      if (queue.length > 0) {
        // Frames of one network read arrived together: one event per run of text.
        const batch = coalesceDeltas(queue);
        queue = [];
        // A loop rather than `yield*`, which would wrap the array in an async iterator: more
        // promises per event on the hot path.
        for (const event of batch) yield event;
      }
    }
    for (const event of coalesceDeltas(queue)) yield event;
    if (failure !== undefined) throw failure;
    if (!done && !accumulator.finished) throw streamEndedEarlyError(options);
    for (const event of accumulator.finish()) yield event;
  } catch (error) {
    throw options.mapError ? options.mapError(error) : error;
  } finally {
    // Closing the reader closes the connection when the consumer stops early or aborts.
    reader?.cancel(stopReading).catch(() => {});
    options.onEnd?.();
  }
}
