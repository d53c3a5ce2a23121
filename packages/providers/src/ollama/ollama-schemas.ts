/**
 * Zod schemas of the Ollama API payloads we read. Lenient on purpose: Ollama adds fields
 * across versions, and we read only what we need.
 */
import { z } from 'zod';

const toolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string(),
    // Ollama sends parsed objects; a JSON string is tolerated for proxies that re-encode.
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});

/** One NDJSON line of `/api/chat`. */
export const ollamaChatChunkSchema = z.object({
  model: z.string().optional(),
  message: z
    .object({
      role: z.string().optional(),
      content: z.string().nullish(),
      thinking: z.string().nullish(),
      tool_calls: z.array(toolCallSchema).nullish(),
    })
    .nullish(),
  done: z.boolean(),
  done_reason: z.string().nullish(),
  total_duration: z.number().nullish(),
  load_duration: z.number().nullish(),
  prompt_eval_count: z.number().int().nullish(),
  prompt_eval_duration: z.number().nullish(),
  eval_count: z.number().int().nullish(),
  eval_duration: z.number().nullish(),
});
export type OllamaChatChunk = z.infer<typeof ollamaChatChunkSchema>;

/** `/api/tags`. */
export const ollamaListResponseSchema = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      model: z.string().optional(),
      size: z.number().optional(),
      digest: z.string().optional(),
      modified_at: z.union([z.string(), z.date()]).optional(),
      details: z
        .object({
          family: z.string().nullish(),
          parameter_size: z.string().nullish(),
          quantization_level: z.string().nullish(),
          format: z.string().nullish(),
        })
        .partial()
        .nullish(),
    }),
  ),
});

/** `/api/show`. */
export const ollamaShowResponseSchema = z.object({
  capabilities: z.array(z.string()).nullish(),
  details: z
    .object({
      family: z.string().nullish(),
      parameter_size: z.string().nullish(),
      quantization_level: z.string().nullish(),
    })
    .partial()
    .nullish(),
  model_info: z.record(z.string(), z.unknown()).nullish(),
  template: z.string().nullish(),
  parameters: z.string().nullish(),
});

/** One NDJSON line of `/api/pull`. */
export const ollamaProgressSchema = z.object({
  status: z.string(),
  digest: z.string().nullish(),
  total: z.number().nullish(),
  completed: z.number().nullish(),
});
