import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../errors';
import type { TrainingConfig } from '../schema';
import { listTemplates } from '../templates';
import { exportConfig, exportFormats, type ExportFormat } from './index';
import { python } from './trl';

// The expected key of every config field per trainer, written out independently of the
// exporters (from each trainer's documentation, see the sources in axolotl.ts, llama-factory.ts
// and trl.ts). A function gives the value the trainer key must hold; null means "no equivalent,
// must be in warnings"; a key alone means "the same value".
type Expectation = null | string | [string, (value: unknown, config: TrainingConfig) => unknown];
const oneMinus = (value: unknown) => Number((1 - (value as number)).toFixed(6));
const asList = (value: unknown) => [value];

const axolotl: Record<string, Expectation> = {
  'model.name': 'base_model',
  'model.trust_remote_code': 'trust_remote_code',
  'model.torch_dtype': null,
  'model.device_map': 'device_map',
  'model.load_in_4bit': 'load_in_4bit',
  'tokenizer.padding_side': null,
  'training.method': ['rl', (value) => (value === 'dpo' ? 'dpo' : undefined)],
  'training.num_epochs': 'num_epochs',
  'training.learning_rate': 'learning_rate',
  'training.batch_size': 'micro_batch_size',
  'training.gradient_accumulation_steps': 'gradient_accumulation_steps',
  'training.warmup_steps': 'warmup_steps',
  'training.max_length': 'sequence_len',
  'training.use_lora': [
    'adapter',
    (value, config) => (value ? (config.model.load_in_4bit ? 'qlora' : 'lora') : undefined),
  ],
  'training.lora_r': 'lora_r',
  'training.lora_alpha': 'lora_alpha',
  'training.lora_dropout': 'lora_dropout',
  'training.lora_target_modules': 'lora_target_modules',
  'training.max_grad_norm': 'max_grad_norm',
  'training.bf16': 'bf16',
  'training.fp16': 'fp16',
  'training.adam_beta1': 'adam_beta1',
  'training.adam_beta2': 'adam_beta2',
  'training.adam_epsilon': 'adam_epsilon',
  'training.weight_decay': 'weight_decay',
  'training.optim': 'optimizer',
  'training.gradient_checkpointing': 'gradient_checkpointing',
  'training.lr_scheduler_type': 'lr_scheduler',
  'training.output_dir': 'output_dir',
  'training.hub_model_id': 'hub_model_id',
  'training.beta': 'rl_beta',
  'training.loss_type': ['dpo_loss_type', asList],
  'data.strategy': null,
  'data.generation_type': null,
  'data.max_samples': null,
  'data.train_split': ['val_set_size', oneMinus],
  tools: null,
  'evaluation.metrics': null,
  'evaluation.eval_steps': 'eval_steps',
  'tensorboard.enabled': 'use_tensorboard',
  'tensorboard.log_dir': null,
  seed: 'seed',
};

const llamaFactory: Record<string, Expectation> = {
  'model.name': 'model_name_or_path',
  'model.trust_remote_code': 'trust_remote_code',
  'model.torch_dtype': null,
  'model.device_map': null,
  'model.load_in_4bit': ['quantization_bit', (value) => (value ? 4 : undefined)],
  'tokenizer.padding_side': null,
  'training.method': 'stage',
  'training.num_epochs': 'num_train_epochs',
  'training.learning_rate': 'learning_rate',
  'training.batch_size': 'per_device_train_batch_size',
  'training.gradient_accumulation_steps': 'gradient_accumulation_steps',
  'training.warmup_steps': 'warmup_steps',
  'training.max_length': 'cutoff_len',
  'training.use_lora': ['finetuning_type', (value) => (value ? 'lora' : 'full')],
  'training.lora_r': 'lora_rank',
  'training.lora_alpha': 'lora_alpha',
  'training.lora_dropout': 'lora_dropout',
  'training.lora_target_modules': ['lora_target', (value) => (value as string[]).join(',')],
  'training.max_grad_norm': 'max_grad_norm',
  'training.bf16': 'bf16',
  'training.fp16': 'fp16',
  'training.adam_beta1': 'adam_beta1',
  'training.adam_beta2': 'adam_beta2',
  'training.adam_epsilon': 'adam_epsilon',
  'training.weight_decay': 'weight_decay',
  'training.optim': 'optim',
  'training.gradient_checkpointing': ['disable_gradient_checkpointing', (value) => !value],
  'training.lr_scheduler_type': 'lr_scheduler_type',
  'training.output_dir': 'output_dir',
  'training.hub_model_id': 'hub_model_id',
  'training.beta': 'pref_beta',
  'training.loss_type': 'pref_loss',
  'data.strategy': null,
  'data.generation_type': null,
  'data.max_samples': 'max_samples',
  'data.train_split': ['val_size', oneMinus],
  tools: null,
  'evaluation.metrics': null,
  'evaluation.eval_steps': 'eval_steps',
  'tensorboard.enabled': ['report_to', (value) => (value ? 'tensorboard' : 'none')],
  'tensorboard.log_dir': 'logging_dir',
  seed: 'seed',
};

const trl = (method: string): Record<string, Expectation> => {
  const args = method === 'dpo' ? 'DPOConfig' : 'SFTConfig';
  return {
    'model.name': 'from_pretrained.pretrained_model_name_or_path',
    'model.trust_remote_code': 'from_pretrained.trust_remote_code',
    'model.torch_dtype': 'from_pretrained.dtype',
    'model.device_map': 'from_pretrained.device_map',
    'model.load_in_4bit': 'BitsAndBytesConfig.load_in_4bit',
    'tokenizer.padding_side': 'AutoTokenizer.padding_side',
    'training.num_epochs': `${args}.num_train_epochs`,
    'training.learning_rate': `${args}.learning_rate`,
    'training.batch_size': `${args}.per_device_train_batch_size`,
    'training.gradient_accumulation_steps': `${args}.gradient_accumulation_steps`,
    'training.warmup_steps': `${args}.warmup_steps`,
    'training.max_length': `${args}.max_length`,
    'training.lora_r': 'LoraConfig.r',
    'training.lora_alpha': 'LoraConfig.lora_alpha',
    'training.lora_dropout': 'LoraConfig.lora_dropout',
    'training.lora_target_modules': 'LoraConfig.target_modules',
    'training.max_grad_norm': `${args}.max_grad_norm`,
    'training.bf16': `${args}.bf16`,
    'training.fp16': `${args}.fp16`,
    'training.adam_beta1': `${args}.adam_beta1`,
    'training.adam_beta2': `${args}.adam_beta2`,
    'training.adam_epsilon': `${args}.adam_epsilon`,
    'training.weight_decay': `${args}.weight_decay`,
    'training.optim': `${args}.optim`,
    'training.gradient_checkpointing': `${args}.gradient_checkpointing`,
    'training.lr_scheduler_type': `${args}.lr_scheduler_type`,
    'training.output_dir': `${args}.output_dir`,
    'training.hub_model_id': `${args}.hub_model_id`,
    'training.beta': `${args}.beta`,
    'training.loss_type': [`${args}.loss_type`, asList],
    'data.strategy': null,
    'data.generation_type': null,
    'data.max_samples': 'dataset.max_samples',
    'data.train_split': ['dataset.test_size', oneMinus],
    tools: null,
    'evaluation.metrics': null,
    'evaluation.eval_steps': `${args}.eval_steps`,
    'tensorboard.enabled': [`${args}.report_to`, (value) => (value ? 'tensorboard' : 'none')],
    'tensorboard.log_dir': `${args}.logging_dir`,
    seed: `${args}.seed`,
  };
};

const expectations = (format: ExportFormat, config: TrainingConfig) =>
  format === 'axolotl'
    ? axolotl
    : format === 'llama-factory'
      ? llamaFactory
      : trl(config.training.method);

// Fields whose key is implied by another (same tokenizer as model) or is a switch for others.
const implied = new Set([
  'tokenizer.name',
  'tokenizer.trust_remote_code',
  'training.method',
  'training.use_lora',
]);

function leaves(config: TrainingConfig): Array<[string, unknown]> {
  const result: Array<[string, unknown]> = [];
  for (const [section, value] of Object.entries(config)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      for (const [key, inner] of Object.entries(value)) result.push([`${section}.${key}`, inner]);
    else result.push([section, value]);
  }
  return result;
}

// Reads the written file back: YAML for axolotl and LLaMA-Factory; for TRL, the `key=value`
// lines of each call, keyed `Class.key` like the exporter's fields.
function readBack(format: ExportFormat, content: string): Record<string, unknown> {
  if (format !== 'trl') return parse(content) as Record<string, unknown>;
  const keys: Record<string, unknown> = {};
  let current: string | undefined;
  for (const line of content.split('\n')) {
    const open = /^\w+ = (\w+)\($/.exec(line);
    if (open) current = open[1];
    else if (line === ')') current = undefined;
    else if (current) {
      const argument = /^ {4}(\w+)=(.*),$/.exec(line);
      if (argument) keys[`${current}.${argument[1]}`] = argument[2];
    }
  }
  return keys;
}

describe('exportConfig', () => {
  for (const template of listTemplates()) {
    for (const format of exportFormats) {
      it(`${template.id} → ${format}: every field key by key, or a warning`, () => {
        const config = template.config;
        const result = exportConfig(config, format);
        const written = readBack(format, result.content);
        const table = expectations(format, config);
        for (const [path, value] of leaves(config)) {
          if (value === undefined) continue;
          const expectation = table[path];
          if (expectation === undefined) {
            expect(implied.has(path), `${path} has no expectation`).toBe(true);
            continue;
          }
          if (expectation === null) {
            expect(result.warnings.map((warning) => warning.path)).toContain(path);
            expect(result.content).toContain(path);
            continue;
          }
          const [key, transform] =
            typeof expectation === 'string' ? [expectation, (v: unknown) => v] : expectation;
          const want = transform(value, config);
          if (want === undefined) continue;
          expect(result.fields[key], `${format} ${key} from ${path}`).toEqual(want);
          if (format === 'trl') {
            const [group] = key.split('.');
            if (group === 'SFTConfig' || group === 'DPOConfig' || group === 'LoraConfig')
              expect(written[key], `${key} in the script`).toBe(python(want));
            else if (group === 'from_pretrained' && !key.endsWith('_path'))
              expect(result.content).toContain(`${key.split('.')[1]}=${python(want)}`);
          } else expect(written[key], `${key} in the YAML`).toEqual(want);
        }
        // Nothing dropped silently: each present field was written or warned about.
        const mapped = new Set(result.mappings.map((mapping) => mapping.from));
        const warned = new Set(result.warnings.map((warning) => warning.path));
        for (const [path, value] of leaves(config))
          if (value !== undefined && !implied.has(path))
            expect(mapped.has(path) || warned.has(path), path).toBe(true);
      });
    }
  }

  it('writes the method-specific dataset, stage and trainer classes', () => {
    const [sft, , dpo] = listTemplates();
    expect(exportConfig(sft!.config, 'axolotl').fields['datasets']).toEqual([
      {
        path: 'data/train.jsonl',
        type: 'chat_template',
        field_messages: 'messages',
        field_tools: 'tools',
      },
    ]);
    expect(
      exportConfig(dpo!.config, 'axolotl', { datasetPath: 'pairs.jsonl' }).fields['datasets'],
    ).toEqual([
      {
        path: 'pairs.jsonl',
        type: 'chat_template.default',
        field_messages: 'messages',
        field_chosen: 'chosen',
        field_rejected: 'rejected',
      },
    ]);
    const factory = exportConfig(dpo!.config, 'llama-factory').fields;
    expect(factory).toMatchObject({
      stage: 'dpo',
      do_train: true,
      template: 'qwen3',
      dataset: 'tinyllm_train',
    });
    const script = exportConfig(dpo!.config, 'trl').content;
    expect(script).toContain('from trl import DPOConfig, DPOTrainer');
    expect(script).toContain('peft_config=peft_config');
    expect(exportConfig(sft!.config, 'trl').content).toContain(
      'from trl import SFTConfig, SFTTrainer',
    );
  });

  it('maps QLoRA to each trainer: adapter qlora + load_in_4bit, quantization_bit 4, BitsAndBytesConfig', () => {
    const base = listTemplates()[0]!.config;
    const config: TrainingConfig = {
      ...base,
      model: { ...base.model, load_in_4bit: true },
      training: {
        ...base.training,
        lora_target_modules: 'all-linear',
        gradient_checkpointing: true,
        lr_scheduler_type: 'cosine',
        output_dir: './out',
        hub_model_id: 'me/tiny-tools',
      },
    };
    expect(exportConfig(config, 'axolotl').fields).toMatchObject({
      adapter: 'qlora',
      load_in_4bit: true,
      lora_target_linear: true,
      gradient_checkpointing: true,
      lr_scheduler: 'cosine',
      output_dir: './out',
      hub_model_id: 'me/tiny-tools',
    });
    expect(exportConfig(config, 'llama-factory').fields).toMatchObject({
      quantization_bit: 4,
      quantization_method: 'bnb',
      lora_target: 'all',
      disable_gradient_checkpointing: false,
      push_to_hub: true,
    });
    const trlResult = exportConfig(config, 'trl');
    expect(trlResult.fields).toMatchObject({
      'BitsAndBytesConfig.load_in_4bit': true,
      'BitsAndBytesConfig.bnb_4bit_quant_type': 'nf4',
      'BitsAndBytesConfig.bnb_4bit_compute_dtype': 'float16',
      'LoraConfig.target_modules': 'all-linear',
      'SFTConfig.push_to_hub': true,
    });
    expect(trlResult.content).toContain('quantization_config=quantization_config');
    expect(trlResult.content).toContain('trainer.push_to_hub()');
  });

  it('warns about rlhf instead of dropping it', () => {
    const base = listTemplates()[0]!.config;
    const config = { ...base, training: { ...base.training, method: 'rlhf' as const } };
    expect(exportConfig(config, 'axolotl').warnings).toContainEqual(
      expect.objectContaining({ path: 'training.method', code: 'NO_EQUIVALENT' }),
    );
    expect(exportConfig(config, 'axolotl').fields['rl']).toBeUndefined();
    const factory = exportConfig(config, 'llama-factory');
    expect(factory.fields['stage']).toBe('ppo');
    expect(factory.warnings).toContainEqual(
      expect.objectContaining({ path: 'training.method', code: 'APPROXIMATE' }),
    );
    expect(exportConfig(config, 'trl').warnings.map((warning) => warning.path)).toContain(
      'training.method',
    );
  });

  it('reports unknown keys as warnings and writes YAML numbers PyYAML reads as floats', () => {
    const base = listTemplates()[2]!.config;
    const config = {
      ...base,
      training: { ...base.training, packing: true },
    } as unknown as TrainingConfig;
    const result = exportConfig(config, 'axolotl');
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ path: 'training.packing', code: 'NO_EQUIVALENT' }),
    );
    expect(result.content).toMatch(/^adam_epsilon: 1\.0e-8$/m);
    expect(result.content).toMatch(/^learning_rate: 0\.000001$/m);
  });

  it('throws a ConfigError for an invalid config or an unknown format', () => {
    const base = listTemplates()[0]!.config;
    const invalid = {
      ...base,
      model: { ...base.model, load_in_4bit: true },
      training: { ...base.training, use_lora: false },
    };
    expect(() => exportConfig(invalid, 'trl')).toThrow(ConfigError);
    try {
      exportConfig(invalid, 'trl');
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.code)).toContain(
        'QLORA_REQUIRES_LORA',
      );
    }
    expect(() => exportConfig(base, 'unsloth' as ExportFormat)).toThrow(
      /Unknown export format "unsloth"/,
    );
  });
});
