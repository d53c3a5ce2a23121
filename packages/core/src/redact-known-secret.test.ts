import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TinyLLMError } from './errors';
import { redactKnownSecrets } from './redact-known-secret';

// A key with no recognisable shape: pattern-based redaction cannot catch it.
const key = 'canary+Zq7/wx"9\\k';

function everywhere(error: TinyLLMError): string {
  const chain: string[] = [];
  for (let cause: unknown = error; cause !== undefined; ) {
    const entry = cause as { message?: string; stack?: string; cause?: unknown };
    chain.push(String(entry.message), String(entry.stack));
    cause = entry.cause;
  }
  return [...chain, JSON.stringify(error), inspect(error), inspect(error, { depth: 9 })].join('\n');
}

describe('redactKnownSecrets', () => {
  it('removes an exact key of any shape from message, stack, cause chain, details and JSON', () => {
    const body = { error: { message: `Invalid API key: ${key}` } };
    const raw = new Error(`401: ${JSON.stringify(body)}`);
    (raw as { body?: unknown }).body = body;
    const error = new TinyLLMError({
      code: 'AUTH_FAILED',
      message: `request failed: ${key} (${encodeURIComponent(key)})`,
      cause: raw,
      details: { echoed: key, nested: { list: [key] } },
    });
    // Before: the key is visible (this is what the issue reported).
    expect(everywhere(error)).toContain(key);
    expect(redactKnownSecrets(error, [key])).toBe(error);
    const text = everywhere(error);
    expect(text).not.toContain(key);
    expect(text).not.toContain(JSON.stringify(key).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(key));
    expect(error.message).toBe('request failed: [REDACTED] ([REDACTED])');
    expect(error.details).toEqual({ echoed: '[REDACTED]', nested: { list: ['[REDACTED]'] } });
  });

  it('redacts strings, survives cycles and ignores absent or very short secrets', () => {
    expect(redactKnownSecrets(`a ${key} b`, [key])).toBe('a [REDACTED] b');
    expect(redactKnownSecrets('key abc', ['abc', undefined])).toBe('key abc');
    const cyclic = new Error(`x ${key}`) as Error & { self?: unknown };
    cyclic.self = cyclic;
    cyclic.cause = cyclic;
    redactKnownSecrets(cyclic, [key]);
    expect(cyclic.message).toBe('x [REDACTED]');
  });

  it('redacts header values', () => {
    const headers = new Headers({ authorization: `Bearer ${key}` });
    redactKnownSecrets({ headers }, [key]);
    expect(headers.get('authorization')).toBe('Bearer [REDACTED]');
  });
});
