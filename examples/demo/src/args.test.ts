import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { defaultPrompts, parseDemoArgs } from './args';

const parse = (argv: string[], environment: Record<string, string> = {}) =>
  parseDemoArgs(argv, environment, '/home/me/project');

function errorOf(run: () => unknown): TinyLLMError {
  try {
    run();
  } catch (error) {
    if (TinyLLMError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseDemoArgs', () => {
  it('runs the shipped tiny model with the sample prompts when given no flags', () => {
    const options = parse([]);
    expect(options.source).toEqual({ kind: 'tiny' });
    expect(options.prompts).toEqual(defaultPrompts);
    expect(options.dataDir).toBe('/home/me/project/.tinyllm/demo');
    expect(options.maxOutputTokens).toBe(96);
    expect(options.help).toBe(false);
  });

  it('reads a Hub model with its dtype', () => {
    expect(parse(['--hub', 'onnx-community/Qwen3-0.6B-ONNX', '--dtype', 'q4']).source).toEqual({
      kind: 'hub',
      repoId: 'onnx-community/Qwen3-0.6B-ONNX',
      dtype: 'q4',
    });
  });

  it('reads an Ollama model and server', () => {
    expect(parse(['--ollama', 'qwen3:0.6b', '--ollama-url', 'http://gpu:11434']).source).toEqual({
      kind: 'ollama',
      model: 'qwen3:0.6b',
      baseURL: 'http://gpu:11434',
    });
  });

  it('takes the OpenAI-compatible API key from the flag, else from OPENAI_API_KEY', () => {
    const url = 'http://127.0.0.1:8000/v1';
    expect(parse(['--openai-url', url, '--model', 'qwen', '--api-key', 'flag-key']).source).toEqual(
      { kind: 'openai-compatible', baseURL: url, model: 'qwen', apiKey: 'flag-key' },
    );
    expect(
      parse(['--openai-url', url, '--model', 'qwen'], { OPENAI_API_KEY: 'env-key' }).source,
    ).toMatchObject({ apiKey: 'env-key' });
  });

  it('requires --model with --openai-url', () => {
    const error = errorOf(() => parse(['--openai-url', 'http://127.0.0.1:8000/v1']));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('--model');
  });

  it('refuses two model flags at once', () => {
    const error = errorOf(() => parse(['--hub', 'a/b', '--ollama', 'c']));
    expect(error.message).toContain('--hub and --ollama');
  });

  it('refuses unknown flags and shows the help', () => {
    const error = errorOf(() => parse(['--modle', 'x']));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('Usage:');
  });

  it('refuses a max-output-tokens that is not a positive integer', () => {
    for (const value of ['0', '-3', '2.5', 'many']) {
      expect(errorOf(() => parse([`--max-output-tokens=${value}`])).path).toBe('max-output-tokens');
    }
  });

  it('keeps repeated prompts in order and resolves folders against the working directory', () => {
    const options = parse([
      '--prompt',
      'hi',
      '--prompt',
      'convert 5 km to mi',
      '--data-dir',
      'out',
    ]);
    expect(options.prompts).toEqual(['hi', 'convert 5 km to mi']);
    expect(options.dataDir).toBe('/home/me/project/out');
  });
});
