import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseServeOptions } from './options';

const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-serve-options-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function configFile(content: string): string {
  const path = join(workDir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

function refusal(run: () => unknown): TinyLLMError {
  try {
    run();
  } catch (error) {
    if (TinyLLMError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseServeOptions', () => {
  it('reads flags, repeatable keys and TINYLLM_API_KEYS, with defaults', () => {
    const options = parseServeOptions(
      ['--models-dir', 'models', '--api-key', 'a', '--api-key', 'b', '--max-queue', '60'],
      { TINYLLM_API_KEYS: 'c, a' },
    );
    expect(options).toEqual({
      modelsDir: 'models',
      port: 8080,
      host: '127.0.0.1',
      apiKeys: ['a', 'b', 'c'],
      maxQueue: 60,
      help: false,
    });
  });

  it('lets flags win over the config file', () => {
    const path = configFile(
      JSON.stringify({
        registry: 'registry.json',
        port: 9000,
        host: '0.0.0.0',
        concurrency: 2,
        promptCache: 4,
      }),
    );
    const options = parseServeOptions(['--config', path, '--port', '9001']);
    expect(options).toMatchObject({
      registry: 'registry.json',
      port: 9001,
      host: '0.0.0.0',
      concurrency: 2,
      promptCache: 4,
    });
    expect(parseServeOptions(['--config', path, '--prompt-cache', '0']).promptCache).toBe(0);
  });

  it('refuses unknown config fields, bad JSON, bad numbers and unknown flags by name', () => {
    expect(
      refusal(() => parseServeOptions(['--config', configFile('{"prot": 1}')])).message,
    ).toContain('prot');
    expect(refusal(() => parseServeOptions(['--config', configFile('{')])).path).toBe('--config');
    expect(
      refusal(() => parseServeOptions(['--models-dir', 'm', '--max-queue', 'lots'])).path,
    ).toBe('--max-queue');
    expect(
      refusal(() => parseServeOptions(['--models-dir', 'm', '--prompt-cache', '1.5'])).path,
    ).toBe('--prompt-cache');
    expect(refusal(() => parseServeOptions(['--model-dir', 'm'])).code).toBe('INVALID_CONFIG');
    expect(refusal(() => parseServeOptions(['--models-dir', 'm', '--port', '70000'])).path).toBe(
      '--port',
    );
  });

  it('needs a models folder or a registry, except for --help', () => {
    expect(refusal(() => parseServeOptions([])).message).toContain('--models-dir');
    expect(parseServeOptions(['--help']).help).toBe(true);
  });
});
