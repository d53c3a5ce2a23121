import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { trainingConfigSchema } from './schema';
import { getTemplate, listTemplates, templateIds, templates } from './templates';
import { validateConfig } from './validate';

describe('templates', () => {
  it('has the six documented templates, in order', () => {
    expect(listTemplates().map((template) => template.id)).toEqual([
      'sft_toolbench',
      'sft_pc_building',
      'dpo_basic',
      'teacher_mode',
      'knowledge_dense',
      'hybrid_training',
    ]);
    expect(templateIds).toHaveLength(6);
  });

  it.each(templateIds)('%s validates with no errors and says when to use it', (id) => {
    const template = getTemplate(id);
    const result = validateConfig(template.config);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(trainingConfigSchema.safeParse(template.config).success).toBe(true);
    expect(template.description.length).toBeGreaterThan(40);
    expect(template.title.length).toBeGreaterThan(3);
  });

  it('all templates except sft_toolbench are warning-free on an 8 GB GPU', () => {
    for (const template of listTemplates()) {
      if (template.id === 'sft_toolbench') continue;
      expect([template.id, validateConfig(template.config).warnings]).toEqual([template.id, []]);
    }
  });

  it('sft_toolbench has the documented values', () => {
    const { config } = getTemplate('sft_toolbench');
    expect(config.model).toMatchObject({ name: 'Qwen/Qwen3-0.6B', torch_dtype: 'float16' });
    expect(config.training).toMatchObject({
      method: 'sft',
      num_epochs: 1,
      learning_rate: 5e-5,
      batch_size: 4,
      gradient_accumulation_steps: 8,
      warmup_steps: 100,
      max_length: 2048,
      use_lora: true,
      lora_r: 8,
      lora_alpha: 32,
      lora_dropout: 0.05,
    });
    expect(config.data).toEqual({
      strategy: 'toolbench',
      generation_type: 'real',
      max_samples: 700,
      train_split: 0.99,
    });
  });

  it('dpo_basic has the documented values', () => {
    const { config } = getTemplate('dpo_basic');
    expect(config.training).toMatchObject({
      method: 'dpo',
      learning_rate: 1e-6,
      batch_size: 2,
      gradient_accumulation_steps: 16,
      max_length: 512,
      lora_r: 16,
      lora_alpha: 32,
      lora_dropout: 0.1,
      max_grad_norm: 0.3,
      fp16: true,
      adam_beta1: 0.9,
      adam_beta2: 0.999,
      adam_epsilon: 1e-8,
      weight_decay: 0.01,
      optim: 'paged_adamw_8bit',
    });
    expect(config.training).toHaveProperty('beta');
    expect(config.training).toHaveProperty('loss_type');
  });

  it('templates are frozen so no caller can change them for everyone', () => {
    const config = templates.sft_toolbench.config;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.training)).toBe(true);
    expect(() => {
      (config.training as { batch_size: number }).batch_size = 99;
    }).toThrow(TypeError);
  });

  it('getTemplate throws a ConfigError listing the valid ids for an unknown id', () => {
    try {
      getTemplate('sft_toolbnech');
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      const issue = (error as ConfigError).issues[0];
      expect(issue?.code).toBe('UNKNOWN_TEMPLATE');
      expect(issue?.message).toContain('sft_toolbench');
    }
  });
});
