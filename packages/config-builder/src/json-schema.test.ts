import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk an untyped JSON Schema document
type Schema = Record<string, any>;

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as Schema;

  it('is a draft 2020-12 object schema with the four required sections', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['type']).toBe('object');
    expect(schema['required']).toEqual(['model', 'tokenizer', 'training', 'data']);
    expect(schema['title']).toBe('tinyllm training config');
  });

  it('has descriptions, defaults and ranges', () => {
    const model = schema['properties'].model;
    expect(model.properties.name.description).toContain('Qwen/Qwen3-0.6B');
    expect(model.properties.torch_dtype.enum).toEqual(['float16', 'bfloat16', 'float32']);
    const data = schema['properties'].data.properties;
    expect(data.train_split).toMatchObject({ exclusiveMinimum: 0, maximum: 1, default: 1 });
    expect(data.max_samples).toEqual(expect.objectContaining({ type: 'integer', minimum: 1 }));
    expect(data.max_samples).not.toHaveProperty('maximum');
  });

  it('models the training method as a oneOf keyed by method', () => {
    const options = schema['properties'].training.oneOf as Schema[];
    expect(options.map((option) => option['properties'].method.const)).toEqual([
      'sft',
      'dpo',
      'rlhf',
    ]);
    const dpo = options[1]!['properties'];
    expect(dpo.beta).toMatchObject({ default: 0.1, exclusiveMinimum: 0 });
    expect(dpo.learning_rate).toMatchObject({
      exclusiveMinimum: 0,
      description: expect.any(String),
    });
    expect(dpo.batch_size).toMatchObject({ type: 'integer', minimum: 1 });
    expect(dpo.gradient_accumulation_steps.default).toBe(1);
    expect(options[0]!['properties']).not.toHaveProperty('beta');
  });

  it('returns a fresh copy each time', () => {
    const copy = configJsonSchema();
    copy['title'] = 'changed';
    expect(configJsonSchema()['title']).toBe('tinyllm training config');
  });
});
