/**
 * zod schemas of the model contract: capabilities and stream events. The interfaces that use
 * them (`ChatModel`, `ChatStream`) live in `../model.ts`.
 */
import { z } from 'zod';
import {
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
