/**
 * The zod schema of a finished request's usage record (what hooks report and the registry stores).
 */
import { z } from 'zod';
import { errorCodes } from '../errors';
import { finishReasonSchema } from './messages';

/** One finished request (success or failure): what analytics store. */
export const usageEventSchema = z.object({
  /** Unique id of the request. */
  requestId: z.string(),
  provider: z.string(),
  modelId: z.string(),
  /** The name the app used for the model (router name or registry name), if any. */
  modelName: z.string().optional(),
  /** ISO-8601 time the request started. */
  startedAt: z.string(),
  timeToFirstTokenMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /**
   * Of `inputTokens`, how many the provider read from its prompt cache (a local model's KV cache
   * of the previous turn, or a server's `prompt_tokens_details.cached_tokens`). Missing when the
   * provider does not say.
   */
  cachedInputTokens: z.number().int().nonnegative().optional(),
  /** True when token counts are estimates. */
  estimated: z.boolean(),
  finishReason: finishReasonSchema.optional(),
  /** Error code when the request failed. */
  errorCode: z.enum(errorCodes).optional(),
  /** Whether the request was streamed. */
  streamed: z.boolean(),
  /** App-provided session id, to compare models per chat session. */
  sessionId: z.string().optional(),
  /** App-provided tags. */
  tags: z.array(z.string()).optional(),
  /** 1-based attempt number when the request ran through a router with retries/fallbacks. */
  attempt: z.number().int().positive().optional(),
});
export type UsageEvent = z.infer<typeof usageEventSchema>;
