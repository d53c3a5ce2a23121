import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TinyLLMError } from '../errors';
import type { UsageEvent } from '../hooks-types';
import type { ChatRequest } from '../messages';
import type { ChatStreamEvent } from '../model';
import { createScriptedModel } from '../testing/index';
import { computeRetryDelay, defaultRetryOptions, sleep } from './backoff';
import { type RouterOptions, createRouter } from './router';

const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };
const unavailable = { error: { code: 'PROVIDER_UNAVAILABLE', message: 'down' } } as const;
const rateLimited = (retryAfterMs?: number) =>
  ({ error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs } }) as const;

/** A router whose backoff sleeps are recorded and instant. */
function routerWith(options: RouterOptions) {
  const delays: number[] = [];
  const router = createRouter({
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { router, delays };
}

async function failure(promise: Promise<unknown>): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    if (TinyLLMError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

async function texts(stream: AsyncIterable<ChatStreamEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of stream) if (event.type === 'text-delta') out.push(event.text);
  return out;
}

describe('createRouter: resolution', () => {
  it('calls the named model and creates lazy models once', async () => {
    let created = 0;
    const { router } = routerWith({
      models: {
        lazy: async () => {
          created++;
          return createScriptedModel({ modelId: 'lazy', repeat: true, script: [{ text: 'L' }] });
        },
        eager: createScriptedModel({ script: [{ text: 'E' }] }),
      },
    });
    expect(router.names).toEqual(['lazy', 'eager']);
    const results = await Promise.all([
      router.chat('lazy', request),
      router.chat('lazy', request),
      router.chat('eager', request),
    ]);
    expect(results.map((response) => response.text)).toEqual(['L', 'L', 'E']);
    expect(created).toBe(1);
    expect(router.model('lazy').capabilities).toEqual({ streaming: true, tools: true });
  });

  it('does not cache a failed factory, and falls back while it fails', async () => {
    let calls = 0;
    const b = createScriptedModel({ script: [{ text: 'b' }] });
    const { router } = routerWith({
      models: {
        a: () => {
          calls++;
          if (calls === 1) throw new Error('missing weights');
          return createScriptedModel({ script: [{ text: 'a' }] });
        },
        b,
      },
      fallbacks: { a: ['b'] },
    });
    const first = await router.chat('a', request);
    expect(first.text).toBe('b');
    expect((await router.chat('a', request)).text).toBe('a');
    expect(calls).toBe(2);
  });

  it('reports a throwing onRetry/onFallback listener without breaking the request', async () => {
    const a = createScriptedModel({ repeat: true, script: [rateLimited()] });
    const b = createScriptedModel({ script: [{ text: 'b' }] });
    const reported: string[] = [];
    const { router } = routerWith({
      models: { a, b },
      fallbacks: { a: ['b'] },
      retry: { maxRetries: 1 },
      onRetry: () => {
        throw new Error('retry listener');
      },
      onFallback: () => {
        throw new Error('fallback listener');
      },
      onHookError: (error, hook) => reported.push(`${hook}:${(error as Error).message}`),
    });
    expect((await router.chat('a', request)).text).toBe('b');
    expect(reported).toEqual(['onRetry:retry listener', 'onFallback:fallback listener']);
  });

  it('rejects an unknown model with MODEL_NOT_FOUND and the attempts', async () => {
    const { router } = routerWith({ models: { a: createScriptedModel({ script: [] }) } });
    const error = await failure(router.chat('nope', request));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/no model named "nope"/);
    expect(error.details?.attempts).toEqual([
      { model: 'nope', attempt: 0, code: 'MODEL_NOT_FOUND' },
    ]);
  });

  it('refuses a fallback chain naming an unknown model', () => {
    expect(() =>
      createRouter({ models: { a: createScriptedModel({ script: [] }) }, fallbacks: { a: ['b'] } }),
    ).toThrow(/fallback "b" of "a" is not a configured model/);
  });

  it('validates the request once, before any model is called', async () => {
    const model = createScriptedModel({ script: [{ text: 'x' }] });
    const { router } = routerWith({ models: { a: model } });
    const invalid = { messages: [{ role: 'user' }] } as unknown as ChatRequest;
    expect((await failure(router.chat('a', invalid))).code).toBe('INVALID_REQUEST');
    expect(() => router.stream('a', invalid)).toThrow(/Invalid chat request at messages\[0\]/);
    expect(model.calls).toHaveLength(0);
  });
});

describe('createRouter: retries', () => {
  it('retries a retryable error up to maxRetries and throws the last error with the attempts', async () => {
    const model = createScriptedModel({ repeat: true, script: [unavailable] });
    const retries: number[] = [];
    const { router, delays } = routerWith({
      models: { a: model },
      retry: { jitter: false },
      onRetry: (event) => retries.push(event.attempt),
    });
    const error = await failure(router.chat('a', request));
    expect(model.calls).toHaveLength(3);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(TinyLLMError.isInstance(error.cause)).toBe(true);
    expect(delays).toEqual([500, 1000]);
    expect(retries).toEqual([1, 2]);
    expect(error.details?.attempts).toEqual([
      { model: 'a', attempt: 1, code: 'PROVIDER_UNAVAILABLE', delayMs: 500 },
      { model: 'a', attempt: 2, code: 'PROVIDER_UNAVAILABLE', delayMs: 1000 },
      { model: 'a', attempt: 3, code: 'PROVIDER_UNAVAILABLE' },
    ]);
  });

  it('succeeds on a retry', async () => {
    const model = createScriptedModel({ script: [rateLimited(), { text: 'ok' }] });
    const { router, delays } = routerWith({ models: { a: model } });
    expect((await router.chat('a', request)).text).toBe('ok');
    expect(delays).toHaveLength(1);
  });

  it('does not retry or fall back on a request error', async () => {
    const a = createScriptedModel({
      repeat: true,
      script: [{ error: { code: 'INVALID_REQUEST', message: 'bad tool schema' } }],
    });
    const b = createScriptedModel({ script: [{ text: 'never' }] });
    const { router, delays } = routerWith({ models: { a, b }, fallbacks: { a: ['b'] } });
    const error = await failure(router.chat('a', request));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(delays).toEqual([]);
  });

  it('waits at least retryAfterMs, capped by maxRetryAfterMs', async () => {
    const model = createScriptedModel({
      script: [rateLimited(2_000), rateLimited(90_000), rateLimited(10), { text: 'ok' }],
    });
    const { router, delays } = routerWith({
      models: { a: model },
      retry: { maxRetries: 3, jitter: false, maxRetryAfterMs: 5_000 },
    });
    await router.chat('a', request);
    // 2 000 beats the 500 backoff; 90 000 is capped at 5 000; 10 loses to the 2 000 backoff.
    expect(delays).toEqual([2_000, 5_000, 2_000]);
  });

  it('caps the exponential backoff at maxDelayMs', async () => {
    const model = createScriptedModel({ repeat: true, script: [unavailable] });
    const { router, delays } = routerWith({
      models: { a: model },
      cooldown: false,
      retry: { maxRetries: 5, jitter: false, initialDelayMs: 100, maxDelayMs: 700, factor: 3 },
    });
    await failure(router.chat('a', request));
    expect(delays).toEqual([100, 300, 700, 700, 700]);
  });

  it('jitters in full: the delay is within [0, backoff) for any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 60_000 }),
        (retryIndex, randomValue, initialDelayMs) => {
          const options = { ...defaultRetryOptions, initialDelayMs };
          const backoff = Math.min(options.maxDelayMs, initialDelayMs * 2 ** retryIndex);
          const delay = computeRetryDelay(retryIndex, options, () => randomValue);
          return delay >= 0 && delay < backoff && Number.isInteger(delay);
        },
      ),
    );
    // The extremes of the random source map to the extremes of the range.
    expect(computeRetryDelay(1, defaultRetryOptions, () => 0)).toBe(0);
    expect(computeRetryDelay(1, defaultRetryOptions, () => 0.9999)).toBe(999);
  });

  it('passes jittered delays to the sleep', async () => {
    const model = createScriptedModel({ repeat: true, script: [unavailable] });
    const values = [0.25, 0.75];
    const { router, delays } = routerWith({
      models: { a: model },
      random: () => values.shift() ?? 0,
    });
    await failure(router.chat('a', request));
    expect(delays).toEqual([125, 750]);
  });

  it('times out each attempt, retries, and falls back', async () => {
    const slow = createScriptedModel({
      repeat: true,
      script: [{ text: 'late', chunkDelayMs: 5_000 }],
    });
    const fast = createScriptedModel({ script: [{ text: 'fast' }] });
    const { router, delays } = routerWith({
      models: { slow, fast },
      fallbacks: { slow: ['fast'] },
      timeoutMs: 30,
      retry: { maxRetries: 1 },
    });
    const started = performance.now();
    const response = await router.chat('slow', request);
    expect(response.text).toBe('fast');
    expect(slow.calls).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('throws TIMEOUT with the attempts when no fallback is left', async () => {
    const slow = createScriptedModel({
      repeat: true,
      script: [{ text: 'late', chunkDelayMs: 5_000 }],
    });
    const { router } = routerWith({ models: { slow }, timeoutMs: 20, retry: { maxRetries: 0 } });
    const error = await failure(router.chat('slow', request));
    expect(error.code).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.details?.attempts).toEqual([{ model: 'slow', attempt: 1, code: 'TIMEOUT' }]);
  });
});

describe('createRouter: fallbacks', () => {
  it('tries the chain in order, after the retries of each model', async () => {
    const a = createScriptedModel({
      repeat: true,
      script: [{ error: { code: 'AUTH_FAILED', message: 'bad key' } }],
    });
    const b = createScriptedModel({ repeat: true, script: [unavailable] });
    const c = createScriptedModel({ script: [{ text: 'from c' }] });
    const fallbacks: string[] = [];
    const { router } = routerWith({
      models: { a, b, c },
      fallbacks: { a: ['b', 'c'] },
      onFallback: (event) => fallbacks.push(`${event.from}->${event.to}:${event.error.code}`),
    });
    const response = await router.chat('a', request);
    expect(response.text).toBe('from c');
    // AUTH_FAILED is not retryable: one attempt; b gets its 1 + 2 retries.
    expect([a.calls.length, b.calls.length, c.calls.length]).toEqual([1, 3, 1]);
    expect(fallbacks).toEqual(['a->b:AUTH_FAILED', 'b->c:PROVIDER_UNAVAILABLE']);
  });

  it('falls back on MODEL_LOAD_FAILED (a corrupt local model) without retrying it', async () => {
    const a = createScriptedModel({
      repeat: true,
      script: [{ error: { code: 'MODEL_LOAD_FAILED', message: 'corrupt model.onnx' } }],
    });
    const b = createScriptedModel({ script: [{ text: 'b' }] });
    const { router } = routerWith({ models: { a, b }, fallbacks: { a: ['b'] } });
    expect((await router.chat('a', request)).text).toBe('b');
    expect(a.calls).toHaveLength(1);
  });

  it('takes a per-call chain over the configured one', async () => {
    const a = createScriptedModel({
      repeat: true,
      script: [{ error: { code: 'MODEL_NOT_FOUND', message: 'gone' } }],
    });
    const b = createScriptedModel({ script: [{ text: 'b' }] });
    const c = createScriptedModel({ script: [{ text: 'c' }] });
    const { router } = routerWith({ models: { a, b, c }, fallbacks: { a: ['b'] } });
    expect((await router.chat('a', request, { fallbacks: ['c'] })).text).toBe('c');
    expect(b.calls).toHaveLength(0);
  });

  it('throws the last error with every attempt when the whole chain fails', async () => {
    const a = createScriptedModel({ repeat: true, script: [rateLimited()] });
    const b = createScriptedModel({
      repeat: true,
      script: [{ error: { code: 'GENERATION_FAILED', message: 'x' } }],
    });
    const { router } = routerWith({
      models: { a, b },
      fallbacks: { a: ['b'] },
      retry: { maxRetries: 1, jitter: false },
    });
    const error = await failure(router.chat('a', request));
    expect(error.code).toBe('GENERATION_FAILED');
    expect(error.details?.attempts).toEqual([
      { model: 'a', attempt: 1, code: 'RATE_LIMITED', delayMs: 500 },
      { model: 'a', attempt: 2, code: 'RATE_LIMITED' },
      { model: 'b', attempt: 3, code: 'GENERATION_FAILED' },
    ]);
  });
});

describe('createRouter: cooldown', () => {
  it('skips a model that keeps failing, then tries it again after the cooldown', async () => {
    let time = 1_000;
    const a = createScriptedModel({
      script: [unavailable, unavailable, { text: 'a is back' }, { text: 'a again' }],
    });
    const b = createScriptedModel({ repeat: true, script: [{ text: 'b' }] });
    const fallbacks: string[] = [];
    const { router } = routerWith({
      models: { a, b },
      fallbacks: { a: ['b'] },
      retry: { maxRetries: 0 },
      cooldown: { failureThreshold: 2, durationMs: 10_000 },
      now: () => time,
      onFallback: (event) => fallbacks.push(`${event.from}->${event.to}:${event.error.code}`),
    });
    expect((await router.chat('a', request)).text).toBe('b'); // a fails once
    expect((await router.chat('a', request)).text).toBe('b'); // a fails twice: cooldown
    expect((await router.chat('a', request)).text).toBe('b'); // a skipped
    expect(a.calls).toHaveLength(2);
    time += 9_999;
    expect((await router.chat('a', request)).text).toBe('b'); // still cooling down
    expect(a.calls).toHaveLength(2);
    time += 1;
    expect((await router.chat('a', request)).text).toBe('a is back'); // trial attempt succeeds
    expect((await router.chat('a', request)).text).toBe('a again');
    expect(a.calls).toHaveLength(4);
    expect(fallbacks[2]).toBe('a->b:PROVIDER_UNAVAILABLE');
  });

  it('re-opens at once when the trial attempt fails, and reports the skip', async () => {
    let time = 0;
    const a = createScriptedModel({ repeat: true, script: [unavailable] });
    const { router } = routerWith({
      models: { a },
      retry: { maxRetries: 5 },
      cooldown: { failureThreshold: 2, durationMs: 100 },
      now: () => time,
    });
    // The cooldown stops the retries early: 2 attempts, not 6.
    await failure(router.chat('a', request));
    expect(a.calls).toHaveLength(2);
    const skipped = await failure(router.chat('a', request));
    expect(skipped.code).toBe('PROVIDER_UNAVAILABLE');
    expect(skipped.retryAfterMs).toBe(100);
    expect(skipped.details?.attempts).toEqual([
      { model: 'a', attempt: 0, code: 'PROVIDER_UNAVAILABLE', skipped: 'cooldown' },
    ]);
    time = 100;
    await failure(router.chat('a', request));
    expect(a.calls).toHaveLength(3); // one trial, then open again
    time = 150;
    await failure(router.chat('a', request));
    expect(a.calls).toHaveLength(3);
  });
});

describe('createRouter: streams', () => {
  it('falls back when a stream fails before its first event; the caller sees only the fallback', async () => {
    const a = createScriptedModel({ repeat: true, script: [unavailable] });
    const b = createScriptedModel({ script: [{ text: ['from', ' b'] }] });
    const { router } = routerWith({ models: { a, b }, fallbacks: { a: ['b'] } });
    expect(await texts(router.stream('a', request))).toEqual(['from', ' b']);
    expect(a.calls).toHaveLength(3);
  });

  it('never falls back after the first event: the error propagates, output is not duplicated', async () => {
    const a = createScriptedModel({
      script: [{ text: ['partial'], error: { code: 'PROVIDER_UNAVAILABLE', message: 'dropped' } }],
    });
    const b = createScriptedModel({ script: [{ text: 'from b' }] });
    const { router, delays } = routerWith({ models: { a, b }, fallbacks: { a: ['b'] } });
    const seen: string[] = [];
    const consume = async () => {
      for await (const event of router.stream('a', request))
        if (event.type === 'text-delta') seen.push(event.text);
    };
    await expect(consume()).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(seen).toEqual(['partial']);
    expect(b.calls).toHaveLength(0);
    expect(delays).toEqual([]);
  });

  it('gives the final response of the model that served, without iteration', async () => {
    const a = createScriptedModel({
      modelId: 'a-id',
      script: [rateLimited(), { text: ['x', 'y'] }],
    });
    const { router } = routerWith({ models: { a } });
    const response = await router.stream('a', request).finalResponse();
    expect(response).toMatchObject({ text: 'xy', modelId: 'a-id' });
  });

  it('closes the model stream when the consumer stops early', async () => {
    const a = createScriptedModel({ script: [{ text: ['1', '2', '3'] }] });
    const usage: UsageEvent[] = [];
    const { router } = routerWith({
      models: { a },
      hooks: { onUsage: (event) => usage.push(event) },
    });
    const stream = router.stream('a', request);
    for await (const _ of stream) break;
    await expect(stream.finalResponse()).rejects.toMatchObject({ code: 'ABORTED' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(usage.map((event) => event.errorCode)).toEqual(['ABORTED']);
  });

  it('rejects a second iteration of the same stream', async () => {
    const { router } = routerWith({
      models: { a: createScriptedModel({ script: [{ text: 'x' }] }) },
    });
    const stream = router.stream('a', request);
    await texts(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('aborts mid-stream with ABORTED and no further attempt', async () => {
    const a = createScriptedModel({
      repeat: true,
      script: [{ text: ['1', '2', '3'], chunkDelayMs: 5 }],
    });
    const { router } = routerWith({ models: { a } });
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = async () => {
      for await (const event of router.stream('a', request, { signal: controller.signal })) {
        if (event.type === 'text-delta') seen.push(event.text);
        controller.abort();
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toEqual(['1']);
    expect(a.calls).toHaveLength(1);
  });

  it('times out a stream that never starts, then retries', async () => {
    const a = createScriptedModel({
      script: [{ text: 'late', chunkDelayMs: 5_000 }, { text: ['on', 'time'] }],
    });
    const { router } = routerWith({ models: { a }, timeoutMs: 30 });
    expect(await texts(router.stream('a', request))).toEqual(['on', 'time']);
    expect(a.calls).toHaveLength(2);
  });
});

describe('createRouter: abort', () => {
  it('rejects ABORTED promptly during a backoff sleep, with no further attempt', async () => {
    const a = createScriptedModel({ repeat: true, script: [unavailable] });
    // The real sleep, with a long backoff: only the abort can end it early.
    const router = createRouter({
      models: { a },
      sleep,
      retry: { initialDelayMs: 60_000, jitter: false },
    });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    const error = await failure(router.chat('a', request, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(a.calls).toHaveLength(1);
  });

  it('aborts promptly even when an injected sleep ignores the signal', async () => {
    const a = createScriptedModel({ repeat: true, script: [unavailable] });
    const router = createRouter({ models: { a }, sleep: () => new Promise(() => {}) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    expect((await failure(router.chat('a', request, { signal: controller.signal }))).code).toBe(
      'ABORTED',
    );
    expect(a.calls).toHaveLength(1);
  });

  it('does not start when the signal has already fired', async () => {
    const a = createScriptedModel({ script: [{ text: 'x' }] });
    const { router } = routerWith({ models: { a } });
    const error = await failure(router.chat('a', request, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
    expect(a.calls).toHaveLength(0);
  });
});

describe('createRouter: hooks and views', () => {
  it('emits hooks once per attempt, with the attempt number and model name', async () => {
    const a = createScriptedModel({ provider: 'pa', script: [unavailable] });
    const b = createScriptedModel({ provider: 'pb', script: [{ text: ['o', 'k'] }] });
    const usage: UsageEvent[] = [];
    const requests: Array<{ modelName?: string; attempt?: number }> = [];
    const { router } = routerWith({
      models: { a, b },
      fallbacks: { a: ['b'] },
      retry: { maxRetries: 0 },
      hooks: [
        {
          onRequest: (event) => requests.push(event),
          onUsage: (event) => usage.push(event),
        },
        {
          onUsage: () => {
            throw new Error('broken analytics');
          },
        },
      ],
    });
    const streamed = await texts(router.stream('a', request, { sessionId: 's', tags: ['t'] }));
    expect(streamed).toEqual(['o', 'k']);
    expect(requests.map((event) => [event.modelName, event.attempt])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(usage.map((event) => [event.provider, event.attempt, event.errorCode])).toEqual([
      ['pa', 1, 'PROVIDER_UNAVAILABLE'],
      ['pb', 2, undefined],
    ]);
    expect(usage.every((event) => event.sessionId === 's' && event.streamed)).toBe(true);
  });

  it('exposes a model view that routes through the router', async () => {
    const a = createScriptedModel({
      capabilities: { streaming: true, tools: false, contextLength: 4096 },
      script: [rateLimited(), { text: 'via view' }],
    });
    const { router, delays } = routerWith({ models: { a } });
    const view = router.model('a');
    expect(view).toMatchObject({ provider: 'router', modelId: 'a' });
    expect((await view.chat(request)).text).toBe('via view');
    expect(delays).toHaveLength(1);
    expect(view.capabilities.contextLength).toBe(4096);
  });
});
