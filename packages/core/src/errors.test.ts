import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  TinyLLMError,
  abortedError,
  errorCodes,
  isAbortError,
  redactSecrets,
  toTinyLLMError,
} from './errors';

describe('TinyLLMError', () => {
  it('carries a stable code and structured fields', () => {
    const error = new TinyLLMError({
      code: 'RATE_LIMITED',
      message: 'Too many requests',
      retryAfterMs: 1500,
      provider: 'huggingface',
      modelId: 'Qwen/Qwen3-0.6B',
      status: 429,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(1500);
    expect(error.provider).toBe('huggingface');
    expect(error.status).toBe(429);
  });

  it('defaults retryable by code, and lets callers override it', () => {
    expect(new TinyLLMError({ code: 'MODEL_LOADING', message: 'x' }).retryable).toBe(true);
    expect(new TinyLLMError({ code: 'AUTH_FAILED', message: 'x' }).retryable).toBe(false);
    expect(
      new TinyLLMError({ code: 'GENERATION_FAILED', message: 'x', retryable: true }).retryable,
    ).toBe(true);
  });

  it('declares every code the contract requires', () => {
    for (const code of [
      'MODEL_NOT_FOUND',
      'MODEL_LOADING',
      'RATE_LIMITED',
      'AUTH_FAILED',
      'TIMEOUT',
      'ABORTED',
      'CONTEXT_LENGTH_EXCEEDED',
      'INVALID_REQUEST',
      'PROVIDER_UNAVAILABLE',
      'GENERATION_FAILED',
      'MEMORY_EXCEEDED',
      'INVALID_CONFIG',
    ]) {
      expect(errorCodes).toContain(code);
    }
  });

  it('isInstance works across copies of the package (brand, not instanceof)', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('tinyllm.error')]: true,
      code: 'TIMEOUT',
    });
    expect(TinyLLMError.isInstance(foreign)).toBe(true);
    expect(TinyLLMError.isInstance(new Error('plain'))).toBe(false);
    expect(TinyLLMError.isInstance(null)).toBe(false);
    expect(
      TinyLLMError.hasCode(new TinyLLMError({ code: 'TIMEOUT', message: 't' }), 'TIMEOUT'),
    ).toBe(true);
  });

  it('never shows secrets in its message, JSON or inspect output', () => {
    const error = new TinyLLMError({
      code: 'AUTH_FAILED',
      message:
        'Server said: invalid header Authorization: Bearer hf_abcdefghijklmnop for api_key=sk-supersecret123',
      details: { apiKey: 'sk-supersecret123', url: 'http://x/?token=abcdefgh' },
      cause: new Error('Bearer hf_abcdefghijklmnop rejected'),
    });
    const rendered = [error.message, JSON.stringify(error), inspect(error, { depth: 5 })].join(
      '\n',
    );
    expect(rendered).not.toContain('hf_abcdefghijklmnop');
    expect(rendered).not.toContain('sk-supersecret123');
    expect(rendered).not.toContain('abcdefgh&');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      code: 'AUTH_FAILED',
      details: { apiKey: '[REDACTED]' },
    });
  });

  it('redactSecrets keeps ordinary text', () => {
    expect(redactSecrets('the token count is 5')).toBe('the token count is 5');
    expect(redactSecrets('Authorization: Bearer abc.def-123456')).toContain('[REDACTED]');
  });

  it('converts abort errors and unknown values', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(isAbortError(abort)).toBe(true);
    expect(toTinyLLMError(abort, { code: 'GENERATION_FAILED' }).code).toBe('ABORTED');
    const wrapped = toTinyLLMError(new Error('boom'), { code: 'GENERATION_FAILED', provider: 'p' });
    expect(wrapped.code).toBe('GENERATION_FAILED');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBeInstanceOf(Error);
    const same = new TinyLLMError({ code: 'TIMEOUT', message: 't' });
    expect(toTinyLLMError(same, { code: 'GENERATION_FAILED' })).toBe(same);
  });

  it('abortedError reuses a TinyLLMError given as the abort reason', () => {
    const controller = new AbortController();
    const reason = new TinyLLMError({ code: 'TIMEOUT', message: 'attempt timed out' });
    controller.abort(reason);
    expect(abortedError(controller.signal)).toBe(reason);
    expect(abortedError(new AbortController().signal).code).toBe('ABORTED');
  });
});
