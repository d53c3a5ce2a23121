import { z } from 'zod';

/*
 * Field names are snake_case because they are the keys the Python training framework reads
 * from the JSON file; renaming them here would break `python train.py --config …`.
 *
 * Objects use zod's default (strip) mode: unknown keys do not fail parsing. The validator
 * reports them as warnings with a "did you mean" suggestion, and parseConfig/the builder keep
 * the original object, so unknown keys survive a round trip.
 *
 * `default` in `.meta()` documents what the framework uses when a field is absent (the
 * Hugging Face Trainer / PEFT / TRL defaults it passes through). It is metadata for the JSON
 * Schema and for the validator's arithmetic, not a zod `.default()`: injecting defaults would
 * make parse → serialize lossy.
 */

/** Precisions the weights can be loaded in. */
export const torchDtypes = ['float16', 'bfloat16', 'float32'] as const;
/** Training methods. */
export const trainingMethods = ['sft', 'dpo', 'rlhf'] as const;
/**
 * Learning-rate schedules, the values of Hugging Face `SchedulerType`
 * (transformers/trainer_utils.py), which TRL, axolotl (`lr_scheduler`) and LLaMA-Factory read.
 */
export const lrSchedulerTypes = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
  'reduce_lr_on_plateau',
  'cosine_with_min_lr',
  'warmup_stable_decay',
] as const;
/** Data generation strategies the framework implements. */
export const dataStrategies = [
  'toolbench',
  'pc_building',
  'teacher_mode',
  'knowledge_dense',
  'manual_templates',
  'hybrid',
  'custom',
] as const;

/** The `model` section: which base model to fine-tune and how to load it. */
export const modelSectionSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .meta({ description: 'Hugging Face model id or local path, e.g. "Qwen/Qwen3-0.6B".' }),
    trust_remote_code: z.boolean().optional().meta({
      description:
        'Allow the model repository to run its own Python code. Only for repositories you trust.',
      default: false,
    }),
    torch_dtype: z.enum(torchDtypes).optional().meta({
      description:
        'Precision the weights are loaded in. float16/bfloat16 halve memory; bfloat16 needs an Ampere (RTX 30xx) or newer GPU.',
    }),
    device_map: z.enum(['auto', 'cuda', 'cpu']).optional().meta({
      description: 'Where to place the model: "auto" spreads it over available GPUs, then CPU.',
      default: 'auto',
    }),
    load_in_4bit: z.boolean().optional().meta({
      description:
        'QLoRA: load the frozen base weights in 4-bit (bitsandbytes NF4) and train LoRA adapters on top. Needs training.use_lora and a CUDA GPU; cuts weight memory about 4× against float16.',
      default: false,
    }),
  })
  .meta({ title: 'Model', description: 'The base model to fine-tune.' });

/** The `tokenizer` section. */
export const tokenizerSectionSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .meta({ description: 'Tokenizer id or path; normally the same as model.name.' }),
    trust_remote_code: z.boolean().optional().meta({
      description: 'Allow the tokenizer repository to run its own Python code.',
      default: false,
    }),
    padding_side: z.enum(['left', 'right']).optional().meta({
      description:
        'Which side padding tokens go on. Right for training, left for batched generation.',
      default: 'right',
    }),
  })
  .meta({ title: 'Tokenizer' });

// Fields every method shares. A plain shape (not a schema) so each method's object lists them
// directly, which keeps the discriminated union's JSON Schema flat for form builders.
const commonTrainingShape = {
  num_epochs: z
    .number()
    .gt(0)
    .meta({ description: 'Passes over the training data. Fractions are allowed.' }),
  learning_rate: z.number().gt(0).meta({
    description:
      'Peak learning rate. Typical: 1e-5 to 2e-4 with LoRA for SFT; 1e-7 to 5e-6 for DPO.',
  }),
  batch_size: z.number().int().min(1).meta({
    description:
      'Samples per device per forward pass. Lower it first when running out of GPU memory.',
  }),
  gradient_accumulation_steps: z.number().int().min(1).optional().meta({
    description:
      'Forward passes per optimizer step. Effective batch = batch_size × gradient_accumulation_steps.',
    default: 1,
  }),
  warmup_steps: z.number().int().min(0).optional().meta({
    description: 'Optimizer steps during which the learning rate ramps up from 0.',
    default: 0,
  }),
  max_length: z.number().int().min(1).optional().meta({
    description:
      'Maximum tokens per sample; longer samples are truncated. Drives activation memory.',
    default: 2048,
  }),
  use_lora: z.boolean().optional().meta({
    description: 'Train small LoRA adapters instead of all weights (far less memory).',
    default: false,
  }),
  lora_r: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'LoRA rank. Required when use_lora is true. Typical: 8–64.' }),
  lora_alpha: z.number().gt(0).optional().meta({
    description:
      'LoRA scaling; the update is scaled by lora_alpha / lora_r. Typical: 1–4 × lora_r.',
    default: 8,
  }),
  lora_dropout: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .meta({ description: "Dropout on the LoRA adapters' input.", default: 0 }),
  max_grad_norm: z
    .number()
    .min(0)
    .optional()
    .meta({ description: 'Gradient clipping threshold.', default: 1 }),
  bf16: z.boolean().optional().meta({
    description: 'bfloat16 mixed precision (Ampere or newer GPU). Exclusive with fp16.',
    default: false,
  }),
  fp16: z
    .boolean()
    .optional()
    .meta({ description: 'float16 mixed precision. Exclusive with bf16.', default: false }),
  adam_beta1: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .meta({ description: 'Adam first-moment decay.', default: 0.9 }),
  adam_beta2: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .meta({ description: 'Adam second-moment decay.', default: 0.999 }),
  adam_epsilon: z.number().gt(0).optional().meta({ description: 'Adam epsilon.', default: 1e-8 }),
  weight_decay: z
    .number()
    .min(0)
    .optional()
    .meta({ description: 'AdamW weight decay.', default: 0 }),
  optim: z.string().min(1).optional().meta({
    description:
      'Hugging Face optimizer name, e.g. adamw_torch, adamw_torch_fused, paged_adamw_8bit, adamw_8bit, adafactor, sgd. Paged and 8-bit optimizers need CUDA (bitsandbytes).',
    default: 'adamw_torch',
  }),
  lora_target_modules: z
    .union([z.literal('all-linear'), z.array(z.string().min(1)).min(1)])
    .optional()
    .meta({
      description:
        'Modules that get LoRA adapters: names such as ["q_proj", "v_proj"], or "all-linear" for every linear layer except the output head. Default: PEFT picks per architecture (q_proj and v_proj for Qwen/Llama).',
    }),
  gradient_checkpointing: z.boolean().optional().meta({
    description:
      'Recompute activations in the backward pass instead of keeping them: much less activation memory for about 30 % more compute.',
    default: false,
  }),
  lr_scheduler_type: z.enum(lrSchedulerTypes).optional().meta({
    description: 'How the learning rate changes after warmup (Hugging Face SchedulerType).',
    default: 'linear',
  }),
  output_dir: z.string().min(1).optional().meta({
    description: 'Where checkpoints and the trained model are written.',
    default: './output',
  }),
  hub_model_id: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'must be "owner/name"')
    .optional()
    .meta({
      description:
        'Hugging Face Hub repository ("owner/name") the trained model is pushed to; unset means no push.',
    }),
};

/** A cross-field problem of the `training` section, relative to it. */
export interface TrainingRuleIssue {
  field: string;
  code: 'LORA_R_REQUIRED' | 'CONFLICTING_PRECISION';
  message: string;
}

/**
 * @internal Rules that span two fields of `training`. Takes the raw object so the validator can
 * also run them when other fields have type errors (zod skips refinements then), and a build
 * lists every problem at once.
 */
export function trainingRuleIssues(training: Record<string, unknown>): TrainingRuleIssue[] {
  const issues: TrainingRuleIssue[] = [];
  if (training['use_lora'] === true && training['lora_r'] === undefined) {
    issues.push({
      field: 'lora_r',
      code: 'LORA_R_REQUIRED',
      message:
        'training.use_lora is true but training.lora_r (the LoRA rank) is missing; set it, e.g. 8 or 16.',
    });
  }
  if (training['bf16'] === true && training['fp16'] === true) {
    issues.push({
      field: 'fp16',
      code: 'CONFLICTING_PRECISION',
      message:
        'training.bf16 and training.fp16 are both true; pick one mixed-precision mode (bf16 on RTX 30xx/A100 or newer GPUs, otherwise fp16).',
    });
  }
  return issues;
}

// The rules also live in the schema (not only in validateConfig) so anyone using
// `trainingConfigSchema` directly, e.g. a form library, gets them too.
function checkTrainingRules(value: Record<string, unknown>, context: z.RefinementCtx): void {
  for (const issue of trainingRuleIssues(value)) {
    context.addIssue({
      code: 'custom',
      path: [issue.field],
      message: issue.message,
      params: { code: issue.code },
    });
  }
}

/** A cross-section problem of a whole config. */
export interface ConfigRuleIssue {
  path: string;
  code: 'QLORA_REQUIRES_LORA';
  message: string;
}

/**
 * @internal Rules that span sections (model and training). Like {@link trainingRuleIssues} it
 * takes the raw object so the validator reports them next to type errors elsewhere.
 */
export function configRuleIssues(config: Record<string, unknown>): ConfigRuleIssue[] {
  const model = config['model'];
  const training = config['training'];
  const issues: ConfigRuleIssue[] = [];
  const fourBit =
    typeof model === 'object' &&
    model !== null &&
    (model as Record<string, unknown>)['load_in_4bit'] === true;
  const lora =
    typeof training === 'object' &&
    training !== null &&
    (training as Record<string, unknown>)['use_lora'] === true;
  if (fourBit && !lora) {
    issues.push({
      path: 'model.load_in_4bit',
      code: 'QLORA_REQUIRES_LORA',
      message:
        'model.load_in_4bit (QLoRA) freezes 4-bit base weights, which cannot be trained directly; set training.use_lora to true (with training.lora_r), or load_in_4bit to false.',
    });
  }
  return issues;
}

/** `training` when `method` is `sft` (supervised fine-tuning on tool-use conversations). */
export const sftTrainingSchema = z
  .object({
    method: z.literal('sft').meta({ description: 'Supervised fine-tuning.' }),
    ...commonTrainingShape,
  })
  .superRefine(checkTrainingRules)
  .meta({ title: 'SFT training' });

/** `training` when `method` is `dpo` (Direct Preference Optimization on chosen/rejected pairs). */
export const dpoTrainingSchema = z
  .object({
    method: z.literal('dpo').meta({ description: 'Direct Preference Optimization.' }),
    ...commonTrainingShape,
    beta: z.number().gt(0).optional().meta({
      description:
        'DPO temperature: how far the policy may move from the reference model. Typical 0.1–0.5.',
      default: 0.1,
    }),
    loss_type: z.string().min(1).optional().meta({
      description:
        'TRL DPO loss, e.g. sigmoid, hinge, ipo, robust, bco_pair, sppo_hard, nca_pair, apo_zero.',
      default: 'sigmoid',
    }),
  })
  .superRefine(checkTrainingRules)
  .meta({ title: 'DPO training' });

/** `training` when `method` is `rlhf` (reinforcement learning from feedback). */
export const rlhfTrainingSchema = z
  .object({
    method: z.literal('rlhf').meta({ description: 'Reinforcement learning from feedback.' }),
    ...commonTrainingShape,
  })
  .superRefine(checkTrainingRules)
  .meta({ title: 'RLHF training' });

/** The `training` section: a discriminated union on `method`. */
export const trainingSectionSchema = z
  .discriminatedUnion('method', [sftTrainingSchema, dpoTrainingSchema, rlhfTrainingSchema])
  .meta({
    title: 'Training',
    description: 'Optimization settings; `method` selects SFT, DPO or RLHF.',
  });

/** The `data` section: which dataset strategy generates the training samples. */
export const dataSectionSchema = z
  .object({
    strategy: z.enum(dataStrategies).meta({ description: 'How training samples are produced.' }),
    generation_type: z
      .enum(['real', 'synthetic'])
      .optional()
      .meta({ description: 'Real (collected) samples or synthetic (generated) ones.' }),
    max_samples: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Upper bound on samples used (train + eval).' }),
    train_split: z.number().gt(0).max(1).optional().meta({
      description: 'Fraction of samples used for training; the rest is held out for evaluation.',
      default: 1,
    }),
  })
  .meta({ title: 'Data' });

/** One tool the model learns to call. */
export const toolSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .meta({ description: 'Tool name as the model will emit it, e.g. "search_products".' }),
    description: z.string().meta({ description: 'What the tool does; shown to the model.' }),
    type: z.literal('function').meta({ description: 'Always "function".' }),
    function: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .meta({
        description:
          'The implementation the framework binds: a function name, or an OpenAI-style function object.',
      }),
    parameters: z.record(z.string(), z.unknown()).optional().meta({
      description: 'JSON Schema of the arguments, e.g. {"type":"object","properties":{…}}.',
    }),
  })
  .meta({ title: 'Tool' });

/** The optional `evaluation` section. */
export const evaluationSectionSchema = z
  .object({
    metrics: z.array(z.string().min(1)).optional().meta({
      description: 'Metrics to compute, e.g. tool_accuracy, response_quality.',
    }),
    eval_steps: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Evaluate every this many optimizer steps.' }),
  })
  .meta({ title: 'Evaluation' });

/** The optional `tensorboard` section. */
export const tensorboardSectionSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'Write TensorBoard logs.' }),
    log_dir: z.string().min(1).optional().meta({ description: 'Directory for the logs.' }),
  })
  .meta({ title: 'TensorBoard' });

/**
 * The whole training config, as the Python framework reads it from JSON.
 *
 * @example
 * ```ts
 * const result = trainingConfigSchema.safeParse(JSON.parse(text));
 * ```
 * Prefer {@link validateConfig}: it adds warnings, unknown-key detection and stable codes.
 */
export const trainingConfigSchema = z
  .object({
    model: modelSectionSchema,
    tokenizer: tokenizerSectionSchema,
    training: trainingSectionSchema,
    data: dataSectionSchema,
    tools: z.array(toolSchema).optional().meta({ description: 'Tools the model learns to call.' }),
    evaluation: evaluationSectionSchema.optional(),
    tensorboard: tensorboardSectionSchema.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Random seed for reproducible runs.' }),
  })
  .superRefine((value, context) => {
    for (const issue of configRuleIssues(value)) {
      context.addIssue({
        code: 'custom',
        path: issue.path.split('.'),
        message: issue.message,
        params: { code: issue.code },
      });
    }
  })
  .meta({
    title: 'tinyllm training config',
    description:
      'Config for fine-tuning a small model for tool use (python train.py --config file.json).',
  });

/** A complete, valid training config. */
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
/** The `model` section. */
export type ModelSection = z.infer<typeof modelSectionSchema>;
/** The `tokenizer` section. */
export type TokenizerSection = z.infer<typeof tokenizerSectionSchema>;
/** The `training` section (any method). */
export type TrainingSection = z.infer<typeof trainingSectionSchema>;
/** `training` for SFT. */
export type SftTraining = z.infer<typeof sftTrainingSchema>;
/** `training` for DPO. */
export type DpoTraining = z.infer<typeof dpoTrainingSchema>;
/** `training` for RLHF. */
export type RlhfTraining = z.infer<typeof rlhfTrainingSchema>;
/** The `data` section. */
export type DataSection = z.infer<typeof dataSectionSchema>;
/** One entry of `tools`. */
export type ToolDefinition = z.infer<typeof toolSchema>;
/** The `evaluation` section. */
export type EvaluationSection = z.infer<typeof evaluationSectionSchema>;
/** The `tensorboard` section. */
export type TensorboardSection = z.infer<typeof tensorboardSectionSchema>;
/** A learning-rate schedule. */
export type LrSchedulerType = (typeof lrSchedulerTypes)[number];
/** A training method. */
export type TrainingMethod = TrainingSection['method'];
/** A weight precision. */
export type TorchDtype = (typeof torchDtypes)[number];
/** A data strategy. */
export type DataStrategy = (typeof dataStrategies)[number];

/**
 * The framework's key order, used by serializeConfig and diffConfigs so files stay readable
 * and diffs stable. Keys not listed here (unknown keys) follow in their original order.
 */
export const keyOrder = {
  root: ['model', 'tokenizer', 'training', 'data', 'tools', 'evaluation', 'tensorboard', 'seed'],
  model: Object.keys(modelSectionSchema.shape),
  tokenizer: Object.keys(tokenizerSectionSchema.shape),
  training: Object.keys(dpoTrainingSchema.shape),
  data: Object.keys(dataSectionSchema.shape),
  tool: Object.keys(toolSchema.shape),
  evaluation: Object.keys(evaluationSectionSchema.shape),
  tensorboard: Object.keys(tensorboardSectionSchema.shape),
} as const;

/** Known keys of `training` per method (DPO adds `beta` and `loss_type`). */
export const trainingKeysByMethod: Readonly<Record<TrainingMethod, readonly string[]>> = {
  sft: Object.keys(sftTrainingSchema.shape),
  dpo: Object.keys(dpoTrainingSchema.shape),
  rlhf: Object.keys(rlhfTrainingSchema.shape),
};
