/**
 * Ollama failures → typed errors. The `ollama` client throws `ResponseError` (with
 * `status_code`) for HTTP errors and a plain `Error` for `{"error": ...}` lines mid-stream.
 */
import { TinyLLMError } from '@tinyllm/core';
import {
  errorFromHttpResponse,
  errorFromTransport,
  streamEndedEarlyError,
} from '../shared/http-errors';

/** Ollama answers 503 when its request queue is full ("server busy"), not while loading. */
const ollamaStatusCodes = { 503: 'PROVIDER_UNAVAILABLE' } as const;

/** Maps anything the ollama client threw. `headers` are those of the failed response, if seen. */
export function mapOllamaError(
  error: unknown,
  context: { provider: string; modelId?: string; headers?: Headers | undefined },
): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  const base = {
    provider: context.provider,
    ...(context.modelId ? { modelId: context.modelId } : {}),
  };
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { status_code?: unknown } | null)?.status_code;
  if (/does not support (tools|thinking)/i.test(message)) {
    const feature = /thinking/i.test(message) ? 'thinking' : 'tools';
    return new TinyLLMError({
      ...base,
      code: 'INVALID_REQUEST',
      retryable: false,
      ...(typeof status === 'number' ? { status } : {}),
      message:
        feature === 'tools'
          ? `Ollama model "${context.modelId}" does not support tools: its chat template has no tool section. Send the request without tools, or use a model (or Modelfile TEMPLATE) with tool support. (${message})`
          : `Ollama model "${context.modelId}" does not support thinking: drop the \`think\` option. (${message})`,
      cause: error,
    });
  }
  if (typeof status === 'number') {
    const mapped = errorFromHttpResponse({
      ...base,
      status,
      headers: context.headers,
      body: { message, type: undefined, code: undefined, estimatedTimeSeconds: undefined },
      statusCodes: ollamaStatusCodes,
    });
    if (mapped.code === 'MODEL_NOT_FOUND') {
      return new TinyLLMError({
        ...base,
        code: 'MODEL_NOT_FOUND',
        status,
        retryable: false,
        message: `Ollama has no model "${context.modelId}": pull it first (ollama pull ${context.modelId}). (${message})`,
        cause: error,
      });
    }
    return mapped;
  }
  if (/Did not receive done or success response in stream/.test(message))
    return streamEndedEarlyError(base);
  // Otherwise: a transport failure (TypeError from fetch) or a plain Error the client built
  // from an `{"error": ...}` line sent mid-stream (GENERATION_FAILED, or context overflow).
  return errorFromTransport(error, base);
}
