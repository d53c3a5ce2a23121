import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../registry';
import { createMemoryStorage } from '../storage/memory/index';

const open = () =>
  createRegistry({
    storage: createMemoryStorage(),
    validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
  });

async function errorOf(promise: Promise<unknown>): Promise<TinyLLMError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TinyLLMError.isInstance(error)) throw new Error(`expected a TinyLLMError, got ${error}`);
  return error;
}

describe('registry.models endpoint checks', () => {
  it('requires an http(s) baseUrl for remote providers and one for openai-compatible', async () => {
    // Before: `baseUrl: 'not a url'` and an openai-compatible record without one registered.
    const registry = open();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ provider: 'ollama', baseUrl: 'not a url' }, 'baseUrl'],
      [{ provider: 'openai-compatible', baseUrl: 'ftp://host/v1' }, 'baseUrl'],
      [{ provider: 'huggingface', baseUrl: 'javascript:alert(1)' }, 'baseUrl'],
      [{ provider: 'openai-compatible' }, 'baseUrl'],
    ];
    for (const [fields, path] of bad) {
      const error = await errorOf(
        registry.models.register({ name: 'x', modelId: 'm', ...fields } as never),
      );
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.path).toBe(path);
    }
    await registry.models.register({ name: 'ok', provider: 'ollama', modelId: 'm' });
    await registry.models.register({
      name: 'vllm',
      provider: 'openai-compatible',
      modelId: 'm',
      baseUrl: 'https://gpu.example:8000/v1',
    });
    // A local transformers folder is a path, not a URL.
    await registry.models.register({
      name: 'local',
      provider: 'transformers',
      modelId: 'tiny',
      baseUrl: './models',
    });
    // Updates are checked against the merged record.
    const vllm = await registry.models.get('vllm');
    const update = await errorOf(registry.models.update(vllm.id, { revision: 1, baseUrl: null }));
    expect(update.path).toBe('baseUrl');
    const ollama = await registry.models.get('ok');
    const switched = await errorOf(
      registry.models.update(ollama.id, { revision: 1, provider: 'openai-compatible' }),
    );
    expect(switched.path).toBe('baseUrl');
  });
});
