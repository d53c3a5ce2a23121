import { describe, expect, it } from 'vitest';
import { TinyLLMError } from '../errors';
import type { ChatStreamEvent } from '../model';
import { createScriptedModel } from '../testing/index';
import { streamTools } from '../tool-loop';
import { tool } from '../tools';
import { toReadableStream } from './readable-stream';
import { parseSSEStream } from './sse-client';
import { toSSEResponse } from './sse-response';
import { textStream } from './text-stream';

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Re-chunks a body at every `size` bytes, as a network might. */
function rechunk(body: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (let offset = 0; offset < chunk.length; offset += size)
          controller.enqueue(chunk.slice(offset, offset + size));
      },
    }),
  );
}

describe('textStream', () => {
  it('yields the text deltas of any event stream', async () => {
    const model = createScriptedModel({ script: [{ reasoning: 'r', text: ['Hel', 'lo'] }] });
    expect(await collect(textStream(model.stream(request)))).toEqual(['Hel', 'lo']);
  });

  it('stopping early stops the request', async () => {
    let closed = false;
    const events = (async function* () {
      try {
        yield { type: 'text-delta', text: 'a' };
        yield { type: 'text-delta', text: 'b' };
      } finally {
        closed = true;
      }
    })();
    for await (const _ of textStream(events)) break;
    expect(closed).toBe(true);
  });
});

describe('toReadableStream', () => {
  it('is a Web ReadableStream of the events, cancelling stops the source', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b'] }] });
    const stream = toReadableStream(model.stream(request));
    expect(stream).toBeInstanceOf(ReadableStream);
    const reader = stream.getReader();
    expect((await reader.read()).value).toEqual({ type: 'text-delta', text: 'a' });
    await reader.cancel();
    const all: ChatStreamEvent[] = [];
    const source = createScriptedModel({ script: [{ text: 'x' }] }).stream(request);
    const allReader = toReadableStream(source).getReader();
    for (let step = await allReader.read(); !step.done; step = await allReader.read())
      all.push(step.value);
    expect(all.map((event) => event.type)).toEqual(['text-delta', 'finish']);
  });
});

describe('SSE: toSSEResponse and parseSSEStream', () => {
  it('round-trips every event of a chat stream, split at any byte', async () => {
    const model = createScriptedModel({
      script: [
        { text: ['Grüße ', 'aus ', '東京'], toolCalls: [{ name: 'f', arguments: { a: '\n' } }] },
      ],
    });
    const response = toSSEResponse(model.stream(request));
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await collect(parseSSEStream<ChatStreamEvent>(rechunk(response.body!, 3)));
    expect(events.map((event) => event.type)).toEqual([
      'text-delta',
      'text-delta',
      'text-delta',
      'tool-call',
      'finish',
    ]);
    expect(
      events
        .slice(0, 3)
        .map((event) => (event as { text: string }).text)
        .join(''),
    ).toBe('Grüße aus 東京');
    expect(events[3]).toMatchObject({ toolCall: { name: 'f', arguments: { a: '\n' } } });
  });

  it('writes the documented wire format', async () => {
    const model = createScriptedModel({
      script: [{ text: 'hi', usage: { inputTokens: 1, outputTokens: 1 } }],
    });
    const text = await toSSEResponse(model.stream(request)).text();
    expect(
      text.startsWith(
        'event: text-delta\ndata: {"type":"text-delta","text":"hi"}\n\nevent: finish\ndata: {"type":"finish"',
      ),
    ).toBe(true);
    expect(text.endsWith('event: done\ndata: {"type":"done"}\n\n')).toBe(true);
  });

  it('sends a failure as an error event the client throws as a TinyLLMError', async () => {
    const model = createScriptedModel({
      script: [
        { text: 'par', error: { code: 'RATE_LIMITED', message: 'slow down, key sk-abcdefghijkl' } },
      ],
    });
    const response = toSSEResponse(model.stream(request));
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const event of parseSSEStream(response)) seen.push(event.type);
      } catch (caught) {
        return caught as TinyLLMError;
      }
    })();
    expect(seen).toEqual(['text-delta']);
    expect(TinyLLMError.hasCode(error, 'RATE_LIMITED')).toBe(true);
    expect(error?.retryable).toBe(true);
    expect(error?.message).not.toContain('sk-abcdefghijkl');
  });

  it('a stream cut off before done is PROVIDER_UNAVAILABLE', async () => {
    const body = new Response('event: text-delta\ndata: {"type":"text-delta","text":"a"}\n\n')
      .body!;
    await expect(collect(parseSSEStream(body))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
  });

  it('cancelling the body stops the model', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b', 'c'], chunkDelayMs: 50 }] });
    const controller = new AbortController();
    const stream = model.stream(request, { signal: controller.signal });
    const response = toSSEResponse(stream);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await expect(stream.finalResponse()).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('carries tool-loop events, with a filter', async () => {
    const model = createScriptedModel({
      script: [{ toolCalls: [{ name: 'echo', arguments: { x: 1 } }] }, { text: 'done' }],
    });
    const echo = tool({ name: 'echo', parameters: { type: 'object' }, execute: (args) => args });
    const response = toSSEResponse(streamTools(model, request, { tools: [echo] }), {
      filter: (event) => event.type !== 'step-finish',
    });
    const types = (await collect(parseSSEStream(response))).map((event) => event.type);
    expect(types).toContain('tool-result');
    expect(types).not.toContain('step-finish');
    expect(types.at(-1)).toBe('finish');
  });
});
