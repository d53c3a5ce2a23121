import { describe, expect, it } from 'vitest';
import { withHooks } from './hooks';
import type { ModelHooks, UsageEvent } from './hooks-types';
import { usageEventSchema } from './schemas/usage-event';
import type { ChatRequest } from './messages';
import { createScriptedModel } from './testing/index';

const request: ChatRequest = { messages: [{ role: 'user', content: 'What is the weather?' }] };

/** Hooks that record every call, in order, as `[hookName, event]`. */
function recorder() {
  const log: Array<[string, unknown]> = [];
  const hooks: Required<ModelHooks> = {
    onRequest: (event) => log.push(['onRequest', event]),
    onFirstToken: (event) => log.push(['onFirstToken', event]),
    onResponse: (event) => log.push(['onResponse', event]),
    onError: (event) => log.push(['onError', event]),
    onUsage: (event) => log.push(['onUsage', event]),
  };
  const names = () => log.map(([name]) => name);
  const usage = () =>
    log.filter(([name]) => name === 'onUsage').map(([, event]) => event as UsageEvent);
  return { log, hooks, names, usage };
}

describe('withHooks', () => {
  it('emits each event once for a successful chat, with consistent fields', async () => {
    const model = createScriptedModel({
      provider: 'p',
      modelId: 'm',
      script: [{ text: 'Sunny', usage: { inputTokens: 11, outputTokens: 2 } }],
    });
    const record = recorder();
    const observed = withHooks(model, record.hooks, {
      sessionId: 's1',
      tags: ['a'],
      modelName: 'assistant',
    });
    expect(observed).toMatchObject({ provider: 'p', modelId: 'm' });
    const response = await observed.chat(request);
    expect(response.text).toBe('Sunny');
    expect(record.names()).toEqual(['onRequest', 'onFirstToken', 'onResponse', 'onUsage']);
    const [start, first, done, usage] = record.log.map(([, event]) => event) as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      UsageEvent,
    ];
    expect(start).toMatchObject({
      provider: 'p',
      modelId: 'm',
      modelName: 'assistant',
      streamed: false,
      messageCount: 1,
      toolCount: 0,
      sessionId: 's1',
      tags: ['a'],
    });
    expect(first.requestId).toBe(start.requestId);
    expect(done).toEqual({ requestId: start.requestId, response });
    expect(usageEventSchema.parse(usage)).toEqual(usage);
    expect(usage).toMatchObject({
      requestId: start.requestId,
      startedAt: start.startedAt,
      inputTokens: 11,
      outputTokens: 2,
      estimated: false,
      finishReason: 'stop',
      streamed: false,
      modelName: 'assistant',
      sessionId: 's1',
      tags: ['a'],
    });
    expect(usage.errorCode).toBeUndefined();
    expect(usage.totalMs).toBeGreaterThanOrEqual(0);
  });

  it("carries the provider's cached input tokens into the usage event, chat and stream", async () => {
    const model = createScriptedModel({
      repeat: true,
      script: [{ text: 'x', usage: { inputTokens: 900, outputTokens: 3, cachedInputTokens: 850 } }],
    });
    const record = recorder();
    const observed = withHooks(model, record.hooks);
    await observed.chat(request);
    await observed.stream(request).finalResponse();
    expect(record.usage().map((event) => event.cachedInputTokens)).toEqual([850, 850]);
    expect(record.usage().map((event) => usageEventSchema.parse(event))).toEqual(record.usage());
  });

  it('gives every request its own id', async () => {
    const model = createScriptedModel({ repeat: true, script: [{ text: 'x' }] });
    const record = recorder();
    const observed = withHooks(model, record.hooks);
    await observed.chat(request);
    await observed.chat(request);
    const ids = record.usage().map((event) => event.requestId);
    expect(new Set(ids).size).toBe(2);
  });

  it('emits onFirstToken when the first delta arrives in a stream, and usage at the end', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b', 'c'] }] });
    const record = recorder();
    const observed = withHooks(model, record.hooks);
    for await (const event of observed.stream(request)) record.log.push([event.type, event]);
    expect(record.names()).toEqual([
      'onRequest',
      'onFirstToken',
      'text-delta',
      'text-delta',
      'text-delta',
      'finish',
      'onResponse',
      'onUsage',
    ]);
    const [usage] = record.usage();
    expect(usage).toMatchObject({ streamed: true, estimated: true, finishReason: 'stop' });
    expect(usage!.outputTokens).toBeGreaterThan(0);
    expect(usage!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(usage!.timeToFirstTokenMs!).toBeLessThanOrEqual(usage!.totalMs);
  });

  it('reports a failed chat once, with an estimated prompt and the error code', async () => {
    const model = createScriptedModel({
      script: [{ error: { code: 'RATE_LIMITED', message: 'slow down' } }],
    });
    const record = recorder();
    await expect(withHooks(model, record.hooks).chat(request)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(record.names()).toEqual(['onRequest', 'onError', 'onUsage']);
    const error = record.log[1]![1] as { error: { code: string } };
    expect(error.error.code).toBe('RATE_LIMITED');
    const [usage] = record.usage();
    expect(usage).toMatchObject({ errorCode: 'RATE_LIMITED', estimated: true, outputTokens: 0 });
    expect(usage!.inputTokens).toBeGreaterThan(0);
    expect(usage!.finishReason).toBeUndefined();
  });

  it('reports a stream that fails mid-way once, counting the output streamed so far', async () => {
    const model = createScriptedModel({
      script: [{ text: ['abcdefgh', 'ijkl'], error: { code: 'GENERATION_FAILED', message: 'x' } }],
    });
    const record = recorder();
    const consume = async () => {
      for await (const _ of withHooks(model, record.hooks).stream(request)) {
        // consume
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'GENERATION_FAILED' });
    expect(record.names()).toEqual(['onRequest', 'onFirstToken', 'onError', 'onUsage']);
    expect(record.usage()[0]).toMatchObject({ errorCode: 'GENERATION_FAILED', outputTokens: 3 });
  });

  it('fires once through finalResponse() without iteration', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b'] }] });
    const record = recorder();
    const response = await withHooks(model, record.hooks).stream(request).finalResponse();
    expect(response.text).toBe('ab');
    expect(record.names()).toEqual(['onRequest', 'onFirstToken', 'onResponse', 'onUsage']);
  });

  it('reports a stream the consumer leaves early as aborted, once', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b', 'c'] }] });
    const record = recorder();
    for await (const _ of withHooks(model, record.hooks).stream(request)) break;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(record.names()).toEqual(['onRequest', 'onFirstToken', 'onError', 'onUsage']);
    expect(record.usage()[0]!.errorCode).toBe('ABORTED');
  });

  it('reports an aborted stream as ABORTED', async () => {
    const model = createScriptedModel({ script: [{ text: ['a', 'b', 'c'], chunkDelayMs: 5 }] });
    const record = recorder();
    const controller = new AbortController();
    const consume = async () => {
      const stream = withHooks(model, record.hooks).stream(request, { signal: controller.signal });
      for await (const _ of stream) controller.abort();
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(record.usage()).toHaveLength(1);
    expect(record.usage()[0]!.errorCode).toBe('ABORTED');
  });

  it('reports a request rejected synchronously by validation', () => {
    const model = createScriptedModel({ script: [{ text: 'never' }] });
    const record = recorder();
    const invalid = { messages: [] } as unknown as ChatRequest;
    expect(() => withHooks(model, record.hooks).stream(invalid)).toThrow(/at least one message/);
    expect(record.names()).toEqual(['onRequest', 'onError', 'onUsage']);
    expect(record.usage()[0]!.errorCode).toBe('INVALID_REQUEST');
    expect(model.calls).toHaveLength(0);
  });

  it('never lets a throwing hook break a request, and reports its errors', async () => {
    const model = createScriptedModel({ repeat: true, script: [{ text: ['a', 'b'] }] });
    const boom = () => {
      throw new Error('hook bug');
    };
    const throwing: ModelHooks = {
      onRequest: boom,
      onFirstToken: boom,
      onResponse: boom,
      onError: boom,
      onUsage: boom,
    };
    const record = recorder();
    const hookErrors: string[] = [];
    const observed = withHooks(model, [throwing, record.hooks], {
      onHookError: (error, hook) => {
        hookErrors.push(`${hook}:${(error as Error).message}`);
        throw new Error('the reporter fails too');
      },
    });
    expect((await observed.chat(request)).text).toBe('ab');
    expect((await observed.stream(request).finalResponse()).text).toBe('ab');
    // The second hook still saw everything.
    expect(record.usage()).toHaveLength(2);
    expect(hookErrors).toEqual([
      'onRequest:hook bug',
      'onFirstToken:hook bug',
      'onResponse:hook bug',
      'onUsage:hook bug',
      'onRequest:hook bug',
      'onFirstToken:hook bug',
      'onResponse:hook bug',
      'onUsage:hook bug',
    ]);
  });

  it('passes requests straight through when no hook is defined', async () => {
    const model = createScriptedModel({ script: [{ text: 'ok' }] });
    expect((await withHooks(model, []).chat(request)).text).toBe('ok');
  });
});
