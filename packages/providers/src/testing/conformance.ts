/**
 * The shared conformance suite every provider adapter runs (`describeProviderConformance`).
 *
 * The suite does not know how a backend works. It describes what the backend must do in each
 * test as a {@link ConformanceScenario} (plain data), and the adapter's test harness makes its
 * backend produce exactly that: a local HTTP server speaking the provider's wire format for
 * remote adapters, a scripted generator for local ones. The suite then checks what the adapter
 * turned it into: text order, tool calls, finish reasons, usage, typed errors and abort.
 *
 * Not a published entry point: tests import it by relative path.
 */
import {
  type ChatModel,
  type ChatRequest,
  type ChatStreamEvent,
  type ErrorCode,
  TinyLLMError,
  type ToolDefinition,
} from '@tinyllm/core';
import { describe, expect, it } from 'vitest';

/** Token counts the backend reports for a scenario (adapters that cannot report them estimate). */
export interface ScenarioUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * What the backend must do for one request. The harness serves scenarios in order: the first
 * request of a test gets `script[0]`, the second `script[1]`, and so on.
 */
export type ConformanceScenario =
  /** Stream `chunks` as separate text pieces, then finish with `finishReason` and `usage`. */
  | {
      kind: 'text';
      chunks: string[];
      finishReason: 'stop' | 'length';
      usage: ScenarioUsage;
    }
  /** Answer with one tool call (native tool-call format of the backend). */
  | {
      kind: 'tool-call';
      toolCall: { id: string; name: string; arguments: Record<string, unknown> };
      usage: ScenarioUsage;
    }
  /**
   * Stream `chunk` every `intervalMs` milliseconds and never finish: the test aborts it. The
   * harness must resolve `hooks.connectionClosed()` when the request goes away.
   */
  | { kind: 'endless'; chunk: string; intervalMs: number }
  /** Fail with an HTTP status (remote adapters) and an error body in the provider's format. */
  | { kind: 'http-error'; status: number; message: string; retryAfterSeconds?: number }
  /** Fail the way the backend reports a prompt longer than the context window. */
  | { kind: 'context-overflow' }
  /** Stream `chunks`, then drop the connection (or crash generation) without finishing. */
  | { kind: 'drop'; chunks: string[] };

/** Identifiers of the suite's tests, used to skip one with a reason. */
export type ConformanceTestId =
  | 'chat'
  | 'stream'
  | 'tool-round-trip'
  | 'abort'
  | 'http-errors'
  | 'context-overflow'
  | 'dropped-stream'
  | 'usage-and-finish';

/** Options of {@link describeProviderConformance}. */
export interface ProviderConformanceOptions {
  /** Suite title, e.g. `ollama`. */
  name: string;
  /**
   * Creates a fresh model for one test whose backend will serve `script`, one scenario per
   * request, in order.
   */
  createModel(script: ConformanceScenario[]): ChatModel | Promise<ChatModel>;
  /** Backend-side observations the suite asserts on. */
  hooks: {
    /**
     * Resolves with `performance.now()` at the moment the backend saw the current `endless`
     * request go away (connection closed for HTTP; generation stopped for local models).
     */
    connectionClosed(): Promise<number>;
    /**
     * The last request as the backend received it, serialized (HTTP body, or rendered prompt
     * for local models). Used to check that tool calls and tool results were sent.
     */
    lastRequest(): string | Promise<string>;
  };
  /** Whether the backend reports exact token usage (otherwise the suite expects `estimated`). */
  reportsUsage: boolean;
  /**
   * Whether the backend follows the script exactly (default true). A real local model cannot:
   * with `false`, the suite checks structure instead of exact text (non-empty answers, deltas
   * that add up to the final text, a tool call of the right shape, `length` under a tiny
   * `maxOutputTokens`), and `endless` means "a long generation".
   */
  scripted?: boolean;
  /**
   * Expected error code per HTTP status, where the provider's meaning differs from the default
   * (401/403 AUTH_FAILED, 404 MODEL_NOT_FOUND, 429 RATE_LIMITED, 503 MODEL_LOADING,
   * 500 PROVIDER_UNAVAILABLE, 400 INVALID_REQUEST).
   */
  expectedErrorCodes?: Partial<Record<number, ErrorCode>>;
  /** Codes accepted for a dropped stream (default PROVIDER_UNAVAILABLE or GENERATION_FAILED). */
  droppedStreamCodes?: ErrorCode[];
  /** Tests this adapter cannot run, each with the reason (a skip without a reason is a defect). */
  skip?: Partial<Record<ConformanceTestId, string>>;
  /** Largest allowed delay between `abort()` and the backend seeing it, in ms (default 100). */
  abortDeadlineMs?: number;
}

const defaultErrorCodes: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'AUTH_FAILED',
  403: 'AUTH_FAILED',
  404: 'MODEL_NOT_FOUND',
  429: 'RATE_LIMITED',
  500: 'PROVIDER_UNAVAILABLE',
  503: 'MODEL_LOADING',
};

const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

const userRequest = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content }],
  ...extra,
});

async function collect(
  model: ChatModel,
  request: ChatRequest,
  signal?: AbortSignal,
): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of model.stream(request, signal ? { signal } : {})) events.push(event);
  return events;
}

async function captureError(run: () => Promise<unknown>): Promise<TinyLLMError> {
  try {
    await run();
  } catch (error) {
    expect(TinyLLMError.isInstance(error), `expected a TinyLLMError, got ${String(error)}`).toBe(
      true,
    );
    return error as TinyLLMError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * Registers the shared provider conformance tests for one adapter.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   name: 'ollama',
 *   createModel: (script) => { server.script(script); return createOllama({ baseURL: server.url })('qwen3:0.6b'); },
 *   hooks: { connectionClosed: () => server.connectionClosed(), lastRequest: () => server.lastBody() },
 *   reportsUsage: true,
 * });
 * ```
 */
export function describeProviderConformance(options: ProviderConformanceOptions): void {
  const { createModel, hooks } = options;
  const skip = options.skip ?? {};
  const errorCodes = { ...defaultErrorCodes, ...options.expectedErrorCodes };
  const abortDeadlineMs = options.abortDeadlineMs ?? 100;
  const scripted = options.scripted ?? true;

  // A skipped test shows its reason in the test name, so a skip is never silent.
  const test = (id: ConformanceTestId, title: string, body: () => Promise<void>): void => {
    const reason = skip[id];
    if (reason !== undefined) {
      if (reason.trim().length === 0) throw new Error(`skip of "${id}" needs a reason`);
      it.skip(`${title} (skipped: ${reason})`, body);
    } else it(title, body);
  };

  describe(`provider conformance: ${options.name}`, () => {
    test(
      'chat',
      'chat() returns the whole text, the finish reason and the model identity',
      async () => {
        const model = await createModel([
          {
            kind: 'text',
            chunks: ['Hello', ', ', 'world', '!'],
            finishReason: 'stop',
            usage: { inputTokens: 11, outputTokens: 4 },
          },
        ]);
        const response = await model.chat(userRequest('Say hello', { maxOutputTokens: 32 }));
        if (scripted) {
          expect(response.text).toBe('Hello, world!');
          expect(response.finishReason).toBe('stop');
          expect(response.toolCalls).toEqual([]);
        } else {
          expect(response.text.length + response.toolCalls.length).toBeGreaterThan(0);
          expect(['stop', 'length']).toContain(response.finishReason);
        }
        expect(response.provider).toBe(model.provider);
        expect(response.modelId).toBe(model.modelId);
        expect(response.timings.totalMs).toBeGreaterThanOrEqual(0);
        expect(await hooks.lastRequest()).toContain('Say hello');
      },
    );

    test(
      'stream',
      'stream() yields text deltas in order and ends with exactly one finish',
      async () => {
        const chunks = [
          'The',
          ' quick',
          ' brown',
          ' fox',
          ' jumps',
          ' over',
          ' the',
          ' lazy',
          ' dog.',
        ];
        const model = await createModel([
          {
            kind: 'text',
            chunks,
            finishReason: 'stop',
            usage: { inputTokens: 9, outputTokens: 9 },
          },
        ]);
        const stream = model.stream(userRequest('Tell me about foxes', { maxOutputTokens: 24 }));
        const events: ChatStreamEvent[] = [];
        for await (const event of stream) events.push(event);
        const deltas = events.filter((event) => event.type === 'text-delta').map((e) => e.text);
        if (scripted) expect(deltas.join('')).toBe(chunks.join(''));
        expect(deltas.join('')).toBe((await stream.finalResponse()).text);
        // Streaming means more than one delta: the adapter must not buffer the whole answer.
        expect(deltas.length).toBeGreaterThan(1);
        const finishes = events.filter((event) => event.type === 'finish');
        expect(finishes).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('finish');
        const finish = events.at(-1);
        if (finish?.type === 'finish') {
          expect(finish.timings.timeToFirstTokenMs).toBeDefined();
          expect(finish.timings.timeToFirstTokenMs!).toBeLessThanOrEqual(finish.timings.totalMs);
        }
      },
    );

    test('tool-round-trip', 'tool round trip: tool call → tool result → answer', async () => {
      const call = { id: 'call_conformance_1', name: 'get_weather', arguments: { city: 'Paris' } };
      const model = await createModel([
        { kind: 'tool-call', toolCall: call, usage: { inputTokens: 40, outputTokens: 12 } },
        {
          kind: 'text',
          chunks: ['It is ', '21°C in Paris.'],
          finishReason: 'stop',
          usage: { inputTokens: 60, outputTokens: 8 },
        },
      ]);
      const first = await model.chat(
        userRequest('Weather in Paris?', { tools: [weatherTool], toolChoice: 'auto' }),
      );
      expect(first.finishReason).toBe('tool-calls');
      expect(first.toolCalls).toHaveLength(1);
      const toolCall = first.toolCalls[0]!;
      expect(toolCall.name).toBe('get_weather');
      if (scripted) expect(toolCall.arguments).toEqual({ city: 'Paris' });
      else expect(typeof toolCall.arguments['city']).toBe('string');
      expect(toolCall.id.length).toBeGreaterThan(0);
      const firstRequest = await hooks.lastRequest();
      expect(firstRequest).toContain('get_weather');

      const resultMarker = 'tool-result-marker-7f3a';
      const second = await model.chat({
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
          {
            role: 'tool',
            toolCallId: toolCall.id,
            toolName: 'get_weather',
            content: JSON.stringify({ temperatureC: 21, note: resultMarker }),
          },
        ],
        tools: [weatherTool],
      });
      if (scripted) {
        expect(second.text).toBe('It is 21°C in Paris.');
        expect(second.finishReason).toBe('stop');
      } else expect(second.text.length).toBeGreaterThan(0);
      const secondRequest = await hooks.lastRequest();
      expect(secondRequest).toContain(resultMarker);
      expect(secondRequest).toContain('Paris');
    });

    test('abort', 'abort mid-stream ends with ABORTED and the backend stops promptly', async () => {
      const endless: ConformanceScenario = { kind: 'endless', chunk: 'tick ', intervalMs: 10 };
      const model = await createModel([endless, endless]);
      const abortOnce = async (): Promise<{ settleMs: number; closeMs: number }> => {
        const controller = new AbortController();
        const closed = hooks.connectionClosed();
        let abortedAt = 0;
        let deltas = 0;
        const error = await captureError(async () => {
          const request = userRequest('Count from one to one thousand, in words.', {
            maxOutputTokens: 2048,
          });
          for await (const event of model.stream(request, { signal: controller.signal })) {
            if (event.type === 'text-delta') {
              deltas++;
              if (deltas === 2) {
                abortedAt = performance.now();
                controller.abort();
              }
            }
          }
        });
        const settledAt = performance.now();
        expect(error.code).toBe('ABORTED');
        expect(deltas).toBe(2);
        // A backend that never sees the abort counts as infinitely late (after a bounded wait).
        const closedAt = await Promise.race([
          closed,
          new Promise<number>((resolve) =>
            setTimeout(() => resolve(Number.POSITIVE_INFINITY), 2_000),
          ),
        ]);
        return { settleMs: settledAt - abortedAt, closeMs: closedAt - abortedAt };
      };
      // A loaded machine can miss the deadline once through scheduling alone; an adapter that
      // does not close its request misses it every time. So: best of two attempts.
      const attempts = [await abortOnce()];
      const inTime = (attempt: { settleMs: number; closeMs: number }): boolean =>
        attempt.settleMs < abortDeadlineMs && attempt.closeMs < abortDeadlineMs;
      if (!inTime(attempts[0]!)) attempts.push(await abortOnce());
      expect(attempts.some(inTime), `abort timings (ms): ${JSON.stringify(attempts)}`).toBe(true);
    });

    test('http-errors', 'HTTP failures become typed errors with the right code', async () => {
      const statuses = [400, 401, 403, 404, 429, 500, 503];
      const script: ConformanceScenario[] = statuses.map((status) => ({
        kind: 'http-error',
        status,
        message: `failure ${status}`,
        ...(status === 429 ? { retryAfterSeconds: 7 } : {}),
      }));
      const model = await createModel(script);
      for (const status of statuses) {
        const error = await captureError(() => model.chat(userRequest(`status ${status}`)));
        expect({ status, code: error.code }).toEqual({ status, code: errorCodes[status] });
        if (status === 429) {
          expect(error.retryable).toBe(true);
          expect(error.retryAfterMs).toBe(7000);
        }
        if (status === 401 || status === 403 || status === 400 || status === 404) {
          expect(error.retryable).toBe(false);
        }
        expect(error.provider).toBe(model.provider);
      }
    });

    test(
      'context-overflow',
      'a prompt over the context window is CONTEXT_LENGTH_EXCEEDED',
      async () => {
        const model = await createModel([{ kind: 'context-overflow' }]);
        const error = await captureError(() => model.chat(userRequest('a very long prompt')));
        expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
        expect(error.retryable).toBe(false);
      },
    );

    test(
      'dropped-stream',
      'a stream dropped mid-way fails with a typed error, no hang',
      async () => {
        const model = await createModel([{ kind: 'drop', chunks: ['partial ', 'answer '] }]);
        const seen: string[] = [];
        const error = await captureError(async () => {
          for await (const event of model.stream(userRequest('Say something'))) {
            if (event.type === 'text-delta') seen.push(event.text);
          }
        });
        expect(
          options.droppedStreamCodes ?? ['PROVIDER_UNAVAILABLE', 'GENERATION_FAILED'],
        ).toContain(error.code);
        expect(seen.join('')).toBe('partial answer ');
      },
    );

    test('usage-and-finish', 'usage and finish reason are reported (length stop)', async () => {
      const model = await createModel([
        {
          kind: 'text',
          chunks: ['one ', 'two ', 'three'],
          finishReason: 'length',
          usage: { inputTokens: 17, outputTokens: 3 },
        },
      ]);
      const events = await collect(
        model,
        userRequest('Count from one to one hundred.', { maxOutputTokens: 3 }),
      );
      const finish = events.at(-1);
      expect(finish?.type).toBe('finish');
      if (finish?.type !== 'finish') return;
      expect(finish.finishReason).toBe('length');
      if (options.reportsUsage && !scripted) {
        expect(finish.usage.estimated).toBe(false);
        expect(finish.usage.outputTokens).toBeLessThanOrEqual(3);
        expect(finish.usage.inputTokens).toBeGreaterThan(0);
      } else if (options.reportsUsage) {
        expect(finish.usage).toEqual({
          inputTokens: 17,
          outputTokens: 3,
          totalTokens: 20,
          estimated: false,
        });
      } else {
        expect(finish.usage.estimated).toBe(true);
        expect(finish.usage.outputTokens).toBeGreaterThan(0);
      }
      expect(finish.timings.totalMs).toBeGreaterThanOrEqual(0);
    });
  });
}
