/**
 * Small constructors for the registry's typed errors, so every throw site names the same codes
 * and fields (`path` for validation errors, `details.id` for lookups).
 */
import { TinyLLMError } from '@tinyllm/core';
import type { z } from 'zod';

/** Renders a zod issue path as `a.b[0].c`, the form `TinyLLMError.path` uses across tinyllm. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Turns a zod failure into INVALID_REQUEST naming the first offending field. Values are never
 * copied into the error: an invalid record may carry a plaintext API key.
 */
export function validationError(
  error: z.ZodError,
  what: string,
  code: 'INVALID_REQUEST' | 'INVALID_CONFIG' = 'INVALID_REQUEST',
  prefix: ReadonlyArray<PropertyKey> = [],
): TinyLLMError {
  const issue = error.issues[0];
  const path = formatPath([...prefix, ...(issue?.path ?? [])]);
  return new TinyLLMError({
    code,
    message: `Invalid ${what} at ${path || '(root)'}: ${issue?.message ?? 'invalid'}`,
    path,
    retryable: false,
    details: {
      issues: error.issues.map((entry) => ({
        path: formatPath([...prefix, ...entry.path]),
        message: entry.message,
      })),
    },
  });
}

/** Parses `value` with `schema` or throws {@link validationError}. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
  code: 'INVALID_REQUEST' | 'INVALID_CONFIG' = 'INVALID_REQUEST',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, what, code);
  return result.data;
}

/** NOT_FOUND for a model, config or other record that does not exist or is not visible. */
export function notFound(kind: string, key: string): TinyLLMError {
  return new TinyLLMError({
    code: 'NOT_FOUND',
    message: `No ${kind} "${key}" in this registry.`,
    retryable: false,
    details: { kind, key },
  });
}

/** CONFLICT for a duplicate name or a stale revision. */
export function conflict(message: string, details: Record<string, unknown> = {}): TinyLLMError {
  return new TinyLLMError({ code: 'CONFLICT', message, retryable: false, details });
}
