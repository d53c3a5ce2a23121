/**
 * Reading an OpenAI-style SSE chat-completion body (OpenAI-compatible servers, TGI, the Hugging
 * Face router) into provider events, with eventsource-parser. Shared by the adapters that read
 * such a body themselves; the read loop is `readBodyEvents`.
 */
import type { ProviderStreamEvent } from '@tinyllm/core';
import { type EventSourceParser, createParser } from 'eventsource-parser';
import { type BodyEventsOptions, type BodyFormat, readBodyEvents } from './body-events';
import { streamEndedEarlyError } from './http-errors';
import { OpenAIStreamAccumulator } from './openai-format';
import { Utf8ChunkDecoder } from './utf8-chunks';

/** Options of {@link readChatStream}. */
export interface ChatStreamOptions extends BodyEventsOptions {
  modelId: string;
  /** Parse `<tool_call>`/`<think>` text in the content. */
  parseTextToolCalls: boolean;
}

/**
 * Reads an SSE chat-completion body into provider events. Stops at `[DONE]`; a body that ends
 * before any finish reason or `[DONE]` was cut short and fails with PROVIDER_UNAVAILABLE.
 */
export function readChatStream(
  source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>),
  options: ChatStreamOptions,
): AsyncIterableIterator<ProviderStreamEvent> {
  return readBodyEvents(source, new ChatCompletionFormat(options), options);
}

/** SSE frames of chat-completion chunks, ending with `data: [DONE]`. */
class ChatCompletionFormat implements BodyFormat {
  complete = false;
  readonly #accumulator: OpenAIStreamAccumulator;
  readonly #options: ChatStreamOptions;
  readonly #decoder = new Utf8ChunkDecoder();
  readonly #parser: EventSourceParser;
  /** Where the parser's callback puts events (the array of the current `decode`). */
  #events: ProviderStreamEvent[] = [];
  #failure: unknown;

  constructor(options: ChatStreamOptions) {
    this.#options = options;
    this.#accumulator = new OpenAIStreamAccumulator(options);
    this.#parser = createParser({
      onEvent: (message) => {
        if (this.complete || this.#failure !== undefined) return;
        const data = message.data;
        if (data === '[DONE]') {
          this.complete = true;
          return;
        }
        if (data.trim().length === 0) return;
        try {
          for (const event of this.#accumulator.pushData(data)) this.#events.push(event);
        } catch (error) {
          this.#failure = error;
        }
      },
    });
  }

  decode(bytes: Uint8Array | undefined, events: ProviderStreamEvent[]): unknown {
    this.#events = events;
    if (bytes === undefined) {
      this.#parser.feed(this.#decoder.flush());
      this.#parser.reset({ consume: true });
    } else {
      this.#parser.feed(this.#decoder.decode(bytes));
    }
    return this.#failure;
  }

  close(events: ProviderStreamEvent[]): void {
    if (!this.complete && !this.#accumulator.finished) throw streamEndedEarlyError(this.#options);
    for (const event of this.#accumulator.finish()) events.push(event);
  }
}
