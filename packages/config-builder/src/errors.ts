import type { ConfigIssue } from './issues';

/** The stable error code of every {@link ConfigError}. */
export type ConfigErrorCode = 'INVALID_CONFIG';

/** Constructor options of {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** Every blocking problem found (at least one). */
  issues: readonly ConfigIssue[];
  /** Non-blocking advice found in the same pass, so callers can show it next to the errors. */
  warnings?: readonly ConfigIssue[];
  /** Overrides the message built from `issues`. */
  message?: string;
  /** The underlying error, e.g. the `SyntaxError` of `JSON.parse`. */
  cause?: unknown;
}

// The same registry key as @tinyllm/core's base error, so `TinyLLMError.isInstance()` also
// recognises config errors without this package depending on core.
const brand = Symbol.for('tinyllm.error');

/**
 * Thrown when a training config is malformed or invalid: by {@link ConfigBuilder.build},
 * {@link parseConfig} and {@link getTemplate}. Lists every problem, not only the first.
 *
 * @example
 * ```ts
 * try { parseConfig(text); }
 * catch (error) {
 *   if (ConfigError.isInstance(error)) for (const issue of error.issues) console.error(issue.path, issue.message);
 * }
 * ```
 */
export class ConfigError extends Error {
  readonly [brand] = true;
  /** Always `INVALID_CONFIG`; stable, so callers branch on it rather than on the message. */
  readonly code: ConfigErrorCode = 'INVALID_CONFIG';
  /** Every blocking problem, each with a path, a stable code and a plain-language message. */
  readonly issues: readonly ConfigIssue[];
  /** Advice found in the same pass (never blocking). */
  readonly warnings: readonly ConfigIssue[];

  constructor(options: ConfigErrorOptions) {
    super(
      options.message ?? summarize(options.issues),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ConfigError';
    this.issues = options.issues;
    this.warnings = options.warnings ?? [];
  }

  /** True for any config error, even one thrown by another copy of this package (where `instanceof` fails). */
  static isInstance(value: unknown): value is ConfigError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (value as { code?: unknown }).code === 'INVALID_CONFIG'
    );
  }

  /** A serializable view (errors do not serialize their own fields by default). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      issues: this.issues,
      warnings: this.warnings,
    };
  }
}

function summarize(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  // Messages usually name their path already; prefix it only where they do not.
  const lines = issues.map((issue) =>
    issue.path === '' || issue.message.includes(issue.path)
      ? `- ${issue.message}`
      : `- ${issue.path}: ${issue.message}`,
  );
  return `Invalid training config (${count}):\n${lines.join('\n')}`;
}
