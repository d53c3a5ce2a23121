/**
 * The model contract: what every provider implements and every app calls.
 */
import { z } from 'zod';
import {
  type ChatRequest,
  type ChatResponse,
  finishReasonSchema,
  invalidToolCallSchema,
  timingsSchema,
  toolCallSchema,
  usageSchema,
} from './messages';

/** What a model can do. */
export const modelCapabilitiesSchema = z.object({
  /** Tokens arrive as they are generated (otherwise `stream()` yields one final chunk). */
  streaming: z.boolean(),
  /** The model was trained to call tools. */
  tools: z.boolean(),
  /** Maximum prompt + output tokens, when known. */
  contextLength: z.number().int().positive().optional(),
  /** The model emits reasoning (e.g. `<think>` blocks). */
  reasoning: z.boolean().optional(),
  /**
   * How the backend honours `responseFormat: { type: 'json', schema }`: `enforced` (decoding is
   * constrained to the schema, so the reply always parses and validates), `requested` (the schema
   * is sent, but the backend may not enforce it: validate the reply). Absent: not supported.
   */
  structuredOutput: z.enum(['enforced', 'requested']).optional(),
});
export type ModelCapabilities = z.infer<typeof modelCapabilitiesSchema>;

/** One event of a chat stream, as the app sees it. */
export const chatStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text-delta'), text: z.string() }),
  z.object({ type: z.literal('reasoning-delta'), text: z.string() }),
  z.object({ type: z.literal('tool-call'), toolCall: toolCallSchema }),
  /** The model emitted a tool call that could not be parsed; the raw text is kept. */
  z.object({ type: z.literal('tool-call-error'), invalidToolCall: invalidToolCallSchema }),
  z.object({ type: z.literal('usage'), usage: usageSchema }),
  /** Always the last event of a successful stream. */
  z.object({
    type: z.literal('finish'),
    finishReason: finishReasonSchema,
    usage: usageSchema,
    timings: timingsSchema,
  }),
]);
export type ChatStreamEvent = z.infer<typeof chatStreamEventSchema>;

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
