/**
 * The registry's records. Every stored shape has a zod schema and its TypeScript type comes
 * from `z.infer`, so what storage accepts and what the code believes cannot drift apart.
 */
import { providerIdSchema, usageEventSchema } from '@tinyllm/core/schemas';
import { z } from 'zod';

/** Size limits: stored rows stay small enough for every adapter and for a readable file. */
export const limits = {
  nameLength: 128,
  descriptionLength: 4000,
  urlLength: 2048,
  modelIdLength: 512,
  tagCount: 32,
  tagLength: 64,
  apiKeyLength: 4096,
  /** Serialized size of provenance, options or a saved training config, in characters. */
  jsonSize: 64 * 1024,
} as const;

/**
 * A model or config name: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
 * No path separators and no `..`, because names end up in file names and URLs.
 */
export const recordNameSchema = z
  .string()
  .min(1)
  .max(limits.nameLength)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit and contain only letters, digits, ".", "_" and "-"',
  )
  .refine((name) => !name.includes('..'), 'must not contain ".."');

const tagSchema = z
  .string()
  .min(1)
  .max(limits.tagLength)
  .regex(/^[^\s/\\]+$/, 'must not contain spaces or path separators');

function jsonSized<T extends z.ZodType>(schema: T) {
  return schema.refine(
    (value) => JSON.stringify(value ?? null).length <= limits.jsonSize,
    `must serialize to at most ${limits.jsonSize} characters`,
  );
}

const isoDateTime = z.iso.datetime({ offset: true });

/** Where a model came from on the Hugging Face Hub. */
export const hubSourceSchema = z.object({
  type: z.literal('huggingface-hub'),
  repoId: z.string().min(1).max(200),
  /** Commit sha of the imported revision. */
  revision: z.string().max(200).nullable(),
  license: z.string().max(200).nullable(),
  pipelineTag: z.string().max(200).nullable(),
  /** Parameters summed across dtypes, from the Hub's safetensors metadata. */
  parameterCount: z.number().int().nonnegative().nullable(),
  gated: z.union([z.boolean(), z.enum(['auto', 'manual'])]),
  private: z.boolean(),
});
export type HubSource = z.infer<typeof hubSourceSchema>;

/** LoRA adapter settings used in training. Unknown keys are kept. */
export const loraConfigSchema = z.looseObject({
  r: z.number().int().positive().optional(),
  alpha: z.number().positive().optional(),
  dropout: z.number().min(0).max(1).optional(),
  targetModules: z.array(z.string()).optional(),
});

/** How a model was made. Every field is optional: a plain Ollama model has no provenance. */
export const provenanceSchema = jsonSized(
  z.object({
    /** `sft`, `dpo`, `orpo`, `grpo`, … (free text, compared exactly by filters). */
    trainingMethod: z.string().min(1).max(64).optional(),
    baseModel: z.string().min(1).max(limits.modelIdLength).optional(),
    trainingDataset: z.string().min(1).max(limits.modelIdLength).optional(),
    /** ISO-8601 date or date-time. */
    trainingDate: z.string().min(1).max(64).optional(),
    lora: loraConfigSchema.optional(),
    /** Evaluation metrics by name, e.g. `{ tool_accuracy: 0.93 }`. */
    evaluation: z.record(z.string().max(128), z.number()).optional(),
    /** Registry id of the model this one was fine-tuned from (lineage). */
    fineTunedFrom: z.string().min(1).max(128).optional(),
    source: hubSourceSchema.optional(),
    /** 1 for the first import of a source; re-imports get 2, 3, … */
    version: z.number().int().positive().optional(),
  }),
);
export type Provenance = z.infer<typeof provenanceSchema>;

/** An API key encrypted with AES-256-GCM; `keyId` names the key that can open it. */
export const encryptedSecretSchema = z.object({
  algorithm: z.literal('aes-256-gcm'),
  keyId: z.string().min(1).max(128),
  iv: z.string().min(1),
  tag: z.string().min(1),
  ciphertext: z
    .string()
    .min(1)
    .max(limits.apiKeyLength * 2),
});
export type EncryptedSecret = z.infer<typeof encryptedSecretSchema>;

const modelFields = {
  name: recordNameSchema,
  description: z.string().max(limits.descriptionLength),
  provider: providerIdSchema,
  /** Server URL, or for `transformers` a local models folder. */
  baseUrl: z.string().min(1).max(limits.urlLength).nullable(),
  /** The id the provider knows the model by (Hub id, Ollama tag, …). */
  modelId: z.string().min(1).max(limits.modelIdLength),
  contextLength: z.number().int().positive().nullable(),
  maxOutputTokens: z.number().int().positive().nullable(),
  supportsStreaming: z.boolean(),
  supportsFunctions: z.boolean(),
  enabled: z.boolean(),
  tags: z.array(tagSchema).max(limits.tagCount),
  provenance: provenanceSchema.nullable(),
  /** Provider-specific settings passed through to `ModelSettings.options`. */
  options: jsonSized(z.record(z.string(), z.unknown())).nullable(),
};

/** A model as storage holds it: the API key only in encrypted form. */
export const storedModelSchema = z.object({
  id: z.string().min(1).max(128),
  /** `null` for a global model, visible to every owner. */
  ownerId: z.string().min(1).max(128).nullable(),
  ...modelFields,
  apiKey: encryptedSecretSchema.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  /** Incremented on every write; updates must name the revision they read. */
  revision: z.number().int().positive(),
});
export type StoredModel = z.infer<typeof storedModelSchema>;

/**
 * A model as the registry returns it. The API key is not in it: `hasApiKey` says whether one
 * is stored and `registry.models.reveal()` returns it, so a record can be logged safely.
 */
export const modelRecordSchema = storedModelSchema.omit({ apiKey: true }).extend({
  hasApiKey: z.boolean(),
  /** Id of the key the API key is encrypted with, for rotation audits. */
  apiKeyId: z.string().nullable(),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;

/** What `registry.models.register()` accepts. */
export const registerModelInputSchema = z.strictObject({
  /** Optional explicit id (import keeps ids); a UUID otherwise. */
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/)
    .optional(),
  name: recordNameSchema,
  description: modelFields.description.optional(),
  provider: providerIdSchema,
  baseUrl: modelFields.baseUrl.optional(),
  modelId: modelFields.modelId,
  contextLength: modelFields.contextLength.optional(),
  maxOutputTokens: modelFields.maxOutputTokens.optional(),
  supportsStreaming: z.boolean().optional(),
  supportsFunctions: z.boolean().optional(),
  enabled: z.boolean().optional(),
  /** Plaintext API key; it is encrypted before it reaches storage. */
  apiKey: z.string().min(1).max(limits.apiKeyLength).nullable().optional(),
  tags: modelFields.tags.optional(),
  provenance: provenanceSchema.nullable().optional(),
  options: modelFields.options.optional(),
  /** Only for registries opened with `ownerId: '*'` (administration); others use their own. */
  ownerId: z.string().min(1).max(128).nullable().optional(),
});
export type RegisterModelInput = z.input<typeof registerModelInputSchema>;

/** What `registry.models.update()` accepts: the revision that was read, and the changes. */
export const updateModelInputSchema = registerModelInputSchema
  .omit({ id: true, ownerId: true, provider: true, modelId: true, name: true })
  .extend({
    revision: z.number().int().positive(),
    name: recordNameSchema.optional(),
    provider: providerIdSchema.optional(),
    modelId: modelFields.modelId.optional(),
  });
export type UpdateModelInput = z.input<typeof updateModelInputSchema>;

/** Filters and page of `registry.models.list()`. */
export const modelQuerySchema = z.strictObject({
  provider: providerIdSchema.optional(),
  /** `global`: only global models; `own`: only the caller's; default: everything visible. */
  scope: z.enum(['global', 'own', 'visible']).optional(),
  tag: tagSchema.optional(),
  trainingMethod: z.string().min(1).max(64).optional(),
  baseModel: z.string().min(1).max(limits.modelIdLength).optional(),
  enabled: z.boolean().optional(),
  /** Case-insensitive substring of name or description. */
  search: z.string().min(1).max(200).optional(),
  fineTunedFrom: z.string().min(1).max(128).optional(),
  sourceRepoId: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  offset: z.number().int().min(0).default(0),
});
export type ModelQueryInput = z.input<typeof modelQuerySchema>;
export type ModelQuery = z.infer<typeof modelQuerySchema>;

/** One page of results. */
export interface Page<T> {
  items: T[];
  /** Number of matching records across all pages. */
  total: number;
  /** Offset of the next page, or `null` on the last one. */
  nextOffset: number | null;
}

/** A problem or warning reported by @tinyllm/config-builder. */
export const configIssueSchema = z.object({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type StoredConfigIssue = z.infer<typeof configIssueSchema>;

/** A training config saved for reuse. */
export const savedConfigSchema = z.object({
  id: z.string().min(1).max(128),
  ownerId: z.string().min(1).max(128).nullable(),
  name: recordNameSchema,
  description: z.string().max(limits.descriptionLength),
  /** Template the config was built from (`sft-lora`, `dpo`, …), if any. */
  templateType: z.string().min(1).max(64).nullable(),
  config: jsonSized(z.record(z.string(), z.unknown())),
  /** Result of `validateConfig()` at save time. */
  valid: z.boolean(),
  errors: z.array(configIssueSchema),
  warnings: z.array(configIssueSchema),
  timesUsed: z.number().int().nonnegative(),
  lastUsedAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  revision: z.number().int().positive(),
});
export type SavedConfig = z.infer<typeof savedConfigSchema>;

/** What `registry.configs.save()` accepts. */
export const saveConfigInputSchema = z.strictObject({
  name: recordNameSchema,
  description: z.string().max(limits.descriptionLength).optional(),
  templateType: z.string().min(1).max(64).nullable().optional(),
  config: jsonSized(z.record(z.string(), z.unknown())),
  /** Replace an existing config of the same name (keeping its id and usage count). */
  replace: z.boolean().optional(),
});
export type SaveConfigInput = z.input<typeof saveConfigInputSchema>;

/** A usage event (what core's hooks emit) attached to the registry model it measured. */
export const usageRecordSchema = usageEventSchema.extend({
  /** Registry id of the model (the event's `modelId` is the provider's id). */
  modelRecordId: z.string().min(1).max(128),
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

/** Filters of usage statistics. */
export const usageQuerySchema = z.strictObject({
  /** ISO time; events that started at or after it. */
  since: isoDateTime.optional(),
  /** ISO time; events that started before it. */
  until: isoDateTime.optional(),
  sessionId: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

/** Per-model usage statistics. Latencies use linear interpolation between ranks. */
export interface UsageStats {
  modelRecordId: string;
  requests: number;
  errors: number;
  /** Requests by error code. */
  errorCodes: Record<string, number>;
  latencyMs: { p50: number | null; p95: number | null };
  timeToFirstTokenMs: { p50: number | null; p95: number | null };
  tokens: { input: number; output: number; estimatedRequests: number };
}
