/** Stable codes of {@link TrainerError}. */
export const trainerErrorCodes = [
  /** Options of a job or backend are wrong (missing dataset, bad path, …). */
  'INVALID_OPTIONS',
  /** The dataset file is missing or a line does not have the shape the method needs. */
  'DATASET_INVALID',
  /** The local backend needs a local model folder; the config names a Hub model. */
  'BASE_MODEL_NOT_LOCAL',
  /** The backend cannot train this config (method, quantization, loss type). */
  'UNSUPPORTED_CONFIG',
  /** Python, PyTorch or ONNX is not installed where the local backend looks. */
  'PYTHON_UNAVAILABLE',
  /** The trainer process failed. */
  'TRAINING_FAILED',
  /** The job was cancelled; `run()` again resumes from the last checkpoint. */
  'CANCELLED',
  /** Training succeeded but registering or evaluating the model failed; the model folder is kept. */
  'REGISTRATION_FAILED',
] as const;

/** A stable code of a {@link TrainerError}. */
export type TrainerErrorCode = (typeof trainerErrorCodes)[number];

/** Constructor options of {@link TrainerError}. */
export interface TrainerErrorOptions {
  code: TrainerErrorCode;
  message: string;
  /** What the error is about: an option name, a file path with line, a config path. */
  path?: string;
  /** Last lines the trainer process printed, for TRAINING_FAILED. */
  output?: string;
  cause?: unknown;
}

// The same registry key as @tinyllm/core's base error, so `TinyLLMError.isInstance()`-style
// checks recognise trainer errors across duplicate copies of the package.
const brand = Symbol.for('tinyllm.error');

/**
 * Every error of @tinyllm/trainer. Branch on `code`, which is stable.
 *
 * @example
 * ```ts
 * try { await job.run(); }
 * catch (error) { if (TrainerError.isInstance(error) && error.code === 'CANCELLED') await job.run(); }
 * ```
 */
export class TrainerError extends Error {
  readonly [brand] = true;
  readonly code: TrainerErrorCode;
  readonly path: string | undefined;
  readonly output: string | undefined;
  /** Only CANCELLED is worth retrying as is (it resumes). */
  readonly retryable: boolean;

  constructor(options: TrainerErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrainerError';
    this.code = options.code;
    this.path = options.path;
    this.output = options.output;
    this.retryable = options.code === 'CANCELLED';
  }

  /** True for any trainer error, even from another copy of this package. */
  static isInstance(value: unknown): value is TrainerError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (trainerErrorCodes as readonly unknown[]).includes((value as { code?: unknown }).code)
    );
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
    };
  }
}
