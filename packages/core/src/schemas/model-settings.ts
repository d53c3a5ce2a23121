/**
 * The zod schemas of the serializable description of "how to reach a model": what a registry record stores and
 * what `createModelFromSettings()` in @tinyllm/providers turns into a {@link ChatModel}. It lives
 * in core so the registry and the providers agree on it without depending on each other.
 */
import { z } from 'zod';
import { providerIds } from '../model-settings';

export const providerIdSchema = z.enum(providerIds);
export type ProviderId = z.infer<typeof providerIdSchema>;

/** How to reach a model. */
export const modelSettingsSchema = z.object({
  provider: providerIdSchema,
  /** Model id as the provider knows it: a Hub id, an Ollama tag, a local folder name. */
  modelId: z.string().min(1),
  /** Server URL (Ollama, OpenAI-compatible, HF endpoint) or, for `transformers`, a local models folder. */
  baseURL: z.string().min(1).optional(),
  /** Secret: never log or serialize it. */
  apiKey: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  contextLength: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  supportsStreaming: z.boolean().optional(),
  supportsFunctions: z.boolean().optional(),
  /** Provider-specific settings (e.g. `{ dtype: 'q8' }` for transformers, `{ provider: 'together' }` for HF). */
  options: z.record(z.string(), z.unknown()).optional(),
});
export type ModelSettings = z.infer<typeof modelSettingsSchema>;
