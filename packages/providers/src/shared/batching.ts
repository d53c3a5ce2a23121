/**
 * Keeping per-token overhead low. A fast server (or a fast network read) delivers many tokens
 * at once; passing each through every async layer of the stream costs more than the parsing.
 * Deltas that are already here together are merged into one event: the app sees the same text,
 * in the same order, at the same moment, in fewer events. Deltas that arrive apart are never
 * held back.
 */
import type { ProviderStreamEvent } from '@tinyllm/core';

/** Merges consecutive text deltas (and consecutive reasoning deltas) of a batch. */
export function coalesceDeltas(events: ProviderStreamEvent[]): ProviderStreamEvent[] {
  if (events.length < 2) return events;
  const out: ProviderStreamEvent[] = [];
  let pendingType: 'text-delta' | 'reasoning-delta' | undefined;
  let pieces: string[] = [];
  const flush = (): void => {
    if (pendingType !== undefined && pieces.length > 0)
      out.push({ type: pendingType, text: pieces.length === 1 ? pieces[0]! : pieces.join('') });
    pendingType = undefined;
    pieces = [];
  };
  for (const event of events) {
    if (event.type === 'text-delta' || event.type === 'reasoning-delta') {
      if (pendingType !== event.type) flush();
      pendingType = event.type;
      pieces.push(event.text);
    } else {
      flush();
      out.push(event);
    }
  }
  flush();
  return out;
}

/** How many items the SDK can yield without further I/O: counted as bytes reach the SDK. */
export interface BufferedItemCounter {
  /** Items whose bytes the SDK has received so far. */
  available: number;
}

/** Counts the items a piece of body bytes completes; keeps its own state across pieces. */
export type ItemCounter = (bytes: Uint8Array) => number;

/**
 * Wraps `fetch` so that successful response bodies are counted as the SDK reads them.
 *
 * The count is taken in the body's reader (`getReader().read()`, which both SDKs use) rather
 * than through a `TransformStream`: an extra web stream per response cost more, under 50
 * concurrent streams, than the batching saved. If an SDK reads the body another way, nothing
 * is counted and batches simply stay one item long.
 */
export function countingFetch(
  fetchImplementation: typeof globalThis.fetch,
  createCounter: () => ItemCounter,
  counter: BufferedItemCounter,
  /** Called on every read of a response body (the idle timeout's heartbeat). */
  onRead?: () => void,
): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchImplementation(input, init);
    const body = response.body;
    if (!response.ok || !body) return response;
    const count = createCounter();
    const getReader = body.getReader.bind(body) as (
      options?: unknown,
    ) => ReadableStreamDefaultReader<Uint8Array>;
    Object.defineProperty(body, 'getReader', {
      configurable: true,
      value: (options?: unknown) => {
        const reader = getReader(options);
        if (options !== undefined) return reader;
        const read = reader.read.bind(reader);
        reader.read = () =>
          read().then((result) => {
            onRead?.();
            if (!result.done) counter.available += count(result.value);
            return result;
          });
        return reader;
      },
    });
    return response;
  };
}

const newline = 10;
const carriageReturn = 13;
const letterD = 100;

/**
 * Counts SSE events that carry data (what an SSE client yields), on raw bytes: an event ends
 * at a blank line, and has data when one of its lines starts with `d` (only `data:` does;
 * other fields are `event`, `id`, `retry` and `:` comments). Lines ending in `\n` or `\r\n`.
 */
export const countSseEvents = (): ItemCounter => {
  let atLineStart = true;
  let hasData = false;
  let events = 0;
  const inspect = (byte: number): void => {
    if (byte === newline || byte === carriageReturn) {
      if (hasData) events++;
      hasData = false;
    } else if (byte === letterD) hasData = true;
  };
  return (bytes) => {
    events = 0;
    if (bytes.length === 0) return 0;
    if (atLineStart) inspect(bytes[0]!);
    atLineStart = false;
    for (
      let index = bytes.indexOf(newline);
      index !== -1;
      index = bytes.indexOf(newline, index + 1)
    ) {
      if (index + 1 < bytes.length) inspect(bytes[index + 1]!);
      else atLineStart = true;
    }
    return events;
  };
};

/** Counts complete NDJSON lines. */
export const countLines = (): ItemCounter => (bytes) => {
  let lines = 0;
  for (let index = bytes.indexOf(newline); index !== -1; index = bytes.indexOf(newline, index + 1))
    lines++;
  return lines;
};

/**
 * Groups the items of `source` that are already buffered, according to `counter`: after one
 * item, keep taking items only while the counter says their bytes have arrived, so nothing
 * is ever held back waiting for the network. If the count is too high (a line the SDK
 * skips), a batch waits for the next item: a delay, never a loss or a hang.
 *
 * Batches start at one item and double up to `maxBatch`, so the first token is never held
 * back behind a large buffered backlog (time to first token stays that of the raw client).
 * An error is raised after the items received before it have been yielded.
 */
export async function* bufferedBatches<T>(
  source: AsyncIterator<T>,
  counter: BufferedItemCounter,
  maxBatch = 256,
): AsyncGenerator<T[]> {
  let consumed = 0;
  let limit = 1;
  while (true) {
    const first = await source.next();
    if (first.done) return;
    consumed++;
    const batch: T[] = [first.value];
    while (batch.length < limit && counter.available > consumed) {
      let result: IteratorResult<T>;
      try {
        result = await source.next();
      } catch (error) {
        yield batch;
        throw error;
      }
      if (result.done) {
        yield batch;
        return;
      }
      consumed++;
      batch.push(result.value);
    }
    limit = Math.min(maxBatch, limit * 2);
    yield batch;
  }
}
