/**
 * Observability events. Hooks receive them for every request so an app can build per-model
 * analytics (latency, tokens, errors) without touching providers. `UsageEvent` is also what
 * the registry stores.
 */
import { z } from 'zod';
import { errorCodes } from './errors';
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

/** Emitted when a request starts. */
export interface RequestStartEvent {
  requestId: string;
  provider: string;
  modelId: string;
  modelName?: string;
  startedAt: string;
  streamed: boolean;
  messageCount: number;
  toolCount: number;
  sessionId?: string;
  tags?: string[];
  /** 1-based attempt number when the request ran through a router with retries/fallbacks. */
  attempt?: number;
}

/** Emitted once, when the first content (text, reasoning or tool call) arrives. */
export interface FirstTokenEvent {
  requestId: string;
  provider: string;
  modelId: string;
  timeToFirstTokenMs: number;
}

/** Hooks called around every request. Hooks must not throw; errors they throw are ignored. */
export interface ModelHooks {
  onRequest?(event: RequestStartEvent): void;
  onFirstToken?(event: FirstTokenEvent): void;
  /** Called with the final response of a successful request. */
  onResponse?(event: { requestId: string; response: import('./messages').ChatResponse }): void;
  /** Called when a request fails (including aborts). */
  onError?(event: {
    requestId: string;
    provider: string;
    modelId: string;
    error: import('./errors').TinyLLMError;
  }): void;
  /** Called once per request, success or failure, with latency and tokens. */
  onUsage?(event: UsageEvent): void;
}
