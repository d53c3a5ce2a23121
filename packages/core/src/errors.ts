/**
 * Typed errors shared by every tinyllm package.
 *
 * One base class with a stable `code`, so callers branch on `error.code` instead of
 * parsing messages, and `TinyLLMError.isInstance()` works across duplicate copies of
 * this package in one app (where `instanceof` fails).
 */

/** Every error code tinyllm throws. Codes are stable: they are part of the public API. */
export const errorCodes = [
  'MODEL_NOT_FOUND',
  'MODEL_LOAD_FAILED',
  'MODEL_LOADING',
  'RATE_LIMITED',
  'AUTH_FAILED',
  'TIMEOUT',
  'ABORTED',
  'CONTEXT_LENGTH_EXCEEDED',
  'INVALID_REQUEST',
  'PROVIDER_UNAVAILABLE',
  'GENERATION_FAILED',
  'MEMORY_EXCEEDED',
  'INVALID_CONFIG',
  'INVALID_TOOL_ARGUMENTS',
  'TOOL_CALL_PARSE_FAILED',
  'TOOL_EXECUTION_FAILED',
  'QUEUE_FULL',
  'CONFLICT',
  'NOT_FOUND',
  'MISSING_DEPENDENCY',
  'OUTPUT_INVALID',
] as const;

/** A stable error code. */
export type ErrorCode = (typeof errorCodes)[number];

/** Codes that are worth retrying by default (transient conditions). */
const defaultRetryable: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MODEL_LOADING',
  'RATE_LIMITED',
  'TIMEOUT',
  'PROVIDER_UNAVAILABLE',
]);

/** Constructor options of {@link TinyLLMError}. */
export interface TinyLLMErrorOptions {
  code: ErrorCode;
  message: string;
  /** Whether retrying the same request may succeed. Defaults by code. */
  retryable?: boolean;
  /** How long the server asked us to wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** Provider id, e.g. `ollama`. */
  provider?: string;
  /** Model id as the provider knows it. */
  modelId?: string;
  /** HTTP status, when the error came from an HTTP response. */
  status?: number;
  /** JSON path or field name the error is about (validation errors). */
  path?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Extra structured, non-secret data. */
  details?: Record<string, unknown>;
}

const brand = Symbol.for('tinyllm.error');

// Outside the class on purpose: a class body that names its own class is emitted by esbuild as
// `class _TinyLLMError`, and loggers that print `error.constructor.name` (pino's `type`) showed that.
const isBranded = (value: unknown): value is TinyLLMError =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;

/**
 * The base error of tinyllm. Branch on {@link TinyLLMError.code}.
 *
 * @example
 * ```ts
 * try { await model.chat(request); }
 * catch (error) {
 *   if (TinyLLMError.isInstance(error) && error.code === 'RATE_LIMITED') {
 *     await sleep(error.retryAfterMs ?? 1000);
 *   }
 * }
 * ```
 */
export class TinyLLMError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly modelId: string | undefined;
  readonly status: number | undefined;
  readonly path: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: TinyLLMErrorOptions) {
    super(
      redactSecrets(options.message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'TinyLLMError';
    this.code = options.code;
    this.retryable = options.retryable ?? defaultRetryable.has(options.code);
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.modelId = options.modelId;
    this.status = options.status;
    this.path = options.path;
    this.details = options.details === undefined ? undefined : redactObject(options.details);
  }

  /** True for any tinyllm error, even one thrown by another copy of this package. */
  static isInstance(value: unknown): value is TinyLLMError {
    return isBranded(value);
  }

  /** True when `value` is a tinyllm error with the given code. */
  static hasCode(value: unknown, code: ErrorCode): value is TinyLLMError {
    return isBranded(value) && value.code === code;
  }

  /** Node's `util.inspect` shows the redacted view, never the raw `cause` (which may echo secrets). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const { name: _name, message: _message, ...fields } = this.toJSON();
    const defined = Object.fromEntries(
      Object.entries(fields).filter(([, value]) => value !== undefined),
    );
    return `${this.name} [${this.code}]: ${this.message} ${JSON.stringify(defined)}`;
  }

  /** A serializable view with secrets redacted; `cause` is reduced to its name and message. */
  toJSON(): Record<string, unknown> {
    const cause = describeCause(this.cause);
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      provider: this.provider,
      modelId: this.modelId,
      status: this.status,
      path: this.path,
      details: this.details,
      cause,
    };
  }
}

// Test runners and loggers sometimes hand us copies of errors without a prototype, where
// `instanceof Error` is false and `String(value)` throws: describe by shape, never by coercion.
function describeCause(cause: unknown): unknown {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'object') {
    const { name, message, code } = cause as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof name === 'string' ? name : 'Error',
      ...(typeof code === 'string' ? { code } : {}),
      message: typeof message === 'string' ? redactSecrets(message) : '[object]',
    };
  }
  return redactSecrets(String(cause));
}

/** Creates the ABORTED error thrown when a caller's signal fires. */
export function abortedError(
  signal?: AbortSignal,
  context: { provider?: string; modelId?: string } = {},
): TinyLLMError {
  const reason: unknown = signal?.reason;
  if (TinyLLMError.isInstance(reason)) return reason;
  return new TinyLLMError({
    code: 'ABORTED',
    message: 'The request was aborted.',
    retryable: false,
    cause: reason,
    ...context,
  });
}

/** Throws the ABORTED error if `signal` has fired. */
export function throwIfAborted(
  signal: AbortSignal | undefined,
  context: { provider?: string; modelId?: string } = {},
): void {
  if (signal?.aborted) throw abortedError(signal, context);
}

/** Wraps any thrown value as a {@link TinyLLMError} (keeping tinyllm errors as they are). */
export function toTinyLLMError(
  error: unknown,
  fallback: Omit<TinyLLMErrorOptions, 'message' | 'cause'> & { message?: string },
): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  if (isAbortError(error)) {
    return new TinyLLMError({
      ...fallback,
      code: 'ABORTED',
      message: 'The request was aborted.',
      cause: error,
      retryable: false,
    });
  }
  const message = fallback.message ?? (error instanceof Error ? error.message : String(error));
  return new TinyLLMError({ ...fallback, message, cause: error });
}

/** True for DOM-style abort errors (`AbortError`, `TimeoutError`) from fetch and friends. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { code?: unknown }).code === 'ABORT_ERR')
  );
}

// Secrets look like bearer tokens, `hf_…` tokens, `sk-…` keys or `key=value` pairs whose key
// names a secret. Redaction is best-effort defence in depth: we never put secrets in messages
// on purpose, but upstream error bodies sometimes echo them back.
const secretPatterns: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 [REDACTED]'],
  [/\bhf_[A-Za-z0-9]{6,}/g, '[REDACTED]'],
  [/\bsk-[A-Za-z0-9_-]{6,}/g, '[REDACTED]'],
  [
    /\b((?:api[_-]?key|token|secret|password|authorization)["']?\s*[:=]\s*["']?)[^\s"',}]{4,}/gi,
    '$1[REDACTED]',
  ],
];

/** Replaces things that look like credentials in `text` with `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of secretPatterns) out = out.replace(pattern, replacement);
  return out;
}

const secretKeyPattern =
  /^(api[_-]?key|apikey|token|secret|password|authorization|access[_-]?token)$/i;

function redactObject(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (secretKeyPattern.test(key)) out[key] = '[REDACTED]';
    else if (typeof entry === 'string') out[key] = redactSecrets(entry);
    else out[key] = entry;
  }
  return out;
}
