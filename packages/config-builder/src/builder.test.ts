import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigBuilder, type ConfigFieldPath, configBuilder } from './builder';
import { ConfigError } from './errors';
import { getTemplate } from './templates';

describe('ConfigBuilder', () => {
  it('builds from scratch', () => {
    const config = configBuilder()
      .baseModel('Qwen/Qwen3-0.6B')
      .training({ method: 'sft', num_epochs: 1, learning_rate: 5e-5, batch_size: 4 })
      .data({ strategy: 'toolbench' })
      .build();
    expect(config).toEqual({
      model: { name: 'Qwen/Qwen3-0.6B' },
      tokenizer: { name: 'Qwen/Qwen3-0.6B' },
      training: { method: 'sft', num_epochs: 1, learning_rate: 5e-5, batch_size: 4 },
      data: { strategy: 'toolbench' },
    });
  });

  it('starts from a template and changes single fields by path', () => {
    const config = ConfigBuilder.fromTemplate('sft_toolbench')
      .set('training.lora_r', 16)
      .set('data.max_samples', 2000)
      .build();
    expect(config.training.lora_r).toBe(16);
    expect(config.data.max_samples).toBe(2000);
    expect(config.training.lora_alpha).toBe(32);
  });

  it('is immutable: every call returns a new builder and leaves the old one as it was', () => {
    const base = ConfigBuilder.fromTemplate('sft_toolbench');
    const changed = base
      .set('training.batch_size', 1)
      .training({ lora_r: 4 })
      .model({ torch_dtype: 'bfloat16' });
    expect(changed).not.toBe(base);
    expect(base.build().training.batch_size).toBe(4);
    expect(base.build().training.lora_r).toBe(8);
    expect(base.build().model.torch_dtype).toBe('float16');
    expect(changed.build().training.batch_size).toBe(1);
  });

  it('does not share objects with its input or its output', () => {
    const tools = [
      {
        name: 'search',
        description: 'Search.',
        type: 'function' as const,
        parameters: { type: 'object' },
      },
    ];
    const builder = ConfigBuilder.fromTemplate('sft_toolbench').tools(tools);
    tools[0]!.name = 'changed';
    const built = builder.build();
    built.training.batch_size = 99;
    expect(builder.build().tools?.[0]?.name).toBe('search');
    expect(builder.build().training.batch_size).toBe(4);
    expect(getTemplate('sft_toolbench').config.training.batch_size).toBe(4);
  });

  it('build() throws a ConfigError listing every problem', () => {
    const builder = configBuilder()
      .baseModel('Qwen/Qwen3-0.6B')
      .training({ method: 'sft', batch_size: 0, use_lora: true, bf16: true, fp16: true });
    try {
      builder.build();
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      const configError = error as ConfigError;
      expect(configError.code).toBe('INVALID_CONFIG');
      expect(configError.issues.map((issue) => `${issue.code} ${issue.path}`)).toEqual([
        'REQUIRED training.num_epochs',
        'REQUIRED training.learning_rate',
        'TOO_SMALL training.batch_size',
        'REQUIRED data',
        'LORA_R_REQUIRED training.lora_r',
        'CONFLICTING_PRECISION training.fp16',
      ]);
      expect(configError.message).toContain('6 problems');
      expect(configError.message).toContain('training.batch_size must be at least 1');
    }
  });

  it('validate() reports without throwing', () => {
    const result = configBuilder().validate();
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(4);
  });

  it('undefined removes a field; unset too', () => {
    const builder = ConfigBuilder.fromTemplate('sft_toolbench');
    expect(builder.training({ warmup_steps: undefined }).build().training).not.toHaveProperty(
      'warmup_steps',
    );
    expect(builder.unset('seed').build()).not.toHaveProperty('seed');
    expect(builder.set('training.lora_dropout', undefined).build().training).not.toHaveProperty(
      'lora_dropout',
    );
  });

  it('setPath accepts any path string, including list items and unknown keys', () => {
    const builder = ConfigBuilder.fromTemplate('sft_pc_building')
      .setPath('tools[1].description', 'Check compatibility.')
      .setPath('training.packing', true);
    expect(builder.get('tools[1].description')).toBe('Check compatibility.');
    expect(builder.build().training).toHaveProperty('packing', true);
    expect(builder.validate().warnings).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_KEY', path: 'training.packing' }),
    ]);
  });

  it('setPath rejects malformed paths and indexes past the end with INVALID_PATH', () => {
    const builder = ConfigBuilder.fromTemplate('sft_toolbench');
    for (const path of ['', 'training.', '.model', 'tools[x]', 'tools[5]']) {
      try {
        builder.setPath(path, 1);
        expect.unreachable(path);
      } catch (error) {
        expect(ConfigError.isInstance(error)).toBe(true);
        expect((error as ConfigError).issues[0]?.code).toBe('INVALID_PATH');
      }
    }
  });

  it('setPath never touches prototypes', () => {
    const built = ConfigBuilder.fromTemplate('sft_toolbench')
      .setPath('__proto__.polluted', true)
      .toJSON();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.hasOwn(built, '__proto__')).toBe(true);
  });

  it('addTool appends, or replaces the tool with the same name', () => {
    const tool = { name: 'search', description: 'v1', type: 'function' as const };
    const builder = ConfigBuilder.fromTemplate('sft_toolbench')
      .addTool(tool)
      .addTool({ ...tool, name: 'other' })
      .addTool({ ...tool, description: 'v2' });
    expect(builder.build().tools?.map((entry) => `${entry.name}:${entry.description}`)).toEqual([
      'search:v2',
      'other:v1',
    ]);
  });

  it('toJSON returns the draft in the framework key order, valid or not', () => {
    const draft = configBuilder().data({ strategy: 'toolbench' }).model({ name: 'x' }).toJSON();
    expect(Object.keys(draft)).toEqual(['model', 'data']);
    expect(JSON.parse(JSON.stringify(configBuilder().seed(1)))).toEqual({ seed: 1 });
  });

  it('types paths and values', () => {
    expectTypeOf<'training.lora_r'>().toExtend<ConfigFieldPath>();
    expectTypeOf<'training.beta'>().toExtend<ConfigFieldPath>();
    expectTypeOf<'training.lora_rank'>().not.toExtend<ConfigFieldPath>();
    const builder = configBuilder();
    // @ts-expect-error lora_r is a number
    builder.set('training.lora_r', '16');
    // @ts-expect-error not a field
    builder.set('training.learning_rte', 1);
    // @ts-expect-error not a dtype
    builder.model({ torch_dtype: 'fp8' });
    expect(true).toBe(true);
  });
});
