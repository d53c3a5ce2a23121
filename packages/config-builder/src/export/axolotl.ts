import { stringify } from 'yaml';
import type { TrainingConfig } from '../schema';
import { ExportCollector } from './collector';
import type { ExportOptions, ExportResult } from './types';

/*
 * axolotl config keys, from its pydantic schema (github.com/axolotl-ai-cloud/axolotl,
 * src/axolotl/utils/schemas/ model.py: base_model, tokenizer_config, trust_remote_code,
 * output_dir, hub_model_id; peft.py: adapter, load_in_4bit, lora_r, lora_alpha, lora_dropout,
 * lora_target_modules, lora_target_linear; training.py: micro_batch_size,
 * gradient_accumulation_steps, learning_rate, weight_decay, optimizer, lr_scheduler, adam_beta1,
 * adam_beta2, adam_epsilon, max_grad_norm, num_epochs; config.py: rl (dpo, ipo, kto, orpo,
 * simpo, grpo, …), rl_beta, dpo_loss_type, datasets, sequence_len, device_map, seed, bf16, fp16,
 * gradient_checkpointing, val_set_size, warmup_steps, eval_steps, use_tensorboard; datasets.py:
 * chat_template datasets with field_messages / field_chosen / field_rejected) and
 * https://docs.axolotl.ai/docs/config-reference.html. Checked against commit 067b021 (2026-07).
 */

/** Writes an axolotl YAML config (`axolotl train axolotl.yaml`). */
export function exportAxolotl(config: TrainingConfig, options: ExportOptions = {}): ExportResult {
  const out = new ExportCollector(config, 'axolotl');
  const training = config.training;
  const datasetPath = options.datasetPath ?? 'data/train.jsonl';

  out.map('model.name', 'base_model');
  out.map('model.trust_remote_code', 'trust_remote_code');
  if (config.tokenizer.name !== config.model.name) out.map('tokenizer.name', 'tokenizer_config');
  else out.handle('tokenizer.name');
  if ((config.tokenizer.trust_remote_code ?? false) === (config.model.trust_remote_code ?? false))
    out.handle('tokenizer.trust_remote_code');
  else
    out.unmapped(
      'tokenizer.trust_remote_code',
      'one trust_remote_code covers model and tokenizer; it is set from model.trust_remote_code.',
    );
  out.unmapped(
    'model.torch_dtype',
    'axolotl picks the load dtype from bf16/fp16 (set training.bf16 or training.fp16).',
  );
  out.map('model.device_map', 'device_map');
  out.unmapped('tokenizer.padding_side', 'axolotl pads on the side the model needs by itself.');

  if (training.method === 'dpo') out.map('training.method', 'rl', 'dpo');
  else if (training.method === 'rlhf')
    out.unmapped(
      'training.method',
      'axolotl `rl` takes dpo, ipo, kto, orpo, simpo or grpo, none of which is generic RLHF; the file trains SFT. Pick one and set `rl`.',
    );
  else out.handle('training.method');

  const quantized = config.model.load_in_4bit === true;
  out.map('model.load_in_4bit', 'load_in_4bit');
  if (training.use_lora === true)
    out.map('training.use_lora', 'adapter', quantized ? 'qlora' : 'lora');
  else out.handle('training.use_lora');
  out.map('training.lora_r', 'lora_r');
  out.map('training.lora_alpha', 'lora_alpha');
  out.map('training.lora_dropout', 'lora_dropout');
  if (training.lora_target_modules === 'all-linear')
    out.map('training.lora_target_modules', 'lora_target_linear', true);
  else out.map('training.lora_target_modules', 'lora_target_modules');

  out.map(
    '',
    'datasets',
    training.method === 'dpo'
      ? [
          {
            path: datasetPath,
            type: 'chat_template.default',
            field_messages: 'messages',
            field_chosen: 'chosen',
            field_rejected: 'rejected',
          },
        ]
      : [
          {
            path: datasetPath,
            type: 'chat_template',
            field_messages: 'messages',
            field_tools: 'tools',
          },
        ],
  );
  out.map('training.max_length', 'sequence_len');
  out.map('training.num_epochs', 'num_epochs');
  out.map('training.batch_size', 'micro_batch_size');
  out.map('training.gradient_accumulation_steps', 'gradient_accumulation_steps');
  out.map('training.learning_rate', 'learning_rate');
  out.map('training.lr_scheduler_type', 'lr_scheduler');
  out.map('training.warmup_steps', 'warmup_steps');
  out.map('training.optim', 'optimizer');
  out.map('training.weight_decay', 'weight_decay');
  out.map('training.adam_beta1', 'adam_beta1');
  out.map('training.adam_beta2', 'adam_beta2');
  out.map('training.adam_epsilon', 'adam_epsilon');
  out.map('training.max_grad_norm', 'max_grad_norm');
  out.map('training.bf16', 'bf16');
  out.map('training.fp16', 'fp16');
  out.map('training.gradient_checkpointing', 'gradient_checkpointing');
  if (training.method === 'dpo') {
    out.map('training.beta', 'rl_beta');
    out.map(
      'training.loss_type',
      'dpo_loss_type',
      training.loss_type === undefined ? undefined : [training.loss_type],
    );
  }
  out.map('training.output_dir', 'output_dir');
  out.map('training.hub_model_id', 'hub_model_id');

  out.unmapped('data.strategy', 'axolotl trains on the dataset file; generating it is up to you.');
  out.unmapped('data.generation_type', 'axolotl does not distinguish real from synthetic data.');
  out.unmapped(
    'data.max_samples',
    'axolotl has no sample cap; shorten the dataset file to the number of samples you want.',
  );
  out.map(
    'data.train_split',
    'val_set_size',
    config.data.train_split === undefined ? undefined : round(1 - config.data.train_split),
  );
  out.unmapped(
    'tools',
    'axolotl reads tools per sample (the `tools` field of each dataset line, field_tools).',
  );
  out.unmapped(
    'evaluation.metrics',
    'axolotl reports eval loss only; run evaluateToolUse on the trained model for tool metrics.',
  );
  out.map('evaluation.eval_steps', 'eval_steps');
  out.map('tensorboard.enabled', 'use_tensorboard');
  out.unmapped('tensorboard.log_dir', 'axolotl writes TensorBoard logs under output_dir/runs.');
  out.map('seed', 'seed');
  out.finish();

  const header = [
    'axolotl config exported by tinyllm-config (https://docs.axolotl.ai/docs/config-reference.html).',
    'Run: axolotl train axolotl.yaml',
    '',
    ...out.warningLines(),
  ];
  return {
    format: 'axolotl',
    fileName: 'axolotl.yaml',
    content: `${comment(header)}${toYaml(out.fields)}`,
    command: 'axolotl train axolotl.yaml',
    fields: out.fields,
    mappings: out.mappings,
    warnings: out.warnings,
  };
}

/** @internal YAML comment lines. */
export function comment(lines: string[]): string {
  return `${lines.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}\n\n`;
}

/**
 * @internal YAML text PyYAML (which both trainers load configs with) reads back as the same
 * numbers: PyYAML takes `1e-8` for a string, since its YAML 1.1 float needs a dot and a signed
 * exponent, so exponents are written as `1.0e-8`.
 */
export function toYaml(fields: Record<string, unknown>): string {
  return stringify(fields).replace(
    /^(\s*(?:- )?(?:[\w.-]+: )?)(-?\d+)(?:\.(\d+))?e([-+]?)(\d+)$/gm,
    (
      _match,
      prefix: string,
      whole: string,
      fraction: string | undefined,
      sign: string,
      exponent: string,
    ) => `${prefix}${whole}.${fraction ?? '0'}e${sign === '' ? '+' : sign}${exponent}`,
  );
}

/** @internal 1 - 0.95 is 0.050000000000000044 in floating point; trainers want 0.05. */
export function round(value: number): number {
  return Number(value.toFixed(6));
}
