/**
 * From a model's reply text to a validated object, or an `OUTPUT_INVALID` error that carries
 * the raw text and every validation issue.
 */
import type { SchemaInput, SchemaIssue } from '../any-schema/types';
import { validateWithSchema } from '../any-schema/validate';
import { TinyLLMError } from '../errors';

/**
 * The JSON inside a reply: models that only "request" JSON (no enforcement) often wrap it in a
 * Markdown fence or add a sentence around it.
 */
export function extractJsonText(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n?([\s\S]*?)\n?```/i.exec(trimmed);
  if (fenced) return fenced[1]!.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return trimmed;
  const start = trimmed.search(/[{[]/);
  const end = Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']'));
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : trimmed;
}

/** The OUTPUT_INVALID error for a reply, naming the first issue and keeping all of them. */
export function outputInvalidError(
  text: string,
  issues: SchemaIssue[],
  context: { provider?: string; modelId?: string; cause?: unknown },
): TinyLLMError {
  const first = issues[0] ?? { path: '', message: 'invalid' };
  return new TinyLLMError({
    code: 'OUTPUT_INVALID',
    message: `The model's output does not match the schema at ${first.path || '(root)'}: ${first.message}`,
    path: first.path,
    retryable: false,
    provider: context.provider,
    modelId: context.modelId,
    cause: context.cause,
    details: { text, issues },
  });
}

/** Parses and validates a reply. Rejects with `OUTPUT_INVALID`. */
export async function parseObject<T>(
  text: string,
  schema: SchemaInput<T>,
  context: { provider?: string; modelId?: string } = {},
): Promise<T> {
  let value: unknown;
  try {
    value = JSON.parse(extractJsonText(text));
  } catch (error) {
    const message = `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    throw outputInvalidError(text, [{ path: '', message }], { ...context, cause: error });
  }
  const result = await validateWithSchema(schema, value);
  if (result.issues) throw outputInvalidError(text, result.issues, context);
  return result.value;
}
