/**
 * Turning HTTP failures and transport errors into typed {@link TinyLLMError}s, the same way
 * for every remote adapter, so an app's error handling does not depend on the backend.
 */
import { type ErrorCode, TinyLLMError, isAbortError } from '@tinyllm/core';
import { z } from 'zod';

/** Who the error is about. */
export interface ErrorContext {
  provider: string;
  modelId?: string;
}

// Error bodies of the servers we speak to. Each is lenient (extra fields allowed) because
// servers add fields over time; we only read the message and a few hints.
const openAIErrorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});
const textErrorBodySchema = z.object({
  error: z.union([z.string(), z.array(z.string()).transform((lines) => lines.join('; '))]),
  /** TGI: `validation`, `overloaded`, `generation`, `incomplete_generation`. */
  error_type: z.string().optional(),
  /** HF serverless: seconds until a loading model is ready. */
  estimated_time: z.number().optional(),
});
const detailErrorBodySchema = z.object({ detail: z.string() });
const messageErrorBodySchema = z.object({ message: z.string() });

/** What an error body told us. */
export interface ParsedErrorBody {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
  estimatedTimeSeconds: number | undefined;
}

/** Reads an error body in any of the formats we know (OpenAI, TGI, Ollama, HF, FastAPI). */
export function parseErrorBody(body: unknown): ParsedErrorBody {
  const openAI = openAIErrorBodySchema.safeParse(body);
  if (openAI.success) {
    const { message, type, code } = openAI.data.error;
    return {
      message,
      type: type ?? undefined,
      code: code === null || code === undefined ? undefined : String(code),
      estimatedTimeSeconds: undefined,
    };
  }
  const text = textErrorBodySchema.safeParse(body);
  if (text.success) {
    return {
      message: text.data.error,
      type: text.data.error_type,
      code: undefined,
      estimatedTimeSeconds: text.data.estimated_time,
    };
  }
  const detail = detailErrorBodySchema.safeParse(body);
  if (detail.success)
    return {
      message: detail.data.detail,
      type: undefined,
      code: undefined,
      estimatedTimeSeconds: undefined,
    };
  const message = messageErrorBodySchema.safeParse(body);
  if (message.success)
    return {
      message: message.data.message,
      type: undefined,
      code: undefined,
      estimatedTimeSeconds: undefined,
    };
  return { message: undefined, type: undefined, code: undefined, estimatedTimeSeconds: undefined };
}

/** Parses a JSON error body from text, falling back to the raw text as the message. */
export function parseErrorText(text: string): ParsedErrorBody {
  try {
    const parsed = parseErrorBody(JSON.parse(text));
    if (parsed.message !== undefined) return parsed;
  } catch {
    // not JSON: the text itself is the message
  }
  const trimmed = text.trim().slice(0, 500);
  return {
    message: trimmed.length > 0 ? trimmed : undefined,
    type: undefined,
    code: undefined,
    estimatedTimeSeconds: undefined,
  };
}

/**
 * Parses `Retry-After` (seconds or an HTTP date) and OpenAI's `retry-after-ms`, in
 * milliseconds. Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: Headers | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\d+(\.\d+)?$/.test(milliseconds.trim()))
    return Math.round(Number(milliseconds));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

// Servers word context overflow differently: OpenAI/vLLM ("maximum context length"),
// llama.cpp ("exceeds the available context size", "n_ctx"), TGI ("must be <= ..." on
// `inputs` tokens), SGLang ("longer than the model's context length"), HF router providers.
const contextOverflowPattern =
  /context[_ ]length[_ ]exceeded|maximum context length|context (window|size|length)|exceeds? the (available )?context|n_ctx|prompt is too long|input is too long|too many (input )?tokens|`inputs` tokens \+ `max_new_tokens` must be/i;

/** True when an error message says the prompt does not fit the model's context window. */
export function isContextOverflowMessage(message: string | undefined): boolean {
  return message !== undefined && contextOverflowPattern.test(message);
}

/** Inputs of {@link errorFromHttpResponse}. */
export interface HttpErrorInput extends ErrorContext {
  status: number;
  body: ParsedErrorBody;
  headers?: Headers;
  /** Overrides of the status → code mapping for one provider (e.g. Ollama's 503 is "busy"). */
  statusCodes?: Partial<Record<number, ErrorCode>>;
}

const statusCodes: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'AUTH_FAILED',
  402: 'RATE_LIMITED',
  403: 'AUTH_FAILED',
  404: 'MODEL_NOT_FOUND',
  408: 'TIMEOUT',
  413: 'CONTEXT_LENGTH_EXCEEDED',
  422: 'INVALID_REQUEST',
  429: 'RATE_LIMITED',
  503: 'MODEL_LOADING',
  504: 'TIMEOUT',
};

/** Maps a failed HTTP response to a typed error. */
export function errorFromHttpResponse(input: HttpErrorInput): TinyLLMError {
  const { status, body } = input;
  const detail = body.message ?? `HTTP ${status}`;
  let code: ErrorCode =
    input.statusCodes?.[status] ??
    statusCodes[status] ??
    (status >= 500
      ? 'PROVIDER_UNAVAILABLE'
      : status >= 400
        ? 'INVALID_REQUEST'
        : 'GENERATION_FAILED');
  if (
    (status === 400 || status === 413 || status === 422 || status === 500) &&
    (isContextOverflowMessage(body.message) || body.code === 'context_length_exceeded')
  )
    code = 'CONTEXT_LENGTH_EXCEEDED';
  let retryAfterMs = parseRetryAfter(input.headers);
  if (retryAfterMs === undefined && body.estimatedTimeSeconds !== undefined)
    retryAfterMs = Math.round(body.estimatedTimeSeconds * 1000);
  // 402 means the account is out of credits: waiting does not help, another provider might.
  const retryable = status === 402 ? false : undefined;
  return new TinyLLMError({
    code,
    message: `${input.provider} request failed with HTTP ${status}: ${detail}`,
    status,
    provider: input.provider,
    ...(input.modelId === undefined ? {} : { modelId: input.modelId }),
    ...(retryable === undefined ? {} : { retryable }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    details: {
      ...(body.type === undefined ? {} : { errorType: body.type }),
      ...(body.code === undefined ? {} : { errorCode: body.code }),
    },
  });
}

/** Reads a failed `Response` and maps it (see {@link errorFromHttpResponse}). */
export async function errorFromResponse(
  response: Response,
  context: ErrorContext & { statusCodes?: Partial<Record<number, ErrorCode>> },
): Promise<TinyLLMError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // a body we cannot read still has a status
  }
  return errorFromHttpResponse({
    ...context,
    status: response.status,
    headers: response.headers,
    body: parseErrorText(text),
  });
}

/**
 * Maps a transport failure (connection refused, reset, dropped mid-stream) to a typed error.
 * Abort errors become ABORTED; tinyllm errors pass through.
 */
export function errorFromTransport(error: unknown, context: ErrorContext): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  const base = {
    provider: context.provider,
    ...(context.modelId ? { modelId: context.modelId } : {}),
  };
  if (isAbortError(error))
    return new TinyLLMError({
      ...base,
      code: 'ABORTED',
      message: 'The request was aborted.',
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  const causeCode = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (error instanceof TypeError || typeof causeCode === 'string') {
    // undici reports a refused connection as "fetch failed" and a body cut short as "terminated".
    const dropped = /terminated|other side closed|socket|ECONNRESET|premature/i.test(
      `${message} ${String(causeCode ?? '')}`,
    );
    return new TinyLLMError({
      ...base,
      code: 'PROVIDER_UNAVAILABLE',
      message: dropped
        ? `The connection to ${context.provider} was closed before the response finished.`
        : `Could not reach ${context.provider}: ${message}${typeof causeCode === 'string' ? ` (${causeCode})` : ''}`,
      cause: error,
    });
  }
  return new TinyLLMError({
    ...base,
    code: isContextOverflowMessage(message) ? 'CONTEXT_LENGTH_EXCEEDED' : 'GENERATION_FAILED',
    message: `${context.provider} failed: ${message}`,
    cause: error,
  });
}

/** The error thrown when a stream ends before the server said it was finished. */
export function streamEndedEarlyError(context: ErrorContext): TinyLLMError {
  return new TinyLLMError({
    code: 'PROVIDER_UNAVAILABLE',
    message: `The ${context.provider} stream ended before the response finished (connection dropped?).`,
    provider: context.provider,
    ...(context.modelId ? { modelId: context.modelId } : {}),
  });
}
