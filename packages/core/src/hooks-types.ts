/**
 * Observability events. Hooks receive them for every request so an app can build per-model
 * analytics (latency, tokens, errors) without touching providers. `UsageEvent` is also what
 * the registry stores.
 */
import type { UsageEvent } from './schemas/usage-event';

export type { UsageEvent } from './schemas/usage-event';

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
