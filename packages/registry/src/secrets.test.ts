import { inspect } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { createRegistry } from './registry';
import { SecretBox, generateEncryptionKey, resolveKeys } from './secrets';
import { createMemoryStorage } from './storage/memory/index';

const secret = 'sk-live-abcdefghijklmnop';
const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('hex');
const noValidation = () => ({ valid: true, errors: [], warnings: [] });

describe('API key encryption', () => {
  it('round-trips and binds the ciphertext to its record', () => {
    const box = new SecretBox(resolveKeys([{ key: keyA }]));
    const sealed = box.encrypt(secret, 'model-1');
    expect(sealed.keyId).toMatch(/^k-[0-9a-f]{8}$/);
    expect(JSON.stringify(sealed)).not.toContain(secret);
    expect(box.decrypt(sealed, 'model-1')).toBe(secret);
    // Moved to another record: authentication fails.
    expect(() => box.decrypt(sealed, 'model-2')).toThrow(/tampered/);
  });

  it('detects any tampered byte of ciphertext, tag or iv', () => {
    const box = new SecretBox(resolveKeys([{ key: keyA }]));
    const sealed = box.encrypt(secret, 'm');
    for (const field of ['ciphertext', 'tag', 'iv'] as const) {
      const bytes = Buffer.from(sealed[field], 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const error = (() => {
        try {
          box.decrypt({ ...sealed, [field]: bytes.toString('base64') }, 'm');
        } catch (caught) {
          return caught;
        }
      })();
      expect(TinyLLMError.hasCode(error, 'AUTH_FAILED'), field).toBe(true);
    }
  });

  it('rejects keys that are not 32 bytes with INVALID_CONFIG', () => {
    expect(() => resolveKeys([{ key: 'too-short' }])).toThrow(TinyLLMError);
    expect(resolveKeys([{ key: generateEncryptionKey() }])[0]?.key).toHaveLength(32);
  });

  it('needs a key to store an API key, and reads TINYLLM_REGISTRY_KEY', async () => {
    const previous = process.env.TINYLLM_REGISTRY_KEY;
    delete process.env.TINYLLM_REGISTRY_KEY;
    try {
      const keyless = createRegistry({
        storage: createMemoryStorage(),
        validateConfig: noValidation,
      });
      await expect(
        keyless.models.register({ name: 'x', provider: 'ollama', modelId: 'm', apiKey: secret }),
      ).rejects.toMatchObject({ code: 'INVALID_CONFIG', path: 'encryptionKey' });
      process.env.TINYLLM_REGISTRY_KEY = keyA;
      const fromEnvironment = createRegistry({
        storage: createMemoryStorage(),
        validateConfig: noValidation,
      });
      const created = await fromEnvironment.models.register({
        name: 'x',
        provider: 'ollama',
        modelId: 'm',
        apiKey: secret,
      });
      expect(await fromEnvironment.models.reveal(created.id)).toBe(secret);
    } finally {
      if (previous === undefined) delete process.env.TINYLLM_REGISTRY_KEY;
      else process.env.TINYLLM_REGISTRY_KEY = previous;
    }
  });

  it('never shows the key in records, toJSON, inspect, errors or exports', async () => {
    const registry = createRegistry({
      storage: createMemoryStorage(),
      encryptionKey: keyA,
      validateConfig: noValidation,
    });
    const created = await registry.models.register({
      name: 'x',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:8000/v1',
      modelId: 'm',
      apiKey: secret,
    });
    const fetched = await registry.models.get('x');
    for (const text of [
      JSON.stringify(created),
      inspect(fetched, { depth: 10 }),
      await registry.exportJson({ includeSecrets: true }),
      await registry.exportJson(),
    ]) {
      expect(text).not.toContain(secret);
    }
    // An invalid update carrying a key: the error names the field, not the value.
    const error = await registry.models
      .update('x', { revision: 1, apiKey: secret, contextLength: -5 })
      .catch((caught: unknown) => caught as TinyLLMError);
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', path: 'contextLength' });
    expect(`${String(error)} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain(secret);
  });

  it('rotates keys: old ciphertexts move to the new key, and the old key can then be dropped', async () => {
    const storage = createMemoryStorage();
    const old = createRegistry({
      storage,
      keys: [{ id: 'old', key: keyA }],
      validateConfig: noValidation,
    });
    const first = await old.models.register({
      name: 'a',
      provider: 'ollama',
      modelId: 'm',
      apiKey: 'key-a',
    });
    await old.models.register({ name: 'b', provider: 'ollama', modelId: 'm' });
    const both = createRegistry({
      storage,
      keys: [
        { id: 'new', key: keyB },
        { id: 'old', key: keyA },
      ],
      validateConfig: noValidation,
    });
    expect(await both.models.reveal('a')).toBe('key-a');
    expect(await both.rotateKey()).toEqual({ rotated: 1 });
    expect(await both.rotateKey()).toEqual({ rotated: 0 });
    const rotated = await both.models.get(first.id);
    expect(rotated).toMatchObject({ apiKeyId: 'new', revision: 2 });
    const onlyNew = createRegistry({
      storage,
      keys: [{ id: 'new', key: keyB }],
      validateConfig: noValidation,
    });
    expect(await onlyNew.models.reveal('a')).toBe('key-a');
    // Without the right key, reveal fails with a typed error naming the key id.
    await expect(old.models.reveal('a')).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      details: { keyId: 'new' },
    });
  });

  it('matches keys by their bytes: values written with encryptionKey rotate under named keys', async () => {
    // Before: records written with `encryptionKey: K1` carry a derived key id, so rotating with
    // `keys: [{ id: 'new', key: K2 }, { id: 'old', key: K1 }]` failed with AUTH_FAILED.
    const storage = createMemoryStorage();
    const plain = createRegistry({ storage, encryptionKey: keyA, validateConfig: noValidation });
    await plain.models.register({ name: 'a', provider: 'ollama', modelId: 'm', apiKey: 'key-a' });
    const named = createRegistry({
      storage,
      keys: [
        { id: 'new', key: keyB },
        { id: 'old', key: keyA },
      ],
      validateConfig: noValidation,
    });
    expect(await named.models.reveal('a')).toBe('key-a');
    expect(await named.rotateKey()).toEqual({ rotated: 1 });
    expect((await named.models.get('a')).apiKeyId).toBe('new');
    // And the other way: a value written under a named key opens with the key given bare.
    const bare = createRegistry({ storage, encryptionKey: keyB, validateConfig: noValidation });
    expect(await bare.models.reveal('a')).toBe('key-a');
    // A key with the right id but other bytes still fails, typed.
    const wrong = createRegistry({
      storage,
      keys: [{ id: 'new', key: keyA }],
      validateConfig: noValidation,
    });
    await expect(wrong.models.reveal('a')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
