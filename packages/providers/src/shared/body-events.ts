/**
 * The read loop every streaming remote adapter shares: open the body, read it, let the wire
 * format turn each read's bytes into provider events, hand them out, and close the reader
 * however the stream ends. The formats (SSE chat completions, Ollama's NDJSON) only decode.
 *
 * A hand-written iterator rather than an async generator, like core's chat stream: a generator
 * costs extra promise hops per `yield` (each yield awaits its value and resumes the generator),
 * and this layer runs once per token of every remote stream. Events that arrived in one network
 * read are handed out from an array with one resolved promise each.
 */
import type { ProviderStreamEvent } from '@tinyllm/core';
import { coalesceDeltas } from './batching';
import { type ErrorContext, errorFromTransport } from './http-errors';

/** A wire format: turns the bytes of a body into provider events. */
export interface BodyFormat {
  /**
   * Decodes one read's bytes (`undefined`: the body ended), appending events to `events`.
   * Returns a failure to raise after those events (a malformed frame), or `undefined`.
   */
  decode(bytes: Uint8Array | undefined, events: ProviderStreamEvent[]): unknown;
  /** True once the format saw its end marker (`[DONE]`, `done: true`): nothing more is read. */
  readonly complete: boolean;
  /** After the last read: appends the closing events, or throws (e.g. a body cut short). */
  close(events: ProviderStreamEvent[]): void;
}

/** Options of {@link readBodyEvents}. */
export interface BodyEventsOptions extends ErrorContext {
  /** Told about every read, so the idle timeout sees the stream is alive. */
  timeouts?: { touch(): void; wrap(error: unknown): unknown };
  /** Maps every error thrown (opening included) before it reaches the caller. */
  mapError?: (error: unknown) => unknown;
  /** Called once when the stream ends, however it ends; `complete` when the end marker arrived. */
  onEnd?: (complete: boolean) => void;
}

/**
 * The reason every reader is cancelled with. Without one, undici's fetch makes a new
 * DOMException (with its stack) per cancel: ~90 µs of a paced 200-token stream's ~11 ms of CPU.
 * Nobody sees it: the cancel's promise is dropped.
 */
const stopReading = new DOMException('The stream was read to its end or left early.', 'AbortError');

const ended: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Reads `source` (a body, or a function that opens one) with `format`. Stops at the format's
 * end marker or the body's end; the reader is cancelled (closing the connection) when iteration
 * stops early. One `next()` at a time, as `for await` calls it.
 */
export function readBodyEvents(
  source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>),
  format: BodyFormat,
  options: BodyEventsOptions,
): AsyncIterableIterator<ProviderStreamEvent> {
  return new BodyEventReader(source, format, options);
}

class BodyEventReader implements AsyncIterableIterator<ProviderStreamEvent> {
  readonly #source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>);
  readonly #format: BodyFormat;
  readonly #options: BodyEventsOptions;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Events ready to hand out, from `#index` on. */
  #ready: ProviderStreamEvent[] = [];
  #index = 0;
  /** Raised once the ready events are out. */
  #failure: unknown;
  /** No more reads: the body ended, the format completed, it failed, or the consumer left. */
  #drained = false;
  #cleanedUp = false;

  constructor(
    source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>),
    format: BodyFormat,
    options: BodyEventsOptions,
  ) {
    this.#source = source;
    this.#format = format;
    this.#options = options;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ProviderStreamEvent> {
    return this;
  }

  next(): Promise<IteratorResult<ProviderStreamEvent>> {
    if (this.#index < this.#ready.length)
      return Promise.resolve({ done: false, value: this.#ready[this.#index++]! });
    if (this.#drained) return this.#settle();
    if (this.#reader) return this.#reader.read().then(this.#onRead, this.#onReadError);
    return this.#open().then(() => this.next(), this.#fail);
  }

  return(): Promise<IteratorResult<ProviderStreamEvent>> {
    this.#drained = true;
    this.#ready = [];
    this.#index = 0;
    this.#failure = undefined;
    this.#cleanUp();
    return Promise.resolve(ended);
  }

  async #open(): Promise<void> {
    const source = this.#source;
    const reader = (typeof source === 'function' ? await source() : source).getReader();
    this.#reader = reader;
    // The consumer left while the request was opening.
    if (this.#drained) reader.cancel(stopReading).catch(() => {});
  }

  /**
   * One read: its events go out, the first at once. A read's promise leads straight to the
   * result the consumer awaits (no async function or generator in between): one hop per event.
   */
  readonly #onRead = (
    step: ReadableStreamReadResult<Uint8Array>,
  ): IteratorResult<ProviderStreamEvent> | Promise<IteratorResult<ProviderStreamEvent>> => {
    // The consumer left while this read was pending.
    if (this.#drained) return ended;
    try {
      this.#options.timeouts?.touch();
      const format = this.#format;
      const events: ProviderStreamEvent[] = [];
      const failure = format.decode(step.done ? undefined : step.value, events);
      if (failure !== undefined) {
        this.#drained = true;
        this.#failure = failure;
        return this.#handOut(events);
      }
      if (step.done || format.complete) {
        // The closing events follow, or the failure (a body cut short) after this read's events.
        this.#drained = true;
        try {
          format.close(events);
        } catch (error) {
          this.#failure = error;
        }
        return this.#handOut(events);
      }
      if (events.length === 0) return this.#reader!.read().then(this.#onRead, this.#onReadError);
      return this.#handOut(events);
    } catch (error) {
      return this.#fail(error);
    }
  };

  readonly #onReadError = (error: unknown): IteratorResult<ProviderStreamEvent> => {
    if (this.#drained) return ended;
    return this.#fail(
      errorFromTransport(this.#options.timeouts?.wrap(error) ?? error, this.#options),
    );
  };

  /** Nothing is left to hand out: end, or raise the failure. */
  #settle(): Promise<IteratorResult<ProviderStreamEvent>> {
    this.#cleanUp();
    const failure = this.#failure;
    if (failure === undefined) return Promise.resolve(ended);
    this.#failure = undefined;
    return Promise.reject(this.#mapError(failure));
  }

  readonly #fail = (error: unknown): never => {
    this.#drained = true;
    this.#cleanUp();
    throw this.#mapError(error);
  };

  #mapError(error: unknown): unknown {
    return this.#options.mapError ? this.#options.mapError(error) : error;
  }

  /** Hands out a read's events (the first as the result), or settles when there are none. */
  #handOut(
    events: ProviderStreamEvent[],
  ): IteratorResult<ProviderStreamEvent> | Promise<IteratorResult<ProviderStreamEvent>> {
    // Frames of one network read arrived together: one event per run of text.
    this.#ready = events.length > 1 ? coalesceDeltas(events) : events;
    this.#index = 0;
    if (this.#ready.length === 0) return this.#settle();
    return { done: false, value: this.#ready[this.#index++]! };
  }

  #cleanUp(): void {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    // Closing the reader closes the connection when the consumer stops early or aborts, or when
    // a server keeps the body open after its end marker. On a body read to its end it does
    // nothing, so the connection stays for the next request.
    this.#reader?.cancel(stopReading).catch(() => {});
    this.#options.onEnd?.(this.#format.complete);
  }
}
