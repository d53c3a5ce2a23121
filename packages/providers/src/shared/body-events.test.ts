import type { ProviderStreamEvent } from '@tinyllm/core';
import { describe, expect, it, vi } from 'vitest';
import { type BodyFormat, readBodyEvents } from './body-events';

const encoder = new TextEncoder();

/** A body that hands out `chunks` one per read and records how it was cancelled. */
function body(chunks: string[], { endAfter = true } = {}) {
  const cancelled = vi.fn();
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]!));
      else if (endAfter) controller.close();
      else await new Promise(() => {}); // a server that never ends the body
    },
    cancel: cancelled,
  });
  return { stream, cancelled };
}

/** Lines of text; `.` completes the stream, `!` is a malformed line. */
function lineFormat(): BodyFormat {
  let complete = false;
  return {
    get complete() {
      return complete;
    },
    decode(bytes, events: ProviderStreamEvent[]) {
      if (bytes === undefined) return undefined;
      for (const line of new TextDecoder().decode(bytes).split('\n').filter(Boolean)) {
        if (line === '!') return new Error('malformed line');
        if (line === '.') {
          complete = true;
          return undefined;
        }
        events.push({ type: 'text-delta', text: line });
      }
      return undefined;
    },
    close(events) {
      if (!complete) throw new Error('cut short');
      events.push({ type: 'finish', finishReason: 'stop' });
    },
  };
}

async function collect(iterable: AsyncIterable<ProviderStreamEvent>) {
  const events: ProviderStreamEvent[] = [];
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    return { events, error: (error as Error).message };
  }
  return { events, error: undefined };
}

const text = (value: string): ProviderStreamEvent => ({ type: 'text-delta', text: value });

describe('readBodyEvents', () => {
  it('hands out each read as one merged event, then the closing events, and ends once', async () => {
    // The server keeps the body open after its end marker.
    const { stream, cancelled } = body(['a\nb\n', 'c\n', '.\n'], { endAfter: false });
    const onEnd = vi.fn();
    const result = await collect(readBodyEvents(stream, lineFormat(), { provider: 'test', onEnd }));
    expect(result).toEqual({
      events: [text('ab'), text('c'), { type: 'finish', finishReason: 'stop' }],
      error: undefined,
    });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(onEnd).toHaveBeenCalledWith(true);
    // The server kept the body open after its end marker: the reader lets go of it.
    expect(cancelled).toHaveBeenCalledTimes(1);
  });

  it('raises a malformed frame after the events before it, mapped', async () => {
    const { stream } = body(['a\n', 'b\n!\nc\n']);
    const result = await collect(
      readBodyEvents(stream, lineFormat(), {
        provider: 'test',
        mapError: (error) => new Error(`mapped: ${(error as Error).message}`),
      }),
    );
    expect(result).toEqual({ events: [text('a'), text('b')], error: 'mapped: malformed line' });
  });

  it('a body cut short fails after the events of its last read', async () => {
    const { stream } = body(['a\n', 'b\n']);
    const result = await collect(readBodyEvents(stream, lineFormat(), { provider: 'test' }));
    expect(result).toEqual({ events: [text('a'), text('b')], error: 'cut short' });
  });

  it('a consumer that leaves mid-stream cancels the body and ends once', async () => {
    const { stream, cancelled } = body(['a\n', 'b\n'], { endAfter: false });
    const onEnd = vi.fn();
    const iterator = readBodyEvents(stream, lineFormat(), { provider: 'test', onEnd });
    expect(await iterator.next()).toEqual({ done: false, value: text('a') });
    expect(await iterator.next()).toEqual({ done: false, value: text('b') });
    const pending = iterator.next(); // the body never sends more
    await iterator.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(onEnd).toHaveBeenCalledWith(false);
  });

  it('a consumer that leaves while the request opens cancels the body once it arrives', async () => {
    const { stream, cancelled } = body(['a\n'], { endAfter: false });
    let open!: (value: ReadableStream<Uint8Array>) => void;
    const opening = new Promise<ReadableStream<Uint8Array>>((resolve) => {
      open = resolve;
    });
    const iterator = readBodyEvents(() => opening, lineFormat(), { provider: 'test' });
    const first = iterator.next();
    await iterator.return?.();
    open(stream);
    expect(await first).toEqual({ done: true, value: undefined });
    expect(cancelled).toHaveBeenCalledTimes(1);
  });

  it('a read that fails is a transport error, mapped', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError('socket hang up'));
      },
    });
    const result = await collect(
      readBodyEvents(stream, lineFormat(), {
        provider: 'test',
        mapError: (error) => new Error(`mapped ${(error as { code?: string }).code}`),
      }),
    );
    expect(result.events).toEqual([]);
    expect(result.error).toMatch(/^mapped [A-Z_]+$/);
  });
});
