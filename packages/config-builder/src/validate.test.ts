import { describe, expect, it } from 'vitest';
import { cleanConfig, templateConfig } from './__fixtures__/configs';
import type { ConfigIssue } from './issues';
import { type ValidationOptions, validateConfig } from './validate';

function issues(config: unknown, options?: ValidationOptions): ConfigIssue[] {
  const result = validateConfig(config, options);
  return [...result.errors, ...result.warnings];
}

function codesAt(config: unknown, options?: ValidationOptions): string[] {
  return issues(config, options).map((issue) => `${issue.code} ${issue.path}`);
}

describe('validateConfig: baseline', () => {
  it('the clean fixture has no errors and no warnings', () => {
    expect(validateConfig(cleanConfig())).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('rejects anything that is not an object', () => {
    for (const value of [null, 42, 'config', [], true]) {
      const result = validateConfig(value);
      expect(result.valid).toBe(false);
      expect(result.errors).toEqual([expect.objectContaining({ code: 'INVALID_TYPE', path: '' })]);
    }
  });

  it('reports every missing section at once', () => {
    const result = validateConfig({});
    expect(result.errors.map((issue) => `${issue.code} ${issue.path}`)).toEqual([
      'REQUIRED model',
      'REQUIRED tokenizer',
      'REQUIRED training',
      'REQUIRED data',
    ]);
  });

  it('every issue has a severity, a stable code, a path and a message', () => {
    const config = cleanConfig();
    config.training.batch_size = 0;
    config.training.learning_rte = 1;
    for (const issue of issues(config)) {
      expect(issue.severity).toMatch(/^(error|warning)$/);
      expect(issue.code).toMatch(/^[A-Z_]+$/);
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(10);
    }
  });
});

describe('validateConfig: errors', () => {
  it('missing model name', () => {
    const config = cleanConfig();
    delete config.model.name;
    const result = validateConfig(config);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'REQUIRED',
        path: 'model.name',
        message: 'model.name is required.',
      }),
    ]);
  });

  it('empty model name', () => {
    const config = cleanConfig();
    config.model.name = '';
    expect(codesAt(config)).toContain('TOO_SMALL model.name');
  });

  it('batch_size < 1', () => {
    const config = cleanConfig();
    config.training.batch_size = 0;
    expect(validateConfig(config).errors).toEqual([
      expect.objectContaining({
        code: 'TOO_SMALL',
        path: 'training.batch_size',
        message: expect.stringContaining('at least 1'),
      }),
    ]);
    config.training.batch_size = 1;
    expect(validateConfig(config).valid).toBe(true);
  });

  it('learning_rate ≤ 0', () => {
    for (const learningRate of [0, -1e-5]) {
      const config = cleanConfig();
      config.training.learning_rate = learningRate;
      expect(validateConfig(config).errors).toEqual([
        expect.objectContaining({
          code: 'TOO_SMALL',
          path: 'training.learning_rate',
          message: expect.stringContaining('greater than 0'),
        }),
      ]);
    }
  });

  it('max_samples < 1', () => {
    const config = cleanConfig();
    config.data.max_samples = 0;
    expect(validateConfig(config).errors).toEqual([
      expect.objectContaining({ code: 'TOO_SMALL', path: 'data.max_samples' }),
    ]);
  });

  it('train_split outside (0, 1]', () => {
    const at = (split: number) => {
      const config = cleanConfig();
      config.data.train_split = split;
      return validateConfig(config).errors.map((issue) => `${issue.code} ${issue.path}`);
    };
    expect(at(0)).toEqual(['TOO_SMALL data.train_split']);
    expect(at(-0.5)).toEqual(['TOO_SMALL data.train_split']);
    expect(at(1.01)).toEqual(['TOO_LARGE data.train_split']);
    expect(at(1)).toEqual([]);
    expect(at(0.001)).toEqual([]);
  });

  it('use_lora without lora_r', () => {
    const config = cleanConfig();
    delete config.training.lora_r;
    expect(validateConfig(config).errors).toEqual([
      expect.objectContaining({ code: 'LORA_R_REQUIRED', path: 'training.lora_r' }),
    ]);
    config.training.use_lora = false;
    expect(validateConfig(config).errors).toEqual([]);
  });

  it('use_lora without lora_r is reported even when other fields have type errors', () => {
    const config = cleanConfig();
    delete config.training.lora_r;
    config.training.num_epochs = 'two';
    expect(codesAt(config)).toEqual(
      expect.arrayContaining([
        'INVALID_TYPE training.num_epochs',
        'LORA_R_REQUIRED training.lora_r',
      ]),
    );
  });

  it('bf16 and fp16 together', () => {
    const config = cleanConfig();
    config.training.bf16 = true;
    config.training.fp16 = true;
    expect(validateConfig(config).errors).toEqual([
      expect.objectContaining({ code: 'CONFLICTING_PRECISION', path: 'training.fp16' }),
    ]);
    config.training.fp16 = false;
    expect(validateConfig(config).valid).toBe(true);
  });

  it('wrong types', () => {
    const config = cleanConfig();
    config.training.batch_size = '4';
    config.training.gradient_accumulation_steps = 2.5;
    config.training.use_lora = 'yes';
    config.model.trust_remote_code = 1;
    config.tools = { name: 'x' };
    config.seed = null;
    const result = validateConfig(config);
    expect(result.errors.map((issue) => `${issue.code} ${issue.path}`).sort()).toEqual(
      [
        'INVALID_TYPE model.trust_remote_code',
        'INVALID_TYPE seed',
        'INVALID_TYPE tools',
        'INVALID_TYPE training.batch_size',
        'INVALID_TYPE training.gradient_accumulation_steps',
        'INVALID_TYPE training.use_lora',
      ].sort(),
    );
    const batch = result.errors.find((issue) => issue.path === 'training.batch_size');
    expect(batch?.message).toBe('training.batch_size must be a number, not the string "4".');
    const accumulation = result.errors.find(
      (issue) => issue.path === 'training.gradient_accumulation_steps',
    );
    expect(accumulation?.message).toContain('whole number');
  });

  it('values outside an enum, with a suggestion when close', () => {
    const config = cleanConfig();
    config.model.torch_dtype = 'bfloat61';
    config.training.method = 'sftt';
    config.data.strategy = 'something';
    const errors = validateConfig(config).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'INVALID_VALUE',
          path: 'model.torch_dtype',
          suggestion: 'bfloat16',
        }),
        expect.objectContaining({
          code: 'INVALID_VALUE',
          path: 'training.method',
          suggestion: 'sft',
        }),
        expect.objectContaining({ code: 'INVALID_VALUE', path: 'data.strategy' }),
      ]),
    );
    expect(errors.find((issue) => issue.path === 'data.strategy')).not.toHaveProperty('suggestion');
  });

  it('missing method', () => {
    const config = cleanConfig();
    delete config.training.method;
    expect(validateConfig(config).errors).toEqual([
      expect.objectContaining({ code: 'REQUIRED', path: 'training.method' }),
    ]);
  });

  it('tool entries are checked', () => {
    const config = cleanConfig();
    config.tools[0].type = 'tool';
    delete config.tools[1].name;
    expect(codesAt(config)).toEqual(
      expect.arrayContaining(['INVALID_VALUE tools[0].type', 'REQUIRED tools[1].name']),
    );
  });
});

describe('validateConfig: warnings', () => {
  const warningsOf = (config: unknown, options?: ValidationOptions) =>
    validateConfig(config, options).warnings.map((issue) => `${issue.code} ${issue.path}`);

  it('float32 on a small GPU', () => {
    const config = cleanConfig();
    config.model.torch_dtype = 'float32';
    expect(warningsOf(config, { gpuMemoryGb: 80 })).not.toContain(
      'FLOAT32_ON_SMALL_GPU model.torch_dtype',
    );
    expect(warningsOf(config, { gpuMemoryGb: 12 })).toContain(
      'FLOAT32_ON_SMALL_GPU model.torch_dtype',
    );
    expect(validateConfig(config).valid).toBe(true);
  });

  it('learning rate above 1e-3', () => {
    const config = cleanConfig();
    config.training.learning_rate = 1e-3;
    expect(warningsOf(config)).toEqual([]);
    config.training.learning_rate = 2e-3;
    expect(warningsOf(config)).toEqual(['HIGH_LEARNING_RATE training.learning_rate']);
  });

  it('learning rate above 1e-5 for DPO', () => {
    const config = templateConfig('dpo_basic');
    expect(warningsOf(config)).toEqual([]);
    config.training.learning_rate = 5e-5;
    expect(warningsOf(config)).toEqual(['HIGH_DPO_LEARNING_RATE training.learning_rate']);
    config.training.learning_rate = 1e-5;
    expect(warningsOf(config)).toEqual([]);
  });

  it('very large effective batch', () => {
    const config = cleanConfig();
    config.data.max_samples = 100_000;
    config.training.batch_size = 32;
    config.training.gradient_accumulation_steps = 16;
    expect(warningsOf(config, { gpuMemoryGb: 10_000 })).toEqual([]);
    config.training.gradient_accumulation_steps = 17;
    expect(warningsOf(config, { gpuMemoryGb: 10_000 })).toEqual([
      'LARGE_EFFECTIVE_BATCH training.gradient_accumulation_steps',
    ]);
  });

  it('effective batch larger than the training set', () => {
    const config = cleanConfig();
    config.data.max_samples = 20; // 18 training samples, effective batch 16
    config.training.warmup_steps = 0;
    expect(warningsOf(config)).toEqual([]);
    config.data.max_samples = 15;
    expect(warningsOf(config)).toEqual([
      'LARGE_EFFECTIVE_BATCH training.gradient_accumulation_steps',
    ]);
  });

  it('warmup_steps at or beyond the total optimizer steps', () => {
    // 500 × 0.9 = 450 samples → 225 batches of 2 → 28 steps per epoch (accumulation 8) × 2 epochs.
    const config = cleanConfig();
    config.training.warmup_steps = 55;
    expect(warningsOf(config)).toEqual([]);
    config.training.warmup_steps = 56;
    const [warning] = validateConfig(config).warnings;
    expect(warning).toMatchObject({
      code: 'WARMUP_EXCEEDS_TOTAL_STEPS',
      path: 'training.warmup_steps',
    });
    expect(warning?.message).toContain('56 optimizer steps');
  });

  it('flags the sft_toolbench warmup: 100 warmup steps for 21 optimizer steps', () => {
    expect(warningsOf(templateConfig('sft_toolbench'))).toContain(
      'WARMUP_EXCEEDS_TOTAL_STEPS training.warmup_steps',
    );
  });

  it('tokenizer name differing from the model name', () => {
    const config = cleanConfig();
    config.tokenizer.name = 'Qwen/Qwen2.5-0.5B-Instruct';
    expect(warningsOf(config)).toEqual(['TOKENIZER_MODEL_MISMATCH tokenizer.name']);
  });

  it('paged or 8-bit optimizer with device_map cpu', () => {
    const config = cleanConfig();
    config.training.optim = 'paged_adamw_8bit';
    expect(warningsOf(config)).toEqual([]);
    config.model.device_map = 'cpu';
    expect(warningsOf(config)).toEqual(['OPTIMIZER_NEEDS_CUDA training.optim']);
    config.training.optim = 'adamw_bnb_8bit';
    expect(warningsOf(config)).toEqual(['OPTIMIZER_NEEDS_CUDA training.optim']);
    config.training.optim = 'adamw_torch';
    expect(warningsOf(config)).toEqual([]);
  });

  it('lora_alpha / lora_r far from usual', () => {
    const at = (alpha: number) => {
      const config = cleanConfig(); // lora_r 16
      config.training.lora_alpha = alpha;
      return warningsOf(config);
    };
    expect(at(8)).toEqual([]);
    expect(at(128)).toEqual([]);
    expect(at(4)).toEqual(['UNUSUAL_LORA_ALPHA_RATIO training.lora_alpha']);
    expect(at(256)).toEqual(['UNUSUAL_LORA_ALPHA_RATIO training.lora_alpha']);
  });

  it('max_length beyond the context of a known model', () => {
    const config = cleanConfig();
    config.training.max_length = 40960;
    expect(warningsOf(config, { gpuMemoryGb: 10_000 })).toEqual([]);
    config.training.max_length = 40961;
    expect(warningsOf(config, { gpuMemoryGb: 10_000 })).toEqual([
      'MAX_LENGTH_EXCEEDS_CONTEXT training.max_length',
    ]);
    config.model.name = config.tokenizer.name = 'acme/unknown-model';
    expect(warningsOf(config)).toEqual([]);
  });

  it('estimated memory beyond the target GPU', () => {
    const config = templateConfig('sft_toolbench');
    config.training.warmup_steps = 2;
    expect(warningsOf(config)).toEqual(['MEMORY_EXCEEDS_GPU training']);
    expect(warningsOf(config, { gpuMemoryGb: 80 })).toEqual([]);
    expect(warningsOf(cleanConfig(), { gpuMemoryGb: 4 })).toEqual(['MEMORY_EXCEEDS_GPU training']);
  });

  it('unknown keys, with "did you mean"', () => {
    const config = cleanConfig();
    config.training.learning_rte = 1e-4;
    const [warning] = validateConfig(config).warnings;
    expect(warning).toMatchObject({
      code: 'UNKNOWN_KEY',
      path: 'training.learning_rte',
      suggestion: 'training.learning_rate',
      message: expect.stringContaining('did you mean training.learning_rate'),
    });
  });

  it('unknown keys everywhere: root, sections, tools; and keys in the wrong section', () => {
    const config = cleanConfig();
    config.extra = true;
    config.model.revison = 'main';
    config.data.learning_rate = 1e-4;
    config.tools[0].descripton = 'typo';
    config.evaluation.frequency = 5;
    config.tensorboard.log_dri = 'runs';
    expect(validateConfig(config).warnings.map((issue) => [issue.path, issue.suggestion])).toEqual([
      ['extra', undefined],
      ['model.revison', undefined],
      ['data.learning_rate', 'training.learning_rate'],
      ['tools[0].descripton', 'tools[0].description'],
      ['evaluation.frequency', undefined],
      ['tensorboard.log_dri', 'tensorboard.log_dir'],
    ]);
    expect(validateConfig(config).valid).toBe(true);
  });

  it('renamed keys name their replacement', () => {
    const config = cleanConfig();
    config.training.epochs = 3;
    config.model.dtype = 'float16';
    config.data.num_samples = 10;
    expect(validateConfig(config).warnings).toEqual([
      expect.objectContaining({
        code: 'RENAMED_KEY',
        path: 'model.dtype',
        suggestion: 'model.torch_dtype',
      }),
      expect.objectContaining({
        code: 'RENAMED_KEY',
        path: 'training.epochs',
        suggestion: 'training.num_epochs',
        message: expect.stringContaining('training.num_epochs'),
      }),
      expect.objectContaining({
        code: 'RENAMED_KEY',
        path: 'data.num_samples',
        suggestion: 'data.max_samples',
      }),
    ]);
  });

  it('a missing field whose old name is present says so in the error', () => {
    const config = cleanConfig();
    config.training.lr = config.training.learning_rate;
    delete config.training.learning_rate;
    const result = validateConfig(config);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'REQUIRED',
        path: 'training.learning_rate',
        message: expect.stringContaining('the config has training.lr instead'),
      }),
    ]);
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'RENAMED_KEY', path: 'training.lr' }),
    ]);
  });

  it('DPO-only fields under another method', () => {
    const config = cleanConfig();
    config.training.beta = 0.1;
    expect(validateConfig(config).warnings).toEqual([
      expect.objectContaining({
        code: 'FIELD_IGNORED_FOR_METHOD',
        path: 'training.beta',
        message: expect.stringContaining('"dpo"'),
      }),
    ]);
    config.training.method = 'dpo';
    config.training.learning_rate = 1e-6;
    expect(validateConfig(config, { gpuMemoryGb: 16 }).warnings).toEqual([]);
  });

  it('warnings never make a config invalid', () => {
    const config = templateConfig('sft_toolbench');
    config.training.learning_rate = 0.5;
    config.training.unknown_field = 1;
    const result = validateConfig(config);
    expect(result.warnings.length).toBeGreaterThan(2);
    expect(result.valid).toBe(true);
  });
});
