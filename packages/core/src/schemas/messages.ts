/**
 * Messages, tools and requests: the data every provider speaks, as zod schemas. The schemas
 * are the source of truth for the types (inferred from them, so they cannot drift); they live
 * behind `@tinyllm/core/schemas` so that importing `@tinyllm/core` does not load zod. Core
 * validates requests with a zod-free validator (`validation/chat-request.ts`) that a test
 * holds to these schemas.
 *
 * Objects are strict: an unknown key (`tool_calls` instead of `toolCalls`) is an error rather
 * than silently dropped, except where a key is free by design (arguments, JSON Schemas,
 * `providerOptions`).
 */
import { z } from 'zod';

/** A JSON Schema object (draft 2020-12 / OpenAPI subset) describing tool parameters. */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).describe('A JSON Schema object');
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

/** A tool call requested by the model. `arguments` is always a parsed object. */
export const toolCallSchema = z.strictObject({
  /** Id that links the call to its tool message. Providers that do not send ids get a generated one. */
  id: z.string().min(1),
  /** Name of the tool to call. */
  name: z.string().min(1),
  /** Parsed arguments. */
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const systemMessageSchema = z.strictObject({
  role: z.literal('system'),
  content: z.string(),
});
export const userMessageSchema = z.strictObject({
  role: z.literal('user'),
  content: z.string(),
});
export const assistantMessageSchema = z.strictObject({
  role: z.literal('assistant'),
  content: z.string(),
  /** Reasoning the model produced (e.g. inside `<think>`), kept for display; not re-sent by default. */
  reasoning: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
});
export const toolMessageSchema = z.strictObject({
  role: z.literal('tool'),
  /** Id of the tool call this message answers. */
  toolCallId: z.string().min(1),
  /** Name of the tool that produced this result. */
  toolName: z.string().min(1),
  /** The tool result, as text (JSON for structured results). */
  content: z.string(),
  /** True when the tool failed and `content` describes the error. */
  isError: z.boolean().optional(),
});

/** A chat message: system, user, assistant (possibly with tool calls) or tool result. */
export const messageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
]);
export type SystemMessage = z.infer<typeof systemMessageSchema>;
export type UserMessage = z.infer<typeof userMessageSchema>;
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;
export type ToolMessage = z.infer<typeof toolMessageSchema>;
export type Message = z.infer<typeof messageSchema>;

/** A tool the model may call, as sent to the model (no implementation). */
export const toolDefinitionSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/,
      'tool names are 1-64 characters: letters, digits, _ . -',
    ),
  description: z.string().optional(),
  /** JSON Schema of the arguments object. */
  parameters: jsonSchemaSchema,
});
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;

/** Whether and which tool the model must call. */
export const toolChoiceSchema = z.union([
  z.literal('auto'),
  z.literal('none'),
  z.literal('required'),
  z.strictObject({ type: z.literal('tool'), name: z.string().min(1) }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

/** Sampling and length options. Providers ignore options they cannot honour. */
export const samplingOptionsSchema = z.strictObject({
  maxOutputTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  topK: z.number().int().positive().optional(),
  stop: z.array(z.string().min(1)).max(16).optional(),
  seed: z.number().int().optional(),
});
export type SamplingOptions = z.infer<typeof samplingOptionsSchema>;

/**
 * The shape of the reply. `json` asks for one JSON value, matching `schema` when given (plain
 * JSON Schema; `generateObject()` converts zod, valibot and other schemas before they get here).
 * Adapters map it to their backend's native mechanism (Ollama `format`, OpenAI-compatible
 * `response_format: { type: 'json_schema' }`, constrained decoding in the local provider);
 * `strict` asks the backend to enforce the schema rather than only request it.
 */
export const responseFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({
    type: z.literal('json'),
    schema: jsonSchemaSchema.optional(),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    strict: z.boolean().optional(),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/** A chat request. Unknown keys are rejected (`INVALID_REQUEST` naming the key). */
export const chatRequestSchema = samplingOptionsSchema.extend({
  messages: z.array(messageSchema).min(1, 'a request needs at least one message'),
  tools: z.array(toolDefinitionSchema).optional(),
  toolChoice: toolChoiceSchema.optional(),
  /** The shape of the reply: text (the default) or JSON, optionally matching a schema. */
  responseFormat: responseFormatSchema.optional(),
  /** Provider-specific options, passed through untouched, keyed by provider id. */
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Token usage of one request. */
export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  /**
   * Of `inputTokens`, those read from a cache of an earlier request (prompt caching: a chat's
   * next turn starts with the history the model has already processed). Absent when the
   * provider does not say.
   */
  cachedInputTokens: z.number().int().nonnegative().optional(),
  /** True when the counts are estimates (the provider did not report them). */
  estimated: z.boolean(),
});
export type Usage = z.infer<typeof usageSchema>;

/** Latency of one request, in milliseconds. */
export const timingsSchema = z.object({
  /** From the request start to the first streamed content (text, reasoning or tool call). */
  timeToFirstTokenMs: z.number().nonnegative().optional(),
  /** From the request start to the end of the response. */
  totalMs: z.number().nonnegative(),
  /**
   * Output tokens per second from the first streamed text or reasoning delta to the end; for a
   * reply of tool calls only (released whole by a parser), end-to-end including prefill.
   */
  tokensPerSecond: z.number().nonnegative().optional(),
});
export type Timings = z.infer<typeof timingsSchema>;

/** Why generation stopped. */
export const finishReasonSchema = z.enum([
  'stop',
  'length',
  'tool-calls',
  'content-filter',
  'error',
  'other',
]);
export type FinishReason = z.infer<typeof finishReasonSchema>;

/** A tool call the model emitted that could not be parsed; the raw text is kept. */
export const invalidToolCallSchema = z.object({
  raw: z.string(),
  message: z.string(),
  name: z.string().optional(),
});
export type InvalidToolCall = z.infer<typeof invalidToolCallSchema>;

/** The final response of a chat request. */
export const chatResponseSchema = z.object({
  text: z.string(),
  reasoning: z.string().optional(),
  toolCalls: z.array(toolCallSchema),
  invalidToolCalls: z.array(invalidToolCallSchema),
  finishReason: finishReasonSchema,
  usage: usageSchema,
  timings: timingsSchema,
  provider: z.string(),
  modelId: z.string(),
});
export type ChatResponse = z.infer<typeof chatResponseSchema>;
