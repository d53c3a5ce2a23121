import { describe, expect, it } from 'vitest';
import { TinyLLMError } from '../errors';
import type { ChatRequest } from '../messages';
import type { ChatStreamEvent } from '../model';
import { createScriptedModel } from './index';

const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

async function collect(iterable: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('createScriptedModel', () => {
  it('plays turns in order and records the requests', async () => {
    const model = createScriptedModel({
      provider: 'p',
      modelId: 'm',
      script: [
        { text: ['Hel', 'lo'], usage: { inputTokens: 3, outputTokens: 2 } },
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
        (req, index) => ({ text: `${index}:${req.messages.length}`, finishReason: 'length' }),
      ],
    });
    const first = await model.chat(request);
    expect(first).toMatchObject({
      text: 'Hello',
      finishReason: 'stop',
      provider: 'p',
      modelId: 'm',
    });
    expect(first.usage).toEqual({
      inputTokens: 3,
      outputTokens: 2,
      totalTokens: 5,
      estimated: false,
    });
    const second = await model.chat(request);
    expect(second.toolCalls).toEqual([
      { id: 'call_1_0', name: 'get_weather', arguments: { city: 'Oslo' } },
    ]);
    expect(second.finishReason).toBe('tool-calls');
    expect(second.usage.estimated).toBe(true);
    const third = await model.chat(request);
    expect(third).toMatchObject({ text: '2:1', finishReason: 'length' });
    expect(model.calls).toEqual([request, request, request]);
  });

  it('streams chunks as separate deltas, reasoning first', async () => {
    const model = createScriptedModel({ script: [{ reasoning: 'think', text: ['a', 'b'] }] });
    const events = await collect(model.stream(request));
    expect(events.map((event) => event.type)).toEqual([
      'reasoning-delta',
      'text-delta',
      'text-delta',
      'finish',
    ]);
  });

  it('fails with the scripted error, from fields or from an instance', async () => {
    const instance = new TinyLLMError({ code: 'AUTH_FAILED', message: 'no key' });
    const model = createScriptedModel({
      script: [
        { error: { code: 'RATE_LIMITED', message: 'slow', retryAfterMs: 50 } },
        { error: instance },
      ],
    });
    const rateLimited = await model.chat(request).catch((error: unknown) => error);
    expect(rateLimited).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 50, retryable: true });
    expect(TinyLLMError.isInstance(rateLimited)).toBe(true);
    await expect(model.chat(request)).rejects.toBe(instance);
  });

  it('fails mid-stream after the chunks when a reply has an error', async () => {
    const model = createScriptedModel({
      script: [{ text: ['a', 'b'], error: { code: 'GENERATION_FAILED', message: 'boom' } }],
    });
    const seen: string[] = [];
    const run = async () => {
      for await (const event of model.stream(request)) seen.push(event.type);
    };
    await expect(run()).rejects.toMatchObject({ code: 'GENERATION_FAILED' });
    expect(seen).toEqual(['text-delta', 'text-delta']);
  });

  it('throws a clear error when the script is exhausted, unless repeat is set', async () => {
    const model = createScriptedModel({ modelId: 'tiny', script: [{ text: 'once' }] });
    await model.chat(request);
    await expect(model.chat(request)).rejects.toThrow(/"tiny" received call #2.*only 1 turn/);
    const repeating = createScriptedModel({ repeat: true, script: [{ text: 'a' }, { text: 'b' }] });
    const texts: string[] = [];
    for (let index = 0; index < 5; index++) texts.push((await repeating.chat(request)).text);
    expect(texts).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('honours the signal during chunk delays', async () => {
    const model = createScriptedModel({
      script: [{ text: ['a', 'b', 'c'], chunkDelayMs: 10_000 }],
    });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await expect(model.chat(request, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('aborts mid-stream after the first delta', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b', 'c'], chunkDelayMs: 5 }] });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const event of model.stream(request, { signal: controller.signal })) {
        seen.push(event.type);
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toEqual(['text-delta']);
  });
});
