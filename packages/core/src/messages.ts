/**
 * Messages, tools and requests: the data every provider speaks. Schemas are the source of
 * truth; the TypeScript types are inferred from them so validation and types cannot drift.
 */
import { z } from 'zod';

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON Schema object (draft 2020-12 / OpenAPI subset) describing tool parameters. */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).describe('A JSON Schema object');
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

/** A tool call requested by the model. `arguments` is always a parsed object. */
export const toolCallSchema = z.object({
  /** Id that links the call to its tool message. Providers that do not send ids get a generated one. */
  id: z.string().min(1),
  /** Name of the tool to call. */
  name: z.string().min(1),
  /** Parsed arguments. */
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const systemMessageSchema = z.object({
  role: z.literal('system'),
  content: z.string(),
});
export const userMessageSchema = z.object({
  role: z.literal('user'),
  content: z.string(),
});
export const assistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: z.string(),
  /** Reasoning the model produced (e.g. inside `<think>`), kept for display; not re-sent by default. */
  reasoning: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
});
export const toolMessageSchema = z.object({
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
export const toolDefinitionSchema = z.object({
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
  z.object({ type: z.literal('tool'), name: z.string().min(1) }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

/** Sampling and length options. Providers ignore options they cannot honour. */
export const samplingOptionsSchema = z.object({
  maxOutputTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  topK: z.number().int().positive().optional(),
  stop: z.array(z.string().min(1)).max(16).optional(),
  seed: z.number().int().optional(),
});
export type SamplingOptions = z.infer<typeof samplingOptionsSchema>;

/**
 * The shape of the reply: free text, or JSON (valid for `schema`, a plain JSON Schema, when given).
 * Each provider maps it to its backend's mechanism; `capabilities.structuredOutput` says whether
 * the backend enforces it or only requests it.
 */
export const responseFormatSchema = z.union([
  z.object({ type: z.literal('text') }),
  z.object({
    type: z.literal('json'),
    schema: jsonSchemaSchema.optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    strict: z.boolean().optional(),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/** A chat request. */
export const chatRequestSchema = samplingOptionsSchema.extend({
  messages: z.array(messageSchema).min(1, 'a request needs at least one message'),
  tools: z.array(toolDefinitionSchema).optional(),
  toolChoice: toolChoiceSchema.optional(),
  /** Text (default) or JSON, optionally valid for a JSON Schema. */
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

/** The assistant message to append to the conversation for a response. */
export function responseToMessage(
  response: Pick<ChatResponse, 'text' | 'toolCalls' | 'reasoning'>,
): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: response.text };
  if (response.toolCalls.length > 0) message.toolCalls = response.toolCalls;
  return message;
}
