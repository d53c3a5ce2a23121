import type { z } from 'zod';
import type { ConfigIssue, ConfigIssueCode, WarningIssueCode } from './issues';
import { findKnownModel, type ModelArchitecture } from './known-models';
import { estimateFromSettings, memorySettingsOf } from './memory';
import { formatPath, getAtPath, isPlainObject, type PathSegment } from './paths';
import {
  keyOrder,
  trainingConfigSchema,
  trainingKeysByMethod,
  trainingMethods,
  trainingRuleIssues,
  type TrainingConfig,
  type TrainingMethod,
} from './schema';
import { closestMatch } from './suggest';

/** Options of {@link validateConfig}. */
export interface ValidationOptions {
  /** GPU memory in GB for the memory and float32 warnings. Default 8. */
  gpuMemoryGb?: number;
  /** Passed to the memory estimate: whether the run uses gradient checkpointing. Default false. */
  gradientCheckpointing?: boolean;
  /** Architecture for the memory and context checks when `model.name` is not a known model. */
  architecture?: ModelArchitecture;
}

/** Result of {@link validateConfig}. */
export interface ValidationResult {
  /** True when there are no errors (warnings do not make a config invalid). */
  valid: boolean;
  /** Blocking problems. */
  errors: ConfigIssue[];
  /** Advice. */
  warnings: ConfigIssue[];
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

// Keys users copy from Hugging Face TrainingArguments, PEFT or older configs. The framework
// would silently ignore them, so name the key it actually reads.
const renamedKeys: Record<string, Record<string, string>> = {
  root: { dataset: 'data', eval: 'evaluation', lora: 'training', tools_config: 'tools' },
  model: { model_name: 'name', model_id: 'name', model_name_or_path: 'name', dtype: 'torch_dtype' },
  tokenizer: { tokenizer_name: 'name', tokenizer_name_or_path: 'name' },
  training: {
    epochs: 'num_epochs',
    num_train_epochs: 'num_epochs',
    lr: 'learning_rate',
    per_device_train_batch_size: 'batch_size',
    train_batch_size: 'batch_size',
    max_seq_length: 'max_length',
    max_seq_len: 'max_length',
    gradient_accumulation: 'gradient_accumulation_steps',
    lora_rank: 'lora_r',
    optimizer: 'optim',
    dpo_beta: 'beta',
  },
  data: { num_samples: 'max_samples', split: 'train_split', data_strategy: 'strategy' },
  evaluation: { eval_metrics: 'metrics' },
  tensorboard: { logging_dir: 'log_dir' },
};

const allTrainingKeys = [...new Set(Object.values(trainingKeysByMethod).flat())];
// Sets for the hot path: every validation checks every key of every section.
const knownKeySets = new Map<readonly string[], ReadonlySet<string>>();
function keySet(keys: readonly string[]): ReadonlySet<string> {
  let set = knownKeySets.get(keys);
  if (set === undefined) {
    set = new Set(keys);
    knownKeySets.set(keys, set);
  }
  return set;
}
const sectionKeys: Record<string, readonly string[]> = {
  model: keyOrder.model,
  tokenizer: keyOrder.tokenizer,
  training: allTrainingKeys,
  data: keyOrder.data,
  evaluation: keyOrder.evaluation,
  tensorboard: keyOrder.tensorboard,
};

/**
 * Validates a config: structure, types and ranges (errors), cross-field rules (errors),
 * unknown and renamed keys (warnings) and advice on hyperparameters and memory (warnings).
 * Never throws, whatever `input` is.
 *
 * @param input - A parsed JSON value (e.g. `JSON.parse(text)`), not the text; see {@link parseConfig}.
 * @example
 * ```ts
 * const { valid, errors, warnings } = validateConfig(JSON.parse(text), { gpuMemoryGb: 12 });
 * for (const issue of [...errors, ...warnings]) console.log(issue.severity, issue.path, issue.message);
 * ```
 */
export function validateConfig(input: unknown, options: ValidationOptions = {}): ValidationResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  if (!isPlainObject(input)) {
    errors.push({
      severity: 'error',
      code: 'INVALID_TYPE',
      path: '',
      message: `A training config must be a JSON object with model, tokenizer, training and data sections, not ${describeValue(input)}.`,
    });
    return { valid: false, errors, warnings };
  }
  const parsed = trainingConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(toConfigIssue(issue, input));
  }
  const training = input['training'];
  if (isPlainObject(training)) {
    for (const rule of trainingRuleIssues(training)) {
      const path = `training.${rule.field}`;
      if (!errors.some((issue) => issue.code === rule.code && issue.path === path)) {
        errors.push({ severity: 'error', code: rule.code, path, message: rule.message });
      }
    }
  }
  checkKeys(input, warnings);
  advise(input, options, warnings);
  if (parsed.success) adviseOnMemory(input as TrainingConfig, options, warnings);
  return { valid: errors.length === 0, errors, warnings };
}

// ---------------------------------------------------------------------------------------------
// zod issues → stable codes and plain language

function toConfigIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigIssue {
  const segments = issue.path as PathSegment[];
  const path = formatPath(segments);
  const value = getAtPath(input, segments);
  const error = (code: ConfigIssueCode, message: string, suggestion?: string): ConfigIssue =>
    suggestion === undefined
      ? { severity: 'error', code, path, message }
      : { severity: 'error', code, path, message, suggestion };

  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        const what = segments.length === 1 ? `The ${path} section` : path;
        const alias = presentAlias(input, segments);
        if (alias !== undefined) {
          return error(
            'REQUIRED',
            `${what} is required; the config has ${alias} instead, which the framework does not read. Rename it.`,
            path,
          );
        }
        return error('REQUIRED', `${what} is required.`);
      }
      return error(
        'INVALID_TYPE',
        `${path} must be ${expectedWords[issue.expected] ?? issue.expected}, not ${describeValue(value)}.`,
      );
    }
    case 'too_small': {
      if (issue.origin === 'string') return error('TOO_SMALL', `${path} must not be empty.`);
      if (issue.origin === 'array')
        return error('TOO_SMALL', `${path} must have at least ${issue.minimum} item(s).`);
      const bound = issue.inclusive ? `at least ${issue.minimum}` : `greater than ${issue.minimum}`;
      return error('TOO_SMALL', `${path} must be ${bound}; it is ${describeValue(value)}.`);
    }
    case 'too_big': {
      const bound = issue.inclusive ? `at most ${issue.maximum}` : `less than ${issue.maximum}`;
      return error('TOO_LARGE', `${path} must be ${bound}; it is ${describeValue(value)}.`);
    }
    case 'invalid_value': {
      const allowed = issue.values.map((option) => String(option));
      const suggestion = typeof value === 'string' ? closestMatch(value, allowed) : undefined;
      const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
      return error(
        'INVALID_VALUE',
        `${path} must be one of ${allowed.map((option) => `"${option}"`).join(', ')}; it is ${describeValue(value)}.${hint}`,
        suggestion,
      );
    }
    case 'invalid_union': {
      // A discriminated union reports a bad or missing `method` at training.method.
      if ('discriminator' in issue && issue.discriminator !== undefined) {
        const allowed = trainingMethods.map((method) => `"${method}"`).join(', ');
        if (value === undefined)
          return error('REQUIRED', `${path} is required: one of ${allowed}.`);
        const suggestion =
          typeof value === 'string' ? closestMatch(value, trainingMethods) : undefined;
        const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
        return error(
          'INVALID_VALUE',
          `${path} must be one of ${allowed}; it is ${describeValue(value)}.${hint}`,
          suggestion,
        );
      }
      return error('INVALID_TYPE', `${path} has the wrong shape: ${issue.message}.`);
    }
    case 'custom': {
      const code =
        (issue.params as { code?: ConfigIssueCode } | undefined)?.code ?? 'INVALID_VALUE';
      return error(code, issue.message);
    }
    default:
      return error('INVALID_VALUE', `${path}: ${issue.message}.`);
  }
}

// When a required key is missing but an old name for it is present (`lr` for
// `learning_rate`), say so in the error: that is almost always the actual mistake.
function presentAlias(input: Record<string, unknown>, segments: PathSegment[]): string | undefined {
  const key = segments[segments.length - 1];
  if (typeof key !== 'string') return undefined;
  const parentSegments = segments.slice(0, -1);
  const parent = getAtPath(input, parentSegments);
  if (!isPlainObject(parent)) return undefined;
  const section = parentSegments.length === 0 ? 'root' : String(parentSegments[0]);
  const aliases = renamedKeys[section];
  if (aliases === undefined) return undefined;
  for (const [alias, replacement] of Object.entries(aliases)) {
    if (replacement === key && Object.hasOwn(parent, alias))
      return formatPath([...parentSegments, alias]);
  }
  return undefined;
}

const expectedWords: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Number.isInteger(value) || !Number.isFinite(value)
        ? String(value)
        : `the fraction ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

// ---------------------------------------------------------------------------------------------
// Unknown and renamed keys

function checkKeys(input: Record<string, unknown>, warnings: ConfigIssue[]): void {
  checkObjectKeys(input, [], keyOrder.root, 'root', warnings);
  // Sections in the framework's order, so warnings read top to bottom like the file.
  for (const name of keyOrder.root) {
    const value = input[name];
    if (name === 'training' && isPlainObject(value)) {
      const method = isMethod(value['method']) ? value['method'] : undefined;
      const known = method === undefined ? allTrainingKeys : trainingKeysByMethod[method];
      checkObjectKeys(value, ['training'], known, 'training', warnings, method);
    } else if (name === 'tools' && Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const tool: unknown = value[index];
        if (isPlainObject(tool))
          checkObjectKeys(tool, ['tools', index], keyOrder.tool, 'tool', warnings);
      }
    } else if (name !== 'seed' && name !== 'tools' && name !== 'training' && isPlainObject(value)) {
      checkObjectKeys(value, [name], keyOrder[name], name, warnings);
    }
  }
}

function checkObjectKeys(
  object: Record<string, unknown>,
  at: PathSegment[],
  known: readonly string[],
  section: string,
  warnings: ConfigIssue[],
  method?: TrainingMethod,
): void {
  const knownSet = keySet(known);
  for (const key in object) {
    if (!knownSet.has(key) && Object.hasOwn(object, key))
      reportKey(key, at, known, section, warnings, method);
  }
}

function reportKey(
  key: string,
  at: PathSegment[],
  known: readonly string[],
  section: string,
  warnings: ConfigIssue[],
  method: TrainingMethod | undefined,
): void {
  const path = formatPath([...at, key]);
  const warn = (code: WarningIssueCode, message: string, suggestion?: string) =>
    pushWarning(warnings, code, path, message, suggestion);
  if (method !== undefined && allTrainingKeys.includes(key)) {
    const owners = trainingMethods.filter((other) => trainingKeysByMethod[other].includes(key));
    warn(
      'FIELD_IGNORED_FOR_METHOD',
      `${path} only applies when training.method is ${owners.map((owner) => `"${owner}"`).join(' or ')}; with "${method}" it is ignored.`,
    );
    return;
  }
  const renamed = Object.hasOwn(renamedKeys[section] ?? {}, key)
    ? renamedKeys[section]?.[key]
    : undefined;
  if (renamed !== undefined) {
    const replacement = formatPath([...at, renamed]);
    warn(
      'RENAMED_KEY',
      `${path} is not read by the training framework: the field is called ${replacement}. Rename it, or the value is ignored.`,
      replacement,
    );
    return;
  }
  const typo = closestMatch(key, known);
  if (typo !== undefined) {
    const replacement = formatPath([...at, typo]);
    warn(
      'UNKNOWN_KEY',
      `Unknown key ${path}; did you mean ${replacement}? The framework ignores unknown keys.`,
      replacement,
    );
    return;
  }
  const home = otherSectionOf(key, section);
  if (home !== undefined) {
    warn(
      'UNKNOWN_KEY',
      `${path} belongs in the ${home} section (${home}.${key}); here it is ignored.`,
      `${home}.${key}`,
    );
    return;
  }
  warn(
    'UNKNOWN_KEY',
    `Unknown key ${path}; the framework ignores it. Known keys here: ${known.join(', ')}.`,
  );
}

function otherSectionOf(key: string, section: string): string | undefined {
  if (section === 'root' || section === 'tool') {
    return Object.keys(sectionKeys).find((name) => sectionKeys[name]?.includes(key));
  }
  return Object.keys(sectionKeys).find(
    (name) => name !== section && sectionKeys[name]?.includes(key) && key !== 'name',
  );
}

function isMethod(value: unknown): value is TrainingMethod {
  return typeof value === 'string' && (trainingMethods as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Advice. Reads are type-guarded so advice still runs on configs with errors elsewhere.

function advise(
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

function adviseOnMemory(
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

function pushWarning(
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
