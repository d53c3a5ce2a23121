import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import {
  errorFromHttpResponse,
  errorFromTransport,
  parseErrorText,
  parseRetryAfter,
} from './http-errors';

const context = { provider: 'test', modelId: 'm' };
const body = (message: string) => parseErrorText(JSON.stringify({ error: message }));

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '1.5' }))).toBe(1500);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(
      parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now),
    ).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('parseErrorText', () => {
  it('reads OpenAI, TGI, Ollama, FastAPI bodies and plain text', () => {
    expect(parseErrorText('{"error":{"message":"m1","type":"t","code":"c"}}')).toMatchObject({
      message: 'm1',
      type: 't',
      code: 'c',
    });
    expect(parseErrorText('{"error":"m2","error_type":"validation"}')).toMatchObject({
      message: 'm2',
      type: 'validation',
    });
    expect(parseErrorText('{"error":["a","b"]}')).toMatchObject({ message: 'a; b' });
    expect(parseErrorText('{"detail":"m3"}')).toMatchObject({ message: 'm3' });
    expect(parseErrorText('Bad Gateway')).toMatchObject({ message: 'Bad Gateway' });
    expect(parseErrorText('')).toMatchObject({ message: undefined });
  });
});

describe('errorFromHttpResponse', () => {
  it.each([
    [401, 'AUTH_FAILED', false],
    [403, 'AUTH_FAILED', false],
    [404, 'MODEL_NOT_FOUND', false],
    [402, 'RATE_LIMITED', false],
    [429, 'RATE_LIMITED', true],
    [503, 'MODEL_LOADING', true],
    [502, 'PROVIDER_UNAVAILABLE', true],
    [504, 'TIMEOUT', true],
    [422, 'INVALID_REQUEST', false],
    [418, 'INVALID_REQUEST', false],
  ] as const)('HTTP %i → %s (retryable %s)', (status, code, retryable) => {
    const error = errorFromHttpResponse({ ...context, status, body: body('x') });
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
  });

  it('recognises context overflow in the wording of vLLM, llama.cpp, TGI and OpenAI', () => {
    for (const message of [
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens",
      'the request exceeds the available context size, try increasing it',
      'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000',
      'prompt is too long: 5000 tokens > 4096 maximum',
    ]) {
      expect(errorFromHttpResponse({ ...context, status: 400, body: body(message) }).code).toBe(
        'CONTEXT_LENGTH_EXCEEDED',
      );
    }
    const coded = parseErrorText(
      '{"error":{"message":"too big","code":"context_length_exceeded"}}',
    );
    expect(errorFromHttpResponse({ ...context, status: 400, body: coded }).code).toBe(
      'CONTEXT_LENGTH_EXCEEDED',
    );
    expect(
      errorFromHttpResponse({ ...context, status: 400, body: body('bad temperature') }).code,
    ).toBe('INVALID_REQUEST');
  });

  it('uses Retry-After, else HF estimated_time, and per-provider status overrides', () => {
    const headers = new Headers({ 'retry-after': '2' });
    expect(
      errorFromHttpResponse({ ...context, status: 429, body: body('x'), headers }).retryAfterMs,
    ).toBe(2000);
    const loading = parseErrorText('{"error":"loading","estimated_time":3.2}');
    expect(errorFromHttpResponse({ ...context, status: 503, body: loading }).retryAfterMs).toBe(
      3200,
    );
    const busy = errorFromHttpResponse({
      ...context,
      status: 503,
      body: body('busy'),
      statusCodes: { 503: 'PROVIDER_UNAVAILABLE' },
    });
    expect(busy.code).toBe('PROVIDER_UNAVAILABLE');
  });
});

describe('errorFromTransport', () => {
  it('maps refused and dropped connections, aborts, and keeps tinyllm errors', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(errorFromTransport(refused, context).code).toBe('PROVIDER_UNAVAILABLE');
    expect(errorFromTransport(new TypeError('terminated'), context).message).toContain(
      'closed before the response finished',
    );
    expect(errorFromTransport(new DOMException('aborted', 'AbortError'), context).code).toBe(
      'ABORTED',
    );
    const own = new TinyLLMError({ code: 'QUEUE_FULL', message: 'full' });
    expect(errorFromTransport(own, context)).toBe(own);
    expect(errorFromTransport(new Error('weird'), context).code).toBe('GENERATION_FAILED');
  });
});
