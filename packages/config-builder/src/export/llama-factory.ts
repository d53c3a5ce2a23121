import type { TrainingConfig } from '../schema';
import { comment, round, toYaml } from './axolotl';
import { ExportCollector } from './collector';
import type { ExportOptions, ExportResult } from './types';

/*
 * LLaMA-Factory keys, from its argument dataclasses (github.com/hiyouga/LLaMA-Factory,
 * src/llamafactory/hparams/ model_args.py: model_name_or_path, trust_remote_code,
 * quantization_bit, quantization_method, disable_gradient_checkpointing; finetuning_args.py:
 * stage (pt, sft, rm, ppo, dpo, kto), finetuning_type (lora, oft, freeze, full), lora_rank,
 * lora_alpha, lora_dropout, lora_target, pref_beta, pref_loss (sigmoid, hinge, ipo, kto_pair,
 * orpo, simpo); data_args.py: template, dataset, dataset_dir, cutoff_len, max_samples, val_size)
 * plus Hugging Face Seq2SeqTrainingArguments for the optimizer and output keys; dataset
 * registration from data/README.md (sharegpt formatting with OpenAI-style `messages`) and the
 * examples/train_lora/qwen3_lora_dpo.yaml and examples/train_qlora/ files. Checked against
 * commit ff6d4d1 (2026-08).
 */

const preferenceLosses = ['sigmoid', 'hinge', 'ipo', 'kto_pair', 'orpo', 'simpo'];
const datasetName = 'tinyllm_train';

/** Writes a LLaMA-Factory YAML config (`llamafactory-cli train llama-factory.yaml`). */
export function exportLlamaFactory(
  config: TrainingConfig,
  options: ExportOptions = {},
): ExportResult {
  const out = new ExportCollector(config, 'llama-factory');
  const training = config.training;
  const datasetPath = options.datasetPath ?? 'data/train.jsonl';
  const datasetDirectory = datasetPath.includes('/')
    ? datasetPath.slice(0, datasetPath.lastIndexOf('/'))
    : '.';
  const datasetFile = datasetPath.slice(datasetPath.lastIndexOf('/') + 1);

  out.map('model.name', 'model_name_or_path');
  out.map('model.trust_remote_code', 'trust_remote_code');
  if (config.tokenizer.name === config.model.name) out.handle('tokenizer.name');
  else
    out.unmapped(
      'tokenizer.name',
      'LLaMA-Factory loads the tokenizer from model_name_or_path; put the tokenizer files next to the model.',
    );
  if ((config.tokenizer.trust_remote_code ?? false) === (config.model.trust_remote_code ?? false))
    out.handle('tokenizer.trust_remote_code');
  else
    out.unmapped(
      'tokenizer.trust_remote_code',
      'one trust_remote_code covers model and tokenizer; it is set from model.trust_remote_code.',
    );
  out.unmapped(
    'model.torch_dtype',
    'LLaMA-Factory trains in the precision of bf16/fp16 (set training.bf16 or training.fp16).',
  );
  out.unmapped(
    'model.device_map',
    'LLaMA-Factory places the model itself; choose devices with CUDA_VISIBLE_DEVICES.',
  );
  out.unmapped('tokenizer.padding_side', 'LLaMA-Factory sets the padding side per stage.');
  if (config.model.load_in_4bit === true) {
    out.map('model.load_in_4bit', 'quantization_bit', 4);
    out.map('', 'quantization_method', 'bnb');
  } else out.handle('model.load_in_4bit');

  if (training.method === 'rlhf') {
    out.map('training.method', 'stage', 'ppo');
    out.approximate(
      'training.method',
      'written as stage: ppo, which also needs reward_model (a trained reward model path); add it.',
    );
  } else out.map('training.method', 'stage', training.method);
  out.map('', 'do_train', true);
  out.map('training.use_lora', 'finetuning_type', training.use_lora === true ? 'lora' : 'full');
  out.map('training.lora_r', 'lora_rank');
  out.map('training.lora_alpha', 'lora_alpha');
  out.map('training.lora_dropout', 'lora_dropout');
  const targets = training.lora_target_modules;
  out.map(
    'training.lora_target_modules',
    'lora_target',
    targets === undefined ? undefined : targets === 'all-linear' ? 'all' : targets.join(','),
  );
  if (training.method === 'dpo') {
    out.map('training.beta', 'pref_beta');
    if (training.loss_type === undefined || preferenceLosses.includes(training.loss_type))
      out.map('training.loss_type', 'pref_loss');
    else
      out.unmapped(
        'training.loss_type',
        `pref_loss takes ${preferenceLosses.join(', ')}; "${training.loss_type}" is not one of them.`,
      );
  }

  out.map('', 'dataset', datasetName);
  out.map('', 'dataset_dir', datasetDirectory);
  const template = templateFor(config.model.name);
  out.map('', 'template', template.name);
  if (!template.known)
    out.approximate(
      'model.name',
      `no LLaMA-Factory chat template is known for "${config.model.name}"; template is "default", set the model's own.`,
    );
  out.map('training.max_length', 'cutoff_len');
  out.map('data.max_samples', 'max_samples');
  const validation =
    config.data.train_split === undefined ? undefined : round(1 - config.data.train_split);
  out.map('data.train_split', 'val_size', validation);
  out.map('evaluation.eval_steps', 'eval_steps');
  if (config.evaluation?.eval_steps !== undefined && validation !== undefined && validation > 0)
    out.map('', 'eval_strategy', 'steps');

  out.map('training.output_dir', 'output_dir');
  out.map('training.num_epochs', 'num_train_epochs');
  out.map('training.batch_size', 'per_device_train_batch_size');
  out.map('training.gradient_accumulation_steps', 'gradient_accumulation_steps');
  out.map('training.learning_rate', 'learning_rate');
  out.map('training.lr_scheduler_type', 'lr_scheduler_type');
  out.map('training.warmup_steps', 'warmup_steps');
  out.map('training.optim', 'optim');
  out.map('training.weight_decay', 'weight_decay');
  out.map('training.adam_beta1', 'adam_beta1');
  out.map('training.adam_beta2', 'adam_beta2');
  out.map('training.adam_epsilon', 'adam_epsilon');
  out.map('training.max_grad_norm', 'max_grad_norm');
  out.map('training.bf16', 'bf16');
  out.map('training.fp16', 'fp16');
  // LLaMA-Factory checkpoints gradients unless told not to, so the flag is inverted.
  out.map(
    'training.gradient_checkpointing',
    'disable_gradient_checkpointing',
    training.gradient_checkpointing === undefined ? undefined : !training.gradient_checkpointing,
  );
  out.map('training.hub_model_id', 'hub_model_id');
  if (training.hub_model_id !== undefined) out.map('', 'push_to_hub', true);
  out.map('tensorboard.enabled', 'report_to', config.tensorboard?.enabled ? 'tensorboard' : 'none');
  out.map('tensorboard.log_dir', 'logging_dir');
  out.map('seed', 'seed');
  out.unmapped(
    'data.strategy',
    'LLaMA-Factory trains on the dataset file; generating it is up to you.',
  );
  out.unmapped(
    'data.generation_type',
    'LLaMA-Factory does not distinguish real from synthetic data.',
  );
  out.unmapped(
    'tools',
    'LLaMA-Factory reads tools per sample (the `tools` column registered in dataset_info.json).',
  );
  out.unmapped(
    'evaluation.metrics',
    'LLaMA-Factory reports eval loss only; run evaluateToolUse on the trained model for tool metrics.',
  );
  out.finish();

  const columns =
    training.method === 'dpo'
      ? { messages: 'messages', chosen: 'chosen', rejected: 'rejected' }
      : { messages: 'messages', tools: 'tools' };
  const datasetInfo = {
    [datasetName]: {
      file_name: datasetFile,
      formatting: 'sharegpt',
      ...(training.method === 'dpo' ? { ranking: true } : {}),
      columns,
      tags: {
        role_tag: 'role',
        content_tag: 'content',
        user_tag: 'user',
        assistant_tag: 'assistant',
        system_tag: 'system',
      },
    },
  };
  const header = [
    'LLaMA-Factory config exported by tinyllm-config (https://github.com/hiyouga/LLaMA-Factory).',
    'Run: llamafactory-cli train llama-factory.yaml',
    `Register the dataset in ${datasetDirectory}/dataset_info.json (OpenAI-style messages, data/README.md):`,
    ...JSON.stringify(datasetInfo, null, 2).split('\n'),
    '',
    ...out.warningLines(),
  ];
  return {
    format: 'llama-factory',
    fileName: 'llama-factory.yaml',
    content: `${comment(header)}${toYaml(out.fields)}`,
    command: 'llamafactory-cli train llama-factory.yaml',
    fields: out.fields,
    mappings: out.mappings,
    warnings: out.warnings,
  };
}

// Template names registered in src/llamafactory/data/template.py.
function templateFor(model: string): { name: string; known: boolean } {
  const name = model.toLowerCase();
  if (name.includes('qwen3')) return { name: 'qwen3', known: true };
  if (name.includes('qwen')) return { name: 'qwen', known: true };
  if (/llama-?3/.test(name)) return { name: 'llama3', known: true };
  if (name.includes('gemma-3') || name.includes('gemma3')) return { name: 'gemma3', known: true };
  return { name: 'default', known: false };
}
