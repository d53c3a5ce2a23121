import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { importOptional } from './sql-client';

describe('optional drivers', () => {
  it('turns a missing package into MISSING_DEPENDENCY naming it', async () => {
    const notInstalled = Object.assign(new Error("Cannot find package 'pg'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await importOptional('pg', () => Promise.reject(notInstalled)).catch(
      (caught: unknown) => caught,
    );
    expect(TinyLLMError.hasCode(error, 'MISSING_DEPENDENCY')).toBe(true);
    expect((error as TinyLLMError).message).toContain('npm install pg');
    expect((error as TinyLLMError).details).toEqual({ package: 'pg' });
    // A real import of a package that does not exist goes the same way.
    const real = await importOptional(
      '@tinyllm/not-a-package',
      () => import(`@tinyllm/${'not-a-package'}`),
    ).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(real, 'MISSING_DEPENDENCY')).toBe(true);
  });

  it('lets other failures through unchanged', async () => {
    const broken = new SyntaxError('bad module');
    await expect(importOptional('pg', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
