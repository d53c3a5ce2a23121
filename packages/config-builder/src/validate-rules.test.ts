import { describe, expect, it } from 'vitest';
import { templateConfig } from './__fixtures__/configs';
import { estimateMemory } from './memory';
import type { TrainingConfig } from './schema';
import { validateConfig } from './validate';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are mutable untyped copies
const codes = (config: any) =>
  validateConfig(config).errors.map((issue) => `${issue.code} ${issue.path}`);
// biome-ignore lint/suspicious/noExplicitAny: fixtures are mutable untyped copies
const warningCodes = (config: any) =>
  validateConfig(config).warnings.map((issue) => `${issue.code} ${issue.path}`);

describe('QLoRA, target modules, scheduler, checkpointing, output fields', () => {
  it('accepts the new fields on a template', () => {
    const config = templateConfig('sft_toolbench');
    config.model.load_in_4bit = true;
    Object.assign(config.training, {
      lora_target_modules: ['q_proj', 'v_proj'],
      gradient_checkpointing: true,
      lr_scheduler_type: 'cosine',
      output_dir: './out',
      hub_model_id: 'me/tiny-tools',
    });
    expect(validateConfig(config).errors).toEqual([]);
    expect(warningCodes(config).filter((code) => code.startsWith('UNKNOWN_KEY'))).toEqual([]);
    config.training.lora_target_modules = 'all-linear';
    expect(validateConfig(config).valid).toBe(true);
  });

  it('QLoRA without LoRA is an error at model.load_in_4bit, reported once, next to other errors', () => {
    const config = templateConfig('sft_toolbench');
    config.model.load_in_4bit = true;
    config.training.use_lora = false;
    expect(codes(config)).toEqual(['QLORA_REQUIRES_LORA model.load_in_4bit']);
    config.training.batch_size = 0;
    expect(codes(config)).toEqual([
      'TOO_SMALL training.batch_size',
      'QLORA_REQUIRES_LORA model.load_in_4bit',
    ]);
  });

  it('warns that 4-bit loading needs CUDA when device_map is cpu', () => {
    const config = templateConfig('sft_toolbench');
    config.model.load_in_4bit = true;
    config.model.device_map = 'cpu';
    expect(warningCodes(config)).toContain('QUANTIZATION_NEEDS_CUDA model.load_in_4bit');
  });

  it('names the bad values of the new fields', () => {
    const config = templateConfig('sft_toolbench');
    config.training.lr_scheduler_type = 'cosin';
    config.training.hub_model_id = 'no-owner';
    config.training.lora_target_modules = [];
    const result = validateConfig(config);
    expect(result.errors.map((issue) => `${issue.code} ${issue.path}`)).toEqual([
      'TOO_SMALL training.lora_target_modules',
      'INVALID_VALUE training.lr_scheduler_type',
      'INVALID_VALUE training.hub_model_id',
    ]);
    expect(result.errors[1]?.suggestion).toBe('cosine');
  });

  it('4-bit loading shrinks the weight memory about 3.5× for Qwen3-0.6B (embeddings stay float16)', () => {
    const config = templateConfig('sft_toolbench') as TrainingConfig;
    const full = estimateMemory(config)!;
    const quantized = estimateMemory({
      ...config,
      model: { ...config.model, load_in_4bit: true },
    })!;
    const ratio = full.breakdown.weightsGb / quantized.breakdown.weightsGb;
    expect(ratio).toBeGreaterThan(2.2);
    expect(ratio).toBeLessThan(4);
    expect(quantized.totalGb).toBeLessThan(full.totalGb);
    expect(quantized.breakdown.activationsGb).toBe(full.breakdown.activationsGb);
  });

  it('training.gradient_checkpointing drives the estimate; the option still overrides it', () => {
    const config = templateConfig('sft_toolbench') as TrainingConfig;
    const checkpointed = {
      ...config,
      training: { ...config.training, gradient_checkpointing: true },
    } as TrainingConfig;
    const plain = estimateMemory(config)!.breakdown.activationsGb;
    expect(estimateMemory(checkpointed)!.breakdown.activationsGb).toBeLessThan(plain / 4);
    expect(
      estimateMemory(checkpointed, { gradientCheckpointing: false })!.breakdown.activationsGb,
    ).toBe(plain);
  });
});
