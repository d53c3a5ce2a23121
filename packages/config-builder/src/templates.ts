import { ConfigError } from './errors';
import type { TrainingConfig } from './schema';

/** A starting point for a config, with advice on when to use it. */
export interface ConfigTemplate {
  /** Stable id, e.g. `sft_toolbench`. */
  id: TemplateId;
  /** Short human title. */
  title: string;
  /** When to use this template, in plain language. */
  description: string;
  /** The config (frozen; the builder copies it before changing anything). */
  config: TrainingConfig;
}

/** Ids of the built-in templates. */
export const templateIds = [
  'sft_toolbench',
  'sft_pc_building',
  'dpo_basic',
  'teacher_mode',
  'knowledge_dense',
  'hybrid_training',
] as const;

/** A built-in template id. */
export type TemplateId = (typeof templateIds)[number];

const qwen3 = 'Qwen/Qwen3-0.6B';

const qwenModel = (torch_dtype: 'float16' | 'bfloat16') =>
  ({ name: qwen3, trust_remote_code: true, torch_dtype, device_map: 'auto' }) as const;
const qwenTokenizer = { name: qwen3, trust_remote_code: true, padding_side: 'right' } as const;
const evaluation = { metrics: ['tool_accuracy', 'response_quality'], eval_steps: 50 };

const definitions: Record<TemplateId, Omit<ConfigTemplate, 'id'>> = {
  sft_toolbench: {
    title: 'SFT on ToolBench',
    description:
      'Start here: supervised fine-tuning on real ToolBench tool-use conversations teaches a small model the tool-call format and when to call a tool. One epoch with LoRA.',
    config: {
      model: qwenModel('float16'),
      tokenizer: qwenTokenizer,
      training: {
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
      },
      data: { strategy: 'toolbench', generation_type: 'real', max_samples: 700, train_split: 0.99 },
      evaluation,
      tensorboard: { enabled: true, log_dir: './runs/sft_toolbench' },
      seed: 42,
    },
  },
  sft_pc_building: {
    title: 'SFT for a PC-building assistant',
    description:
      'A domain assistant with its own tools: synthetic PC-building conversations that call component-search and compatibility tools. Use it as the pattern for any narrow domain with a handful of tools.',
    config: {
      model: qwenModel('float16'),
      tokenizer: qwenTokenizer,
      training: {
        method: 'sft',
        num_epochs: 2,
        learning_rate: 1e-4,
        batch_size: 2,
        gradient_accumulation_steps: 8,
        warmup_steps: 10,
        max_length: 1024,
        use_lora: true,
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0.05,
      },
      data: {
        strategy: 'pc_building',
        generation_type: 'synthetic',
        max_samples: 500,
        train_split: 0.9,
      },
      tools: [
        {
          name: 'search_components',
          description: 'Search PC components by category and budget.',
          type: 'function',
          function: 'search_components',
          parameters: {
            type: 'object',
            properties: {
              category: {
                type: 'string',
                enum: ['cpu', 'gpu', 'motherboard', 'ram', 'storage', 'psu', 'case'],
              },
              max_price: { type: 'number', description: 'Budget in USD.' },
            },
            required: ['category'],
          },
        },
        {
          name: 'check_compatibility',
          description: 'Check whether a list of components work together.',
          type: 'function',
          function: 'check_compatibility',
          parameters: {
            type: 'object',
            properties: { components: { type: 'array', items: { type: 'string' } } },
            required: ['components'],
          },
        },
      ],
      evaluation,
      tensorboard: { enabled: true, log_dir: './runs/sft_pc_building' },
      seed: 42,
    },
  },
  dpo_basic: {
    title: 'DPO preference tuning',
    description:
      'After SFT: Direct Preference Optimization on chosen/rejected answer pairs, to prefer correct tool calls over plausible wrong ones. Very low learning rate, 8-bit paged AdamW to save memory (needs a CUDA GPU).',
    config: {
      model: qwenModel('float16'),
      tokenizer: qwenTokenizer,
      training: {
        method: 'dpo',
        num_epochs: 1,
        learning_rate: 1e-6,
        batch_size: 2,
        gradient_accumulation_steps: 16,
        warmup_steps: 10,
        max_length: 512,
        use_lora: true,
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
        beta: 0.1,
        loss_type: 'sigmoid',
      },
      data: {
        strategy: 'custom',
        generation_type: 'synthetic',
        max_samples: 1000,
        train_split: 0.95,
      },
      evaluation: { metrics: ['tool_accuracy'], eval_steps: 10 },
      tensorboard: { enabled: true, log_dir: './runs/dpo_basic' },
      seed: 42,
    },
  },
  teacher_mode: {
    title: 'Distillation from a teacher',
    description:
      'When you have access to a larger teacher model: it generates tool-use conversations and the small model learns from them. Good when real data is scarce; check a sample of the generated data first.',
    config: {
      model: qwenModel('bfloat16'),
      tokenizer: qwenTokenizer,
      training: {
        method: 'sft',
        num_epochs: 2,
        learning_rate: 2e-4,
        batch_size: 2,
        gradient_accumulation_steps: 8,
        warmup_steps: 50,
        max_length: 1024,
        use_lora: true,
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0.05,
        bf16: true,
      },
      data: {
        strategy: 'teacher_mode',
        generation_type: 'synthetic',
        max_samples: 2000,
        train_split: 0.95,
      },
      evaluation,
      tensorboard: { enabled: true, log_dir: './runs/teacher_mode' },
      seed: 42,
    },
  },
  knowledge_dense: {
    title: 'Knowledge-dense SFT',
    description:
      'When the model must learn facts of a domain as well as tool use: dense, fact-rich samples, more epochs and a higher LoRA rank for capacity. Watch the eval loss for overfitting.',
    config: {
      model: qwenModel('float16'),
      tokenizer: qwenTokenizer,
      training: {
        method: 'sft',
        num_epochs: 3,
        learning_rate: 1e-4,
        batch_size: 2,
        gradient_accumulation_steps: 16,
        warmup_steps: 20,
        max_length: 1024,
        use_lora: true,
        lora_r: 32,
        lora_alpha: 64,
        lora_dropout: 0.05,
      },
      data: {
        strategy: 'knowledge_dense',
        generation_type: 'synthetic',
        max_samples: 1500,
        train_split: 0.95,
      },
      evaluation,
      tensorboard: { enabled: true, log_dir: './runs/knowledge_dense' },
      seed: 42,
    },
  },
  hybrid_training: {
    title: 'Hybrid real + synthetic SFT',
    description:
      'For a general tool-use model: mixes real ToolBench conversations with synthetic ones for broader coverage. The largest dataset of the templates; two epochs.',
    config: {
      model: qwenModel('float16'),
      tokenizer: qwenTokenizer,
      training: {
        method: 'sft',
        num_epochs: 2,
        learning_rate: 5e-5,
        batch_size: 2,
        gradient_accumulation_steps: 16,
        warmup_steps: 30,
        max_length: 1024,
        use_lora: true,
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0.05,
      },
      data: { strategy: 'hybrid', max_samples: 3000, train_split: 0.95 },
      evaluation,
      tensorboard: { enabled: true, log_dir: './runs/hybrid_training' },
      seed: 42,
    },
  },
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const entry of Object.values(value)) deepFreeze(entry);
    Object.freeze(value);
  }
  return value;
}

/**
 * The built-in templates by id. Frozen: start a config from one with
 * {@link ConfigBuilder.fromTemplate}, which copies it.
 */
export const templates: Readonly<Record<TemplateId, Readonly<ConfigTemplate>>> = deepFreeze(
  Object.fromEntries(templateIds.map((id) => [id, { id, ...definitions[id] }])) as Record<
    TemplateId,
    ConfigTemplate
  >,
);

/** True when `id` names a built-in template. */
export function isTemplateId(id: string): id is TemplateId {
  return (templateIds as readonly string[]).includes(id);
}

/**
 * Returns a built-in template.
 *
 * @throws {ConfigError} with an `UNKNOWN_TEMPLATE` issue listing the valid ids.
 */
export function getTemplate(id: string): Readonly<ConfigTemplate> {
  if (isTemplateId(id)) return templates[id];
  throw new ConfigError({
    issues: [
      {
        severity: 'error',
        code: 'UNKNOWN_TEMPLATE',
        path: '',
        message: `Unknown template "${id}". Available: ${templateIds.join(', ')}.`,
      },
    ],
  });
}

/** All built-in templates, in a stable order (SFT first, then DPO and the data strategies). */
export function listTemplates(): ReadonlyArray<Readonly<ConfigTemplate>> {
  return templateIds.map((id) => templates[id]);
}
