/**
 * The model contract: what every provider implements and every app calls.
 */
import type { ChatRequest, ChatResponse } from './messages';
import type { ChatStreamEvent, ModelCapabilities } from './schemas/model';

export type { ChatStreamEvent, ModelCapabilities } from './schemas/model';

/** Events a provider adapter yields: like {@link ChatStreamEvent}, but `finish` needs only a reason. */
export type ProviderStreamEvent =
  | Exclude<ChatStreamEvent, { type: 'finish' }>
  | { type: 'finish'; finishReason: ChatResponse['finishReason']; usage?: ChatResponse['usage'] };

/** Per-call options. */
export interface CallOptions {
  /** Aborting ends the call promptly with an `ABORTED` error and cancels the underlying work. */
  signal?: AbortSignal;
}

/**
 * A stream of chat events. Iterate it for live output, and/or await {@link ChatStream.finalResponse}
 * for the aggregated response (which consumes the rest of the stream if nobody iterates it).
 * A stream can be iterated once.
 */
export interface ChatStream extends AsyncIterable<ChatStreamEvent> {
  /** The aggregated response once the stream has ended. Rejects with the stream's error. */
  finalResponse(): Promise<ChatResponse>;
}

/**
 * A chat model, whatever serves it. Apps program against this interface and switch backend
 * by changing the factory that creates it.
 */
export interface ChatModel {
  /** Provider id, e.g. `ollama`, `transformers`. */
  readonly provider: string;
  /** Model id as the provider knows it. */
  readonly modelId: string;
  readonly capabilities: ModelCapabilities;
  /** Runs a request to completion. */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResponse>;
  /** Runs a request and streams its events. */
  stream(request: ChatRequest, options?: CallOptions): ChatStream;
}
