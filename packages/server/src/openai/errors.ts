/**
 * tinyllm errors → OpenAI-shaped error responses (`{ error: { message, type, param, code } }`)
 * with the HTTP status a client expects for each core error code.
 */
import { type ErrorCode, TinyLLMError, toTinyLLMError } from '@tinyllm/core';

interface ErrorMapping {
  status: number;
  type: string;
  /** OpenAI's own code where one exists; otherwise the tinyllm code, lower-cased. */
  code?: string;
}

/**
 * The status of every core error code, decided one by one: typed by `ErrorCode`, so a code added
 * to core fails the type check until it has a row here (and a test walks every code through the
 * server). A model that cannot be loaded (`MODEL_LOAD_FAILED`: corrupt weights, wrong dtype) is
 * the server's fault, so 500, unlike an unknown model (404).
 */
export const errorStatusByCode: Readonly<Record<ErrorCode, ErrorMapping>> = {
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  INVALID_TOOL_ARGUMENTS: { status: 400, type: 'invalid_request_error' },
  CONTEXT_LENGTH_EXCEEDED: {
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
  },
  AUTH_FAILED: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  CONFLICT: { status: 409, type: 'invalid_request_error' },
  ABORTED: { status: 499, type: 'request_aborted' },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  QUEUE_FULL: { status: 429, type: 'rate_limit_error', code: 'queue_full' },
  GENERATION_FAILED: { status: 500, type: 'server_error' },
  TOOL_CALL_PARSE_FAILED: { status: 500, type: 'server_error' },
  TOOL_EXECUTION_FAILED: { status: 500, type: 'server_error' },
  OUTPUT_INVALID: { status: 500, type: 'server_error' },
  INVALID_CONFIG: { status: 500, type: 'server_error' },
  MISSING_DEPENDENCY: { status: 500, type: 'server_error' },
  MODEL_LOAD_FAILED: { status: 500, type: 'server_error' },
  PROVIDER_UNAVAILABLE: { status: 502, type: 'server_error' },
  MODEL_LOADING: { status: 503, type: 'server_error' },
  MEMORY_EXCEEDED: { status: 503, type: 'server_error' },
  TIMEOUT: { status: 504, type: 'server_error' },
};

/** Seconds a client should wait on a 429/503 when the error names no delay. */
const defaultRetryAfterSeconds = 1;

/** The OpenAI error body of an error. */
export function toOpenAIErrorBody(error: TinyLLMError, mapping: ErrorMapping) {
  return {
    error: {
      message: error.message,
      type: mapping.type,
      param: error.path ?? null,
      code: mapping.code ?? error.code.toLowerCase(),
    },
  };
}

/**
 * The HTTP response for any thrown value. Upstream `AUTH_FAILED` (a remote model refused the
 * server's own key) becomes 502: telling the client its key is wrong would send it looking in
 * the wrong place. Messages are already redacted by `TinyLLMError`.
 */
export function errorResponse(thrown: unknown, options: { upstream?: boolean } = {}): Response {
  const error = toTinyLLMError(thrown, { code: 'GENERATION_FAILED', retryable: false });
  let mapping = errorStatusByCode[error.code] ?? { status: 500, type: 'server_error' };
  if (error.code === 'AUTH_FAILED' && options.upstream !== false) {
    mapping = { status: 502, type: 'server_error', code: 'upstream_auth_failed' };
  }
  const headers = new Headers({ 'content-type': 'application/json' });
  if (mapping.status === 429 || mapping.status === 503) {
    const seconds =
      error.retryAfterMs === undefined
        ? defaultRetryAfterSeconds
        : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    headers.set('retry-after', String(seconds));
  }
  return new Response(JSON.stringify(toOpenAIErrorBody(error, mapping)), {
    status: mapping.status,
    headers,
  });
}

/** The 401 of a missing or wrong server API key. */
export function unauthorizedResponse(): Response {
  const error = new TinyLLMError({
    code: 'AUTH_FAILED',
    message: 'Missing or invalid API key. Send it as `Authorization: Bearer <key>`.',
    retryable: false,
  });
  return errorResponse(error, { upstream: false });
}

/** The body of an error that happens after a stream started (sent as one `data:` event). */
export function streamErrorBody(thrown: unknown) {
  const error = toTinyLLMError(thrown, { code: 'GENERATION_FAILED', retryable: false });
  const mapping = errorStatusByCode[error.code] ?? { status: 500, type: 'server_error' };
  return toOpenAIErrorBody(error, mapping);
}
