/**
 * Advice: hyperparameters that usually go wrong, and the memory estimate against the GPU.
 * Reads are type-guarded so advice still runs on configs with errors elsewhere.
 */
import type { ConfigIssue, WarningIssueCode } from './issues';
import { findKnownModel, type ModelArchitecture } from './known-models';
import { estimateFromSettings, memorySettingsOf } from './memory';
import { isPlainObject } from './paths';
import type { TrainingConfig } from './schema';

/** Options of {@link validateConfig}. */
export interface ValidationOptions {
  /** GPU memory in GB for the memory and float32 warnings. Default 8. */
  gpuMemoryGb?: number;
  /**
   * Passed to the memory estimate: whether the run uses gradient checkpointing. Default: the
   * config's `training.gradient_checkpointing`.
   */
  gradientCheckpointing?: boolean;
  /** Architecture for the memory and context checks when `model.name` is not a known model. */
  architecture?: ModelArchitecture;
}

/** Thresholds of the advisory rules, exported so UIs can show them. */
export const validationThresholds = {
  /** Above this learning rate SFT/RLHF runs usually diverge or forget. */
  maxLearningRate: 1e-3,
  /** DPO moves a policy away from its reference fast; above this it usually collapses. */
  maxDpoLearningRate: 1e-5,
  /** batch_size × gradient_accumulation_steps above this is very large for small-model fine-tuning. */
  maxEffectiveBatch: 512,
  /** lora_alpha / lora_r outside this range is far from the usual 1–4. */
  loraAlphaRatio: { min: 0.5, max: 8 },
  /** GPUs with less memory than this are "small" for float32 training. */
  smallGpuGb: 24,
} as const;

/** @internal */
export function advise(
  input: Record<string, unknown>,
  options: ValidationOptions,
  warnings: ConfigIssue[],
): void {
  const model = section(input, 'model');
  const tokenizer = section(input, 'tokenizer');
  const training = section(input, 'training');
  const data = section(input, 'data');
  const gpuMemoryGb = options.gpuMemoryGb ?? 8;

  if (model['torch_dtype'] === 'float32' && gpuMemoryGb < validationThresholds.smallGpuGb) {
    pushWarning(
      warnings,
      'FLOAT32_ON_SMALL_GPU',
      'model.torch_dtype',
      `float32 weights take twice the memory of bfloat16/float16 and train slower; on a ${gpuMemoryGb} GB GPU use "bfloat16" (RTX 30xx/A100 or newer) or "float16".`,
    );
  }

  const method = training['method'];
  const learningRate = number(training, 'learning_rate');
  if (learningRate !== undefined) {
    if (method === 'dpo' && learningRate > validationThresholds.maxDpoLearningRate) {
      pushWarning(
        warnings,
        'HIGH_DPO_LEARNING_RATE',
        'training.learning_rate',
        `A learning rate of ${learningRate} is high for DPO, which usually uses 5e-7 to 5e-6; above ${validationThresholds.maxDpoLearningRate} the policy tends to drift from the reference and collapse.`,
      );
    } else if (learningRate > validationThresholds.maxLearningRate) {
      pushWarning(
        warnings,
        'HIGH_LEARNING_RATE',
        'training.learning_rate',
        `A learning rate of ${learningRate} is high for fine-tuning (typical: 1e-5 to 2e-4 with LoRA); above ${validationThresholds.maxLearningRate} training often diverges or the model forgets what it knew.`,
      );
    }
  }

  const batchSize = positiveInteger(training, 'batch_size');
  const accumulation = positiveInteger(training, 'gradient_accumulation_steps', 1);
  const maxSamples = positiveInteger(data, 'max_samples');
  const trainSplit = number(data, 'train_split') ?? 1;
  const trainSamples =
    maxSamples !== undefined && trainSplit > 0 && trainSplit <= 1
      ? Math.floor(maxSamples * trainSplit)
      : undefined;
  if (batchSize !== undefined && accumulation !== undefined) {
    const effective = batchSize * accumulation;
    if (effective > validationThresholds.maxEffectiveBatch) {
      pushWarning(
        warnings,
        'LARGE_EFFECTIVE_BATCH',
        'training.gradient_accumulation_steps',
        `The effective batch (batch_size × gradient_accumulation_steps = ${effective}) is very large for fine-tuning a small model; it means few optimizer steps. 16–128 is usual.`,
      );
    } else if (trainSamples !== undefined && trainSamples > 0 && effective > trainSamples) {
      pushWarning(
        warnings,
        'LARGE_EFFECTIVE_BATCH',
        'training.gradient_accumulation_steps',
        `The effective batch (${effective}) is larger than the ${trainSamples} training samples, so each epoch makes at most one optimizer step.`,
      );
    }
    const epochs = number(training, 'num_epochs');
    const warmup = number(training, 'warmup_steps') ?? 0;
    if (trainSamples !== undefined && epochs !== undefined && epochs > 0 && warmup > 0) {
      // The Hugging Face Trainer's arithmetic: batches per epoch, then optimizer steps.
      const batchesPerEpoch = Math.ceil(trainSamples / batchSize);
      const stepsPerEpoch = Math.max(1, Math.floor(batchesPerEpoch / accumulation));
      const totalSteps = Math.ceil(stepsPerEpoch * epochs);
      if (warmup >= totalSteps) {
        pushWarning(
          warnings,
          'WARMUP_EXCEEDS_TOTAL_STEPS',
          'training.warmup_steps',
          `warmup_steps (${warmup}) is at least the ${totalSteps} optimizer steps the data implies (${trainSamples} training samples / batch ${batchSize} / accumulation ${accumulation} × ${epochs} epoch(s)), so the learning rate never reaches its peak. Use about 5–10 % of the steps (${Math.max(1, Math.round(totalSteps * 0.1))}).`,
        );
      }
    }
  }

  const modelName = string(model, 'name');
  const tokenizerName = string(tokenizer, 'name');
  if (
    modelName !== undefined &&
    tokenizerName !== undefined &&
    modelName.trim() !== tokenizerName.trim()
  ) {
    pushWarning(
      warnings,
      'TOKENIZER_MODEL_MISMATCH',
      'tokenizer.name',
      `tokenizer.name ("${tokenizerName}") differs from model.name ("${modelName}"). A mismatched tokenizer produces token ids the model was not trained on; use the same name unless you know they share a vocabulary.`,
    );
  }

  const optim = string(training, 'optim');
  if (optim !== undefined && /paged|8bit|bnb/i.test(optim) && model['device_map'] === 'cpu') {
    pushWarning(
      warnings,
      'OPTIMIZER_NEEDS_CUDA',
      'training.optim',
      `"${optim}" uses bitsandbytes, which needs a CUDA GPU, but model.device_map is "cpu". Use "adamw_torch" on CPU, or set device_map to "auto" or "cuda".`,
    );
  }

  if (model['load_in_4bit'] === true && model['device_map'] === 'cpu') {
    pushWarning(
      warnings,
      'QUANTIZATION_NEEDS_CUDA',
      'model.load_in_4bit',
      'load_in_4bit (QLoRA) uses bitsandbytes 4-bit kernels, which need a CUDA GPU, but model.device_map is "cpu". On CPU train plain LoRA (load_in_4bit false).',
    );
  }

  const loraR = number(training, 'lora_r');
  const loraAlpha = number(training, 'lora_alpha');
  if (
    training['use_lora'] === true &&
    loraR !== undefined &&
    loraR > 0 &&
    loraAlpha !== undefined
  ) {
    const ratio = loraAlpha / loraR;
    const { min, max } = validationThresholds.loraAlphaRatio;
    if (ratio < min || ratio > max) {
      pushWarning(
        warnings,
        'UNUSUAL_LORA_ALPHA_RATIO',
        'training.lora_alpha',
        `lora_alpha / lora_r is ${Number(ratio.toFixed(3))}; the adapter update is scaled by this ratio and 1–4 is usual (e.g. lora_alpha ${loraR * 2} for lora_r ${loraR}). Far outside that, the effective learning rate of the adapters is much ${ratio > max ? 'higher' : 'lower'} than intended.`,
      );
    }
  }

  const maxLength = number(training, 'max_length');
  const architecture =
    options.architecture ?? (modelName === undefined ? undefined : findKnownModel(modelName));
  if (
    maxLength !== undefined &&
    architecture !== undefined &&
    maxLength > architecture.maxPositionEmbeddings
  ) {
    pushWarning(
      warnings,
      'MAX_LENGTH_EXCEEDS_CONTEXT',
      'training.max_length',
      `max_length (${maxLength}) is beyond the ${architecture.maxPositionEmbeddings}-token context of ${architecture.id}; positions past it were never trained. Use at most ${architecture.maxPositionEmbeddings}.`,
    );
  }
}

/** @internal */
export function adviseOnMemory(
  config: TrainingConfig,
  options: ValidationOptions,
  warnings: ConfigIssue[],
): void {
  const settings = memorySettingsOf(config, options);
  if (settings === undefined) return;
  const estimate = estimateFromSettings(settings);
  if (estimate.warning !== undefined) {
    warnings.push({
      severity: 'warning',
      code: 'MEMORY_EXCEEDS_GPU',
      path: 'training',
      message: estimate.warning,
    });
  }
}

/** @internal */
export function pushWarning(
  warnings: ConfigIssue[],
  code: WarningIssueCode,
  path: string,
  message: string,
  suggestion?: string,
): void {
  warnings.push(
    suggestion === undefined
      ? { severity: 'warning', code, path, message }
      : { severity: 'warning', code, path, message, suggestion },
  );
}

function section(input: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = input[key];
  return isPlainObject(value) ? value : {};
}

function number(object: Record<string, unknown>, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function positiveInteger(
  object: Record<string, unknown>,
  key: string,
  fallback?: number,
): number | undefined {
  const value = object[key];
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

function string(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}
