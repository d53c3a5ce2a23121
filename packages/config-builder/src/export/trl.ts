import type { TrainingConfig } from '../schema';
import { round } from './axolotl';
import { ExportCollector } from './collector';
import type { ExportOptions, ExportResult } from './types';

/*
 * TRL keys, from github.com/huggingface/trl trl/trainer/sft_config.py (SFTConfig: max_length,
 * which replaced max_seq_length) and trl/trainer/dpo_config.py (DPOConfig: beta, loss_type as a
 * list, max_length), checked against commit f2cd577 (2026-07), both subclasses of transformers
 * TrainingArguments (num_train_epochs, per_device_train_batch_size, gradient_accumulation_steps,
 * learning_rate, lr_scheduler_type, warmup_steps, optim, weight_decay, adam_beta1/2, adam_epsilon,
 * max_grad_norm, bf16, fp16, gradient_checkpointing, output_dir, hub_model_id, push_to_hub,
 * eval_strategy, eval_steps, report_to, logging_dir, seed;
 * https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments);
 * PEFT LoraConfig (r, lora_alpha, lora_dropout, target_modules, task_type;
 * https://huggingface.co/docs/peft/package_reference/lora); transformers BitsAndBytesConfig
 * (load_in_4bit, bnb_4bit_quant_type, bnb_4bit_compute_dtype, bnb_4bit_use_double_quant;
 * https://huggingface.co/docs/transformers/main_classes/quantization).
 */

/** Writes a runnable TRL script with its SFTConfig/DPOConfig and LoraConfig arguments. */
export function exportTrl(config: TrainingConfig, options: ExportOptions = {}): ExportResult {
  const out = new ExportCollector(config, 'trl');
  const training = config.training;
  const datasetPath = options.datasetPath ?? 'data/train.jsonl';
  const dpo = training.method === 'dpo';
  const argsClass = dpo ? 'DPOConfig' : 'SFTConfig';
  const args = (key: string) => `${argsClass}.${key}`;

  out.map('model.name', 'from_pretrained.pretrained_model_name_or_path');
  out.map('model.trust_remote_code', 'from_pretrained.trust_remote_code');
  out.map('model.torch_dtype', 'from_pretrained.dtype');
  out.map('model.device_map', 'from_pretrained.device_map');
  if (config.model.load_in_4bit === true) {
    out.map('model.load_in_4bit', 'BitsAndBytesConfig.load_in_4bit', true);
    out.map('', 'BitsAndBytesConfig.bnb_4bit_quant_type', 'nf4');
    out.map('', 'BitsAndBytesConfig.bnb_4bit_use_double_quant', true);
    out.map('', 'BitsAndBytesConfig.bnb_4bit_compute_dtype', config.model.torch_dtype ?? 'float32');
  } else out.handle('model.load_in_4bit');
  out.map('tokenizer.name', 'AutoTokenizer.pretrained_model_name_or_path');
  out.map('tokenizer.trust_remote_code', 'AutoTokenizer.trust_remote_code');
  out.map('tokenizer.padding_side', 'AutoTokenizer.padding_side');

  if (training.method === 'rlhf')
    out.unmapped(
      'training.method',
      "TRL's RL trainers (GRPOTrainer, RLOOTrainer, PPO) need a reward function or model; the script trains SFT. Swap in the trainer you want.",
    );
  else out.handle('training.method');
  out.map('data.max_samples', 'dataset.max_samples');
  const validation =
    config.data.train_split === undefined ? undefined : round(1 - config.data.train_split);
  out.map('data.train_split', 'dataset.test_size', validation);

  out.map('training.output_dir', args('output_dir'), training.output_dir ?? './output');
  out.map('training.num_epochs', args('num_train_epochs'));
  out.map('training.batch_size', args('per_device_train_batch_size'));
  out.map('training.gradient_accumulation_steps', args('gradient_accumulation_steps'));
  out.map('training.learning_rate', args('learning_rate'));
  out.map('training.lr_scheduler_type', args('lr_scheduler_type'));
  out.map('training.warmup_steps', args('warmup_steps'));
  out.map('training.max_length', args('max_length'));
  out.map('training.optim', args('optim'));
  out.map('training.weight_decay', args('weight_decay'));
  out.map('training.adam_beta1', args('adam_beta1'));
  out.map('training.adam_beta2', args('adam_beta2'));
  out.map('training.adam_epsilon', args('adam_epsilon'));
  out.map('training.max_grad_norm', args('max_grad_norm'));
  out.map('training.bf16', args('bf16'));
  out.map('training.fp16', args('fp16'));
  out.map('training.gradient_checkpointing', args('gradient_checkpointing'));
  if (dpo) {
    out.map('training.beta', args('beta'));
    out.map(
      'training.loss_type',
      args('loss_type'),
      training.loss_type === undefined ? undefined : [training.loss_type],
    );
  }
  out.map('evaluation.eval_steps', args('eval_steps'));
  if (config.evaluation?.eval_steps !== undefined && validation !== undefined && validation > 0)
    out.map('', args('eval_strategy'), 'steps');
  out.map('training.hub_model_id', args('hub_model_id'));
  if (training.hub_model_id !== undefined) out.map('', args('push_to_hub'), true);
  out.map(
    'tensorboard.enabled',
    args('report_to'),
    config.tensorboard?.enabled ? 'tensorboard' : 'none',
  );
  out.map('tensorboard.log_dir', args('logging_dir'));
  out.map('seed', args('seed'));

  if (training.use_lora === true) {
    out.handle('training.use_lora');
    out.map('training.lora_r', 'LoraConfig.r');
    out.map('training.lora_alpha', 'LoraConfig.lora_alpha');
    out.map('training.lora_dropout', 'LoraConfig.lora_dropout');
    out.map('training.lora_target_modules', 'LoraConfig.target_modules');
    out.map('', 'LoraConfig.task_type', 'CAUSAL_LM');
  } else {
    for (const key of ['use_lora', 'lora_r', 'lora_alpha', 'lora_dropout', 'lora_target_modules'])
      out.handle(`training.${key}`);
  }
  out.unmapped('data.strategy', 'TRL trains on the dataset file; generating it is up to you.');
  out.unmapped('data.generation_type', 'TRL does not distinguish real from synthetic data.');
  out.unmapped('tools', 'TRL reads tools per sample (the `tools` column of each dataset line).');
  out.unmapped(
    'evaluation.metrics',
    'TRL reports eval loss only; run evaluateToolUse on the trained model for tool metrics.',
  );
  out.finish();

  const content = script(out, { argsClass, dpo, datasetPath, seed: config.seed ?? 42 });
  return {
    format: 'trl',
    fileName: 'train_trl.py',
    content,
    command: 'python train_trl.py',
    fields: out.fields,
    mappings: out.mappings,
    warnings: out.warnings,
  };
}

function group(fields: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith(`${prefix}.`)) result[key.slice(prefix.length + 1)] = value;
  }
  return result;
}

function script(
  out: ExportCollector,
  settings: { argsClass: string; dpo: boolean; datasetPath: string; seed: number },
): string {
  const { argsClass, dpo } = settings;
  const fields = out.fields;
  const modelKwargs = group(fields, 'from_pretrained');
  const modelName = modelKwargs['pretrained_model_name_or_path'];
  delete modelKwargs['pretrained_model_name_or_path'];
  const tokenizerKwargs = group(fields, 'AutoTokenizer');
  const tokenizerName = tokenizerKwargs['pretrained_model_name_or_path'];
  delete tokenizerKwargs['pretrained_model_name_or_path'];
  const quantization = group(fields, 'BitsAndBytesConfig');
  const lora = group(fields, 'LoraConfig');
  const dataset = group(fields, 'dataset');
  const lines = [
    '"""TRL training script exported by tinyllm-config (https://huggingface.co/docs/trl).',
    '',
    'Run: python train_trl.py   (pip install trl peft datasets transformers accelerate' +
      (Object.keys(quantization).length > 0 ? ' bitsandbytes' : '') +
      ')',
    '',
    ...out.warningLines(),
    '"""',
    'from datasets import load_dataset',
    ...(Object.keys(lora).length > 0 ? ['from peft import LoraConfig'] : []),
    `from transformers import AutoModelForCausalLM, AutoTokenizer${Object.keys(quantization).length > 0 ? ', BitsAndBytesConfig' : ''}`,
    `from trl import ${argsClass}, ${dpo ? 'DPOTrainer' : 'SFTTrainer'}`,
    '',
    `args = ${call(argsClass, group(fields, argsClass))}`,
    ...(Object.keys(lora).length > 0 ? [`peft_config = ${call('LoraConfig', lora)}`] : []),
    ...(Object.keys(quantization).length > 0
      ? [`quantization_config = ${call('BitsAndBytesConfig', quantization)}`]
      : []),
    '',
    `model = AutoModelForCausalLM.from_pretrained(${python(modelName)}${kwargs(modelKwargs)}${Object.keys(quantization).length > 0 ? ', quantization_config=quantization_config' : ''})`,
    `tokenizer = AutoTokenizer.from_pretrained(${python(tokenizerName)}${kwargs(tokenizerKwargs)})`,
    '',
    `# One JSON object per line: ${dpo ? '{"messages": [...], "chosen": {...}, "rejected": {...}}' : '{"messages": [...], "tools": [...]}'}`,
    `dataset = load_dataset("json", data_files=${python(settings.datasetPath)}, split="train")`,
    ...(dpo
      ? [
          '# TRL preference format: prompt messages, then the chosen and rejected completions as message lists.',
          'as_messages = lambda answer: [answer] if isinstance(answer, dict) else [{"role": "assistant", "content": answer}]',
          'dataset = dataset.map(lambda row: {"prompt": row["messages"], "chosen": as_messages(row["chosen"]), "rejected": as_messages(row["rejected"])}, remove_columns=["messages"])',
        ]
      : []),
    ...(dataset['max_samples'] !== undefined
      ? [
          `dataset = dataset.shuffle(seed=${settings.seed}).select(range(min(${python(dataset['max_samples'])}, len(dataset))))`,
        ]
      : []),
    ...(typeof dataset['test_size'] === 'number' && dataset['test_size'] > 0
      ? [
          `split = dataset.train_test_split(test_size=${python(dataset['test_size'])}, seed=${settings.seed})`,
          'train_dataset, eval_dataset = split["train"], split["test"]',
        ]
      : ['train_dataset, eval_dataset = dataset, None']),
    '',
    `trainer = ${dpo ? 'DPOTrainer' : 'SFTTrainer'}(`,
    '    model=model,',
    '    args=args,',
    '    train_dataset=train_dataset,',
    '    eval_dataset=eval_dataset,',
    '    processing_class=tokenizer,',
    ...(Object.keys(lora).length > 0 ? ['    peft_config=peft_config,'] : []),
    ')',
    'trainer.train()',
    'trainer.save_model()',
    ...(fields[`${argsClass}.push_to_hub`] === true ? ['trainer.push_to_hub()'] : []),
    '',
  ];
  return lines.join('\n');
}

function call(name: string, args: Record<string, unknown>): string {
  const entries = Object.entries(args);
  if (entries.length === 0) return `${name}()`;
  return `${name}(\n${entries.map(([key, value]) => `    ${key}=${python(value)},`).join('\n')}\n)`;
}

function kwargs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([key, value]) => `, ${key}=${python(value)}`)
    .join('');
}

/** @internal A JSON-like value as a Python literal. */
export function python(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(python).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}: ${python(inner)}`)
      .join(', ')}}`;
  return 'None';
}
