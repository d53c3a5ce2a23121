/**
 * The body of `POST /v1/chat/completions`, as OpenAI documents it. Unknown fields are ignored
 * (clients send vendor extras); known fields are checked, so a bad value is refused with a 400
 * naming the field the client sent (`temperature`, `messages[2].tool_call_id`).
 */
import { z } from 'zod';

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() });
/** Parts a text-only model cannot take (images, audio, files) are refused by name. */
const otherPartSchema = z.looseObject({ type: z.string() });

const userContentSchema = z.union([
  z.string(),
  z.array(z.union([textPartSchema, otherPartSchema])),
]);

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({
    role: z.literal('system'),
    content: userContentSchema,
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('developer'),
    content: userContentSchema,
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('user'),
    content: userContentSchema,
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('assistant'),
    content: z
      .union([z.string(), z.array(z.union([textPartSchema, refusalPartSchema, otherPartSchema]))])
      .nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
    /** Reasoning as vLLM and DeepSeek send it back; kept for display, not re-sent to the model. */
    reasoning_content: z.string().nullish(),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('tool'),
    content: userContentSchema,
    tool_call_id: z.string().min(1),
  }),
]);
export type OpenAIMessage = z.infer<typeof messageSchema>;

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** A chat completion request. Limits mirror `@tinyllm/core`'s request schema. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1, 'a request needs at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(functionToolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** Not OpenAI's, but vLLM's and llama.cpp's; local models honour it. */
  top_k: z.number().int().positive().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.number().int().positive().nullish(),
  user: z.string().optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
