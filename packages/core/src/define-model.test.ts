import { describe, expect, it } from 'vitest';
import { defineChatModel } from './define-model';
import { TinyLLMError } from './errors';
import type { ChatRequest } from './messages';
import type { ChatStreamEvent, ProviderStreamEvent } from './model';

const request: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };

function modelFrom(
  events: ProviderStreamEvent[],
  delayMs = 0,
  onClose?: (signal: AbortSignal) => void,
) {
  return defineChatModel({
    provider: 'test',
    modelId: 'm',
    capabilities: { streaming: true, tools: true },
    async *doStream(_request, { signal }) {
      try {
        for (const event of events) {
          if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
          yield event;
        }
      } finally {
        onClose?.(signal);
      }
    },
  });
}

describe('defineChatModel', () => {
  it('aggregates a stream into a response with text, reasoning, tool calls and usage', async () => {
    const model = modelFrom([
      { type: 'reasoning-delta', text: 'think' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'tool-call', toolCall: { id: 'c1', name: 'calc', arguments: { expression: '1+1' } } },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10, estimated: false },
      },
    ]);
    const response = await model.chat(request);
    expect(response).toMatchObject({
      text: 'Hello',
      reasoning: 'think',
      toolCalls: [{ id: 'c1', name: 'calc', arguments: { expression: '1+1' } }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10, estimated: false },
      provider: 'test',
      modelId: 'm',
    });
    expect(response.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(response.timings.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('streams events in order and ends with exactly one finish event', async () => {
    const model = modelFrom([
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: '' },
      { type: 'text-delta', text: 'b' },
      { type: 'finish', finishReason: 'stop' },
    ]);
    const events: ChatStreamEvent[] = [];
    const stream = model.stream(request);
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['text-delta', 'text-delta', 'finish']);
    const finish = events.at(-1) as Extract<ChatStreamEvent, { type: 'finish' }>;
    expect(finish.usage.estimated).toBe(true);
    expect(finish.usage.outputTokens).toBeGreaterThan(0);
    expect((await stream.finalResponse()).text).toBe('ab');
  });

  it('infers the finish reason when the provider gives none', async () => {
    const withCall = modelFrom([
      { type: 'tool-call', toolCall: { id: 'x', name: 't', arguments: {} } },
    ]);
    expect((await withCall.chat(request)).finishReason).toBe('tool-calls');
    expect((await modelFrom([{ type: 'text-delta', text: 'x' }]).chat(request)).finishReason).toBe(
      'stop',
    );
  });

  it('rejects invalid requests with INVALID_REQUEST naming the path', async () => {
    const model = modelFrom([]);
    const bad = { messages: [{ role: 'user', content: 42 }] } as unknown as ChatRequest;
    const error = await model.chat(bad).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as TinyLLMError).path).toBe('messages[0].content');
    expect(() => model.stream({ ...request, temperature: 9 })).toThrow(/temperature/);
  });

  it('ends the stream promptly with ABORTED and tells the provider', async () => {
    let providerSignal: AbortSignal | undefined;
    const model = modelFrom(
      Array.from({ length: 100 }, () => ({ type: 'text-delta', text: 'x' }) as const),
      20,
      (signal) => {
        providerSignal = signal;
      },
    );
    const controller = new AbortController();
    const received: string[] = [];
    const started = performance.now();
    const consume = (async () => {
      for await (const event of model.stream(request, { signal: controller.signal })) {
        if (event.type === 'text-delta') received.push(event.text);
        if (received.length === 2) controller.abort();
      }
    })();
    const error = await consume.catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(received.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(providerSignal?.aborted).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await modelFrom([{ type: 'text-delta', text: 'x' }])
      .chat(request, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
  });

  it('aborts a provider blocked on I/O without waiting for it', async () => {
    const model = defineChatModel({
      provider: 'test',
      modelId: 'stuck',
      capabilities: { streaming: true, tools: false },
      async *doStream() {
        await new Promise(() => {});
      },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await model
      .chat(request, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
  });

  it("gives the provider `abort` for the stream's own signal, and its own error wins", async () => {
    const timeout = new TinyLLMError({ code: 'TIMEOUT', message: 'no answer', retryable: true });
    let seen: AbortSignal | undefined;
    const model = defineChatModel({
      provider: 'test',
      modelId: 'timing-out',
      capabilities: { streaming: true, tools: false },
      // biome-ignore lint/correctness/useYield: fails before yielding
      async *doStream(_request, { signal, abort }) {
        seen = signal;
        // What an adapter's timeout does: stop its request through the stream's signal.
        abort(timeout);
        throw signal.reason;
      },
    });
    const caller = new AbortController();
    const error = await model
      .chat(request, { signal: caller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBe(timeout);
    expect(seen?.aborted).toBe(true);
    // The caller's own signal is untouched.
    expect(caller.signal.aborted).toBe(false);
  });

  it('wraps provider failures as GENERATION_FAILED and keeps typed errors', async () => {
    const failing = (thrown: unknown) =>
      defineChatModel({
        provider: 'test',
        modelId: 'x',
        capabilities: { streaming: true, tools: false },
        // biome-ignore lint/correctness/useYield: fails before yielding
        async *doStream() {
          throw thrown;
        },
      });
    const generic = await failing(new Error('boom'))
      .chat(request)
      .catch((caught: unknown) => caught);
    expect(generic).toMatchObject({ code: 'GENERATION_FAILED', provider: 'test', message: 'boom' });
    const typed = new TinyLLMError({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryAfterMs: 10,
    });
    expect(
      await failing(typed)
        .chat(request)
        .catch((caught: unknown) => caught),
    ).toBe(typed);
  });

  it('finalResponse consumes the stream when nobody iterates, and a stream iterates once', async () => {
    const stream = modelFrom([{ type: 'text-delta', text: 'solo' }]).stream(request);
    expect((await stream.finalResponse()).text).toBe('solo');
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/once/);
  });

  it('breaking out of iteration stops the provider', async () => {
    let providerSignal: AbortSignal | undefined;
    const model = modelFrom(
      Array.from({ length: 50 }, () => ({ type: 'text-delta', text: 'y' }) as const),
      5,
      (signal) => {
        providerSignal = signal;
      },
    );
    for await (const event of model.stream(request)) {
      if (event.type === 'text-delta') break;
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(providerSignal?.aborted).toBe(true);
  });

  it('a stream returned before its first event settles as ABORTED without calling the provider', async () => {
    let called = false;
    const model = defineChatModel({
      provider: 'test',
      modelId: 'm',
      capabilities: { streaming: true, tools: true },
      async *doStream() {
        called = true;
        yield { type: 'text-delta', text: 'never' };
      },
    });
    const stream = model.stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    const error = await stream.finalResponse().catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
    expect(called).toBe(false);
  });

  it('does not inflate tokens/s for a reply made only of a tool call', async () => {
    const model = defineChatModel({
      provider: 'test',
      modelId: 'tool-only',
      capabilities: { streaming: true, tools: true },
      async *doStream() {
        // A parser holds the call until `</tool_call>`: all the time passes before the event.
        await new Promise((resolve) => setTimeout(resolve, 100));
        yield {
          type: 'tool-call',
          toolCall: { id: 'c', name: 'calc', arguments: { expression: '1+1' } },
        };
        yield {
          type: 'finish',
          finishReason: 'tool-calls',
          usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30, estimated: false },
        };
      },
    });
    const { timings } = await model.chat(request);
    // 20 tokens in ≥ 100 ms is at most 200 tokens/s end to end.
    expect(timings.tokensPerSecond).toBeDefined();
    expect(timings.tokensPerSecond!).toBeLessThanOrEqual(201);
    expect(timings.tokensPerSecond!).toBeCloseTo((20 * 1000) / timings.totalMs, 5);
  });
});
