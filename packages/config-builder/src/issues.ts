/**
 * Codes of blocking problems. Stable: they are part of the public API, so UIs can map them
 * to their own wording.
 */
export const errorIssueCodes = [
  /** The text is not valid JSON. */
  'INVALID_JSON',
  /** A required field or section is missing. */
  'REQUIRED',
  /** A value has the wrong type (string for number, fraction for a whole number, …). */
  'INVALID_TYPE',
  /** A value is not one of the allowed options. */
  'INVALID_VALUE',
  /** A number is below its minimum, or a string/list is empty. */
  'TOO_SMALL',
  /** A number is above its maximum. */
  'TOO_LARGE',
  /** `use_lora` is true but `lora_r` is missing. */
  'LORA_R_REQUIRED',
  /** `bf16` and `fp16` are both true. */
  'CONFLICTING_PRECISION',
  /** `model.load_in_4bit` (QLoRA) without `training.use_lora`. */
  'QLORA_REQUIRES_LORA',
  /** A template id that does not exist. */
  'UNKNOWN_TEMPLATE',
  /** A field path that cannot be set (builder and CLI `--set`). */
  'INVALID_PATH',
] as const;

/** Codes of advice that does not block a run. Stable, like {@link errorIssueCodes}. */
export const warningIssueCodes = [
  'FLOAT32_ON_SMALL_GPU',
  'HIGH_LEARNING_RATE',
  'HIGH_DPO_LEARNING_RATE',
  'LARGE_EFFECTIVE_BATCH',
  'WARMUP_EXCEEDS_TOTAL_STEPS',
  'TOKENIZER_MODEL_MISMATCH',
  'OPTIMIZER_NEEDS_CUDA',
  'QUANTIZATION_NEEDS_CUDA',
  'UNUSUAL_LORA_ALPHA_RATIO',
  'MAX_LENGTH_EXCEEDS_CONTEXT',
  'MEMORY_EXCEEDS_GPU',
  'UNKNOWN_KEY',
  'RENAMED_KEY',
  'FIELD_IGNORED_FOR_METHOD',
  'DUPLICATE_KEY',
] as const;

/** A stable code of a blocking problem. */
export type ErrorIssueCode = (typeof errorIssueCodes)[number];
/** A stable code of a warning. */
export type WarningIssueCode = (typeof warningIssueCodes)[number];
/** Any issue code. */
export type ConfigIssueCode = ErrorIssueCode | WarningIssueCode;

/** One problem or piece of advice about a config. */
export interface ConfigIssue {
  /** `error` blocks a run; `warning` is advice. */
  severity: 'error' | 'warning';
  /** Stable machine-readable code. */
  code: ConfigIssueCode;
  /**
   * Where the problem is, as a JSON path in the framework's snake_case names:
   * `training.batch_size`, `tools[0].name`; `''` for the whole config.
   */
  path: string;
  /** A plain-language explanation that says what to do. */
  message: string;
  /** A replacement key or value, when there is an obvious one (e.g. "did you mean"). */
  suggestion?: string;
  /** 1-based line in the source text (only from {@link parseConfig}). */
  line?: number;
  /** 1-based column in the source text (only from {@link parseConfig}). */
  column?: number;
}
