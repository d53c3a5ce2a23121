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
  /** Largest value of an integer field: PostgreSQL's `integer` column (2^31 - 1). */
  integerMax: 2_147_483_647,
} as const;

// PostgreSQL text and JSONB cannot hold NUL, and UTF-8 cannot encode an unpaired surrogate (one
// would be replaced silently). Every adapter rejects both alike, so a record that one adapter
// accepts, every adapter accepts.
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storableTextMessage = 'must not contain NUL characters or unpaired surrogates';

/** Whether every database the registry supports can store `text` unchanged. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !unpairedSurrogate.test(text);
}

/** A string every storage adapter stores unchanged (no NUL, no unpaired surrogate). */
export const storableText = () => z.string().refine(isStorableText, storableTextMessage);

/** A positive integer that fits PostgreSQL's `integer` column. */
const storableInteger = () => z.number().int().positive().max(limits.integerMax);

/**
 * The path (`['lora', 'targetModules', 0]`) of the first string or key inside a JSON value
 * that no adapter could store, or `undefined` when all of them can.
 */
export function findUnstorableText(
  value: unknown,
  path: Array<string | number> = [],
  depth = 0,
): Array<string | number> | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], [...path, index], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!isStorableText(key)) return [...path, key];
    const found = findUnstorableText(entry, [...path, key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

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

const tagSchema = storableText()
  .min(1)
  .max(limits.tagLength)
  .regex(/^[^\s/\\]+$/, 'must not contain spaces or path separators');

function jsonSized<T extends z.ZodType>(schema: T) {
  return schema
    .refine(
      (value) => JSON.stringify(value ?? null).length <= limits.jsonSize,
      `must serialize to at most ${limits.jsonSize} characters`,
    )
    .superRefine((value, context) => {
      const path = findUnstorableText(value);
      if (path !== undefined)
        context.addIssue({ code: 'custom', message: storableTextMessage, path });
    });
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

const provenanceFields = {
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
  /** Id of the saved training config (`registry.configs`) the model was trained with. */
  trainingConfigId: z.string().min(1).max(128).optional(),
  /** Model architecture, e.g. `Qwen2ForCausalLM` or `qwen2`. */
  architecture: z.string().min(1).max(128).optional(),
  /** Weight quantization, e.g. `fp32`, `q8`, `q4f16`, `nf4`. */
  quantization: z.string().min(1).max(64).optional(),
};

/**
 * How a model was made, as `register()` and `update()` accept it. Every field is optional (a
 * plain Ollama model has no provenance); an unknown key is an INVALID_REQUEST naming it, so a
 * typo is never dropped silently.
 */
export const provenanceSchema = jsonSized(z.strictObject(provenanceFields));
export type Provenance = z.infer<typeof provenanceSchema>;

/**
 * Provenance as storage holds it: records written before a field existed, or by a newer
 * version, may carry keys this version does not know; they stay readable and are kept.
 */
export const storedProvenanceSchema = jsonSized(z.looseObject(provenanceFields));

/** An API key encrypted with AES-256-GCM; `keyId` names the key that can open it. */
export const encryptedSecretSchema = z.object({
  algorithm: z.literal('aes-256-gcm'),
  keyId: z.string().min(1).max(128),
  /** 16 hex chars of the key's SHA-256, so a key is found by its bytes whatever its id. */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
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
  description: storableText().max(limits.descriptionLength),
  provider: providerIdSchema,
  /** Server URL, or for `transformers` a local models folder. */
  baseUrl: storableText().min(1).max(limits.urlLength).nullable(),
  /** The id the provider knows the model by (Hub id, Ollama tag, …). */
  modelId: storableText().min(1).max(limits.modelIdLength),
  contextLength: storableInteger().nullable(),
  maxOutputTokens: storableInteger().nullable(),
  supportsStreaming: z.boolean(),
  supportsFunctions: z.boolean(),
  enabled: z.boolean(),
  tags: z.array(tagSchema).max(limits.tagCount),
  provenance: storedProvenanceSchema.nullable(),
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
  apiKey: storableText().min(1).max(limits.apiKeyLength).nullable().optional(),
  tags: modelFields.tags.optional(),
  provenance: provenanceSchema.nullable().optional(),
  options: modelFields.options.optional(),
  /** Only for registries opened with `ownerId: '*'` (administration); others use their own. */
  ownerId: storableText().min(1).max(128).nullable().optional(),
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
  trainingMethod: storableText().min(1).max(64).optional(),
  baseModel: storableText().min(1).max(limits.modelIdLength).optional(),
  enabled: z.boolean().optional(),
  /** Case-insensitive substring of name or description. */
  search: storableText().min(1).max(200).optional(),
  fineTunedFrom: storableText().min(1).max(128).optional(),
  sourceRepoId: storableText().min(1).max(200).optional(),
  /** Models trained with this saved config (provenance.trainingConfigId). */
  trainingConfigId: storableText().min(1).max(128).optional(),
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
  description: storableText().max(limits.descriptionLength),
  /** Template the config was built from (`sft-lora`, `dpo`, …), if any. */
  templateType: storableText().min(1).max(64).nullable(),
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
  description: storableText().max(limits.descriptionLength).optional(),
  templateType: storableText().min(1).max(64).nullable().optional(),
  config: jsonSized(z.record(z.string(), z.unknown())),
  /** Replace an existing config of the same name (keeping its id and usage count). */
  replace: z.boolean().optional(),
});
export type SaveConfigInput = z.input<typeof saveConfigInputSchema>;

/** A usage event (what core's hooks emit) attached to the registry model it measured. */
export const usageRecordSchema = usageEventSchema.extend({
  /** Registry id of the model (the event's `modelId` is the provider's id). */
  modelRecordId: z.string().min(1).max(128),
  /**
   * Whose usage it is: the user whose registry recorded it. `null` or missing: the model's
   * owner (the global registry's usage of a global model, or records written before usage was
   * kept per owner).
   */
  ownerId: z.string().min(1).max(128).nullable().optional(),
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

/** A usage event as `registry.usage.record()` accepts it: core's event, storable by every adapter. */
export const usageEventInputSchema = usageEventSchema
  .extend({
    inputTokens: z.number().int().nonnegative().max(limits.integerMax),
    outputTokens: z.number().int().nonnegative().max(limits.integerMax),
    cachedInputTokens: z.number().int().nonnegative().max(limits.integerMax).optional(),
    attempt: z.number().int().positive().max(limits.integerMax).optional(),
  })
  .superRefine((value, context) => {
    const path = findUnstorableText(value);
    if (path !== undefined)
      context.addIssue({ code: 'custom', message: storableTextMessage, path });
    if (value.cachedInputTokens !== undefined && value.cachedInputTokens > value.inputTokens) {
      context.addIssue({
        code: 'custom',
        message: 'Cached input tokens are part of the input tokens: at most inputTokens.',
        path: ['cachedInputTokens'],
      });
    }
  });

/** Filters of usage statistics. */
export const usageQuerySchema = z.strictObject({
  /** ISO time; events that started at or after it. */
  since: isoDateTime.optional(),
  /** ISO time; events that started before it. */
  until: isoDateTime.optional(),
  sessionId: storableText().min(1).optional(),
  tag: storableText().min(1).optional(),
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
  /**
   * Token sums. `cachedInput` is the part of `input` the providers read from their prompt cache
   * (0 where they do not say): `cachedInput / input` is the cache's hit rate.
   */
  tokens: { input: number; cachedInput: number; output: number; estimatedRequests: number };
}

/**
 * An alias (stage) name: `candidate`, `production`, or any name of letters, digits, `.`, `_`,
 * `-`. Used as `name@alias` wherever a model name is accepted.
 */
export const aliasNameSchema = recordNameSchema;

/** One move of an alias: which model it pointed to from `at` on. */
export const aliasHistoryEntrySchema = z.object({
  modelRecordId: z.string().min(1).max(128),
  /** The model it pointed to before, or `null` when the alias was created. */
  previousModelRecordId: z.string().min(1).max(128).nullable(),
  at: isoDateTime,
});
export type AliasHistoryEntry = z.infer<typeof aliasHistoryEntrySchema>;

/** How many moves an alias remembers; older ones are dropped first. */
export const aliasHistoryLimit = 200;

/** A movable pointer `name@alias` → a model record, with its history (oldest move first). */
export const aliasRecordSchema = z.object({
  id: z.string().min(1).max(128),
  ownerId: z.string().min(1).max(128).nullable(),
  /** The family name before `@` (often the name of the first model, but any record name). */
  name: recordNameSchema,
  alias: aliasNameSchema,
  modelRecordId: z.string().min(1).max(128),
  history: z.array(aliasHistoryEntrySchema).max(aliasHistoryLimit),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  revision: z.number().int().positive(),
});
export type AliasRecord = z.infer<typeof aliasRecordSchema>;

/** Usage time series: one bucket of one model. */
export interface UsagePoint {
  /** ISO start of the bucket (UTC hour or day). */
  start: string;
  requests: number;
  errors: number;
  inputTokens: number;
  /** Of `inputTokens`, those read from a prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
  latencyMs: { p50: number | null; p95: number | null };
  /** Output tokens per second of request time (sum of output tokens / sum of total time). */
  tokensPerSecond: number | null;
}

/** Filters of a usage series. */
export const usageSeriesQuerySchema = z.strictObject({
  /** ISO time; start of the window (rounded down to the bucket). */
  since: isoDateTime,
  /** ISO time; end of the window (exclusive). Default: now. */
  until: isoDateTime.optional(),
  bucket: z.enum(['hour', 'day']).default('hour'),
  sessionId: storableText().min(1).optional(),
  tag: storableText().min(1).optional(),
});
export type UsageSeriesQueryInput = z.input<typeof usageSeriesQuerySchema>;
export type UsageSeriesQuery = z.infer<typeof usageSeriesQuerySchema>;
