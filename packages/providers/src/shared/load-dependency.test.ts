import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { lazyDependency } from './load-dependency';

describe('lazyDependency', () => {
  it('turns a missing package into MISSING_DEPENDENCY naming it, and retries later', async () => {
    let attempts = 0;
    const load = lazyDependency('ollama', 'ollama', async () => {
      attempts++;
      throw Object.assign(new Error("Cannot find package 'ollama' imported from /app/x.js"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    });
    const error = await load().catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'MISSING_DEPENDENCY')).toBe(true);
    expect((error as Error).message).toContain('npm install ollama');
    expect((error as TinyLLMError).details).toEqual({ packageName: 'ollama' });
    await load().catch(() => {});
    expect(attempts).toBe(2);
  });

  it('loads once and passes other failures through', async () => {
    let attempts = 0;
    const load = lazyDependency('x', 'x', async () => {
      attempts++;
      return { value: 1 };
    });
    expect(await load()).toBe(await load());
    expect(attempts).toBe(1);
    const broken = lazyDependency('y', 'y', async () => {
      throw new SyntaxError('bad module');
    });
    await expect(broken()).rejects.toThrow(SyntaxError);
  });
});
