import { describe, expect, it } from 'vitest';
import { cleanConfig, templateConfig } from './__fixtures__/configs';
import { ConfigError } from './errors';
import type { TrainingConfig } from './schema';
import { parseConfig, serializeConfig } from './serialize';
import { templateIds } from './templates';

function parseError(text: string): ConfigError {
  try {
    parseConfig(text);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('serializeConfig', () => {
  it('writes keys in the framework order, unknown keys last, 2-space indent and a final newline', () => {
    const config = {
      seed: 1,
      data: { train_split: 0.9, strategy: 'toolbench' },
      custom_top: true,
      training: { batch_size: 1, extra: 1, method: 'sft', learning_rate: 1e-4, num_epochs: 1 },
      tokenizer: { name: 'm' },
      model: { torch_dtype: 'float16', name: 'm' },
    } as unknown as TrainingConfig;
    const text = serializeConfig(config);
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual([
      'model',
      'tokenizer',
      'training',
      'data',
      'seed',
      'custom_top',
    ]);
    expect(Object.keys(parsed.model)).toEqual(['name', 'torch_dtype']);
    expect(Object.keys(parsed.training)).toEqual([
      'method',
      'num_epochs',
      'learning_rate',
      'batch_size',
      'extra',
    ]);
    expect(Object.keys(parsed.data)).toEqual(['strategy', 'train_split']);
    expect(text).toContain('\n  "model": {\n    "name": "m",');
  });

  it('leaves tool parameters (a JSON Schema) exactly as written', () => {
    const config = cleanConfig();
    config.tools[0].parameters = {
      required: ['a'],
      type: 'object',
      properties: { a: { type: 'string' } },
    };
    const parsed = JSON.parse(serializeConfig(config as TrainingConfig));
    expect(Object.keys(parsed.tools[0].parameters)).toEqual(['required', 'type', 'properties']);
  });
});

describe('parseConfig', () => {
  it.each(templateIds)('round-trips %s losslessly (parse → serialize → parse)', (id) => {
    const text = serializeConfig(templateConfig(id) as TrainingConfig);
    const { config } = parseConfig(text);
    expect(serializeConfig(config)).toBe(text);
    expect(config).toEqual(templateConfig(id));
  });

  it('keeps unknown keys on the round trip and warns about them', () => {
    const original = cleanConfig();
    original.training.learning_rte = 0.001;
    original.x_custom = { nested: [1, 2] };
    const { config, warnings } = parseConfig(JSON.stringify(original));
    expect(config).toEqual(original);
    expect(JSON.parse(serializeConfig(config))).toEqual(original);
    expect(warnings.map((warning) => warning.path)).toEqual(['x_custom', 'training.learning_rte']);
  });

  it('does not inject defaults', () => {
    const { config } = parseConfig(
      '{"model":{"name":"m"},"tokenizer":{"name":"m"},"training":{"method":"sft","num_epochs":1,"learning_rate":0.0001,"batch_size":1},"data":{"strategy":"custom"}}',
    );
    expect(config.training).toEqual({
      method: 'sft',
      num_epochs: 1,
      learning_rate: 0.0001,
      batch_size: 1,
    });
  });

  it('accepts a byte-order mark', () => {
    const text = `\uFEFF${serializeConfig(cleanConfig() as TrainingConfig)}`;
    expect(parseConfig(text).config.model.name).toBe('Qwen/Qwen3-0.6B');
  });

  it('reports malformed JSON with line and column', () => {
    const error = parseError('{\n  "model": {\n    "name": "x",\n  }\n}');
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues).toEqual([
      expect.objectContaining({
        code: 'INVALID_JSON',
        line: 3,
        column: 16,
        message: expect.stringContaining('Trailing comma'),
      }),
    ]);
    expect(error.message).toContain('line 3, column 16');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('reports schema problems with their path and the line of their key', () => {
    const text = serializeConfig(templateConfig('sft_toolbench') as TrainingConfig).replace(
      '"batch_size": 4',
      '"batch_size": 0',
    );
    const error = parseError(text);
    const issue = error.issues[0]!;
    expect(issue).toMatchObject({ code: 'TOO_SMALL', path: 'training.batch_size', column: 5 });
    expect(text.split('\n')[issue.line! - 1]).toContain('"batch_size": 0');
  });

  it('points missing keys at their parent', () => {
    const config = cleanConfig();
    delete config.training.learning_rate;
    const text = serializeConfig(config as TrainingConfig);
    const issue = parseError(text).issues[0]!;
    expect(issue).toMatchObject({ code: 'REQUIRED', path: 'training.learning_rate' });
    expect(text.split('\n')[issue.line! - 1]).toContain('"training": {');
  });

  it('warns about duplicate keys, which JSON.parse resolves silently', () => {
    const text = serializeConfig(cleanConfig() as TrainingConfig).replace(
      '"batch_size": 2,',
      '"batch_size": 2,\n    "batch_size": 1,',
    );
    const { config, warnings } = parseConfig(text);
    expect(config.training.batch_size).toBe(1);
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'DUPLICATE_KEY',
        path: 'training.batch_size',
        line: expect.any(Number),
      }),
    ]);
  });

  it('passes validation options through', () => {
    const text = serializeConfig(cleanConfig() as TrainingConfig);
    expect(parseConfig(text).warnings).toEqual([]);
    expect(parseConfig(text, { gpuMemoryGb: 4 }).warnings.map((warning) => warning.code)).toEqual([
      'MEMORY_EXCEEDS_GPU',
    ]);
  });
});
