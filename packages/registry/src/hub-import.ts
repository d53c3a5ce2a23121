/**
 * Reading a model's metadata from the Hugging Face Hub: the model-info API
 * (`GET {hubUrl}/api/models/{repo}[/revision/{rev}]`) and the repo's `config.json`
 * (`GET {hubUrl}/{repo}/resolve/{rev}/config.json`). Responses are validated with zod; HTTP
 * failures become typed errors (401/403 AUTH_FAILED, 404 MODEL_NOT_FOUND, network
 * PROVIDER_UNAVAILABLE).
 */
import { TinyLLMError, isAbortError } from '@tinyllm/core';
import { z } from 'zod';
import type { HubSource } from './records';

/** Default Hub URL. */
export const defaultHubUrl = 'https://huggingface.co';

const stringOrList = z.union([z.string(), z.array(z.string())]).optional();

/** The fields of the Hub's model-info response that the registry uses. */
export const hubModelInfoSchema = z.looseObject({
  id: z.string(),
  sha: z.string().optional(),
  pipeline_tag: z.string().optional(),
  tags: z.array(z.string()).optional(),
  cardData: z
    .looseObject({ license: stringOrList, base_model: stringOrList, datasets: stringOrList })
    .optional(),
  gated: z.union([z.boolean(), z.enum(['auto', 'manual'])]).optional(),
  private: z.boolean().optional(),
  safetensors: z
    .looseObject({
      parameters: z.record(z.string(), z.number()).optional(),
      total: z.number().optional(),
    })
    .optional(),
  config: z
    .looseObject({
      model_type: z.string().optional(),
      architectures: z.array(z.string()).optional(),
    })
    .optional(),
});
export type HubModelInfo = z.infer<typeof hubModelInfoSchema>;

/** The fields of a transformers `config.json` the registry uses. */
export const hubModelConfigSchema = z.looseObject({
  max_position_embeddings: z.number().int().positive().optional(),
});

/** Hub repo ids: `name` or `owner/name`, no `..`. */
export const hubRepoIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/,
    'must look like "owner/name"',
  )
  .refine((id) => !id.includes('..'), 'must not contain ".."');

/** Options of a Hub request. */
export interface HubRequestOptions {
  hubUrl?: string;
  /** Hub token (`hf_…`); default: the `HF_TOKEN` environment variable. */
  token?: string;
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

/** What the Hub says about a model. */
export interface HubModelMetadata {
  info: HubModelInfo;
  contextLength: number | null;
  source: HubSource;
  baseModel: string | null;
  trainingDataset: string | null;
}

const first = (value: string | string[] | undefined): string | null =>
  value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;

async function hubGet(
  url: string,
  repoId: string,
  options: HubRequestOptions,
  what: string,
): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const token = options.token ?? process.env.HF_TOKEN;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: options.signal,
    });
  } catch (error) {
    if (isAbortError(error)) {
      throw new TinyLLMError({
        code: 'ABORTED',
        message: 'The Hub request was aborted.',
        cause: error,
      });
    }
    throw new TinyLLMError({
      code: 'PROVIDER_UNAVAILABLE',
      message: `Cannot reach the Hub for ${what} of "${repoId}": ${(error as Error).message}`,
      provider: 'huggingface',
      modelId: repoId,
      cause: error,
    });
  }
  if (response.ok) return response;
  const errorCode = response.headers.get('x-error-code') ?? undefined;
  const context = { provider: 'huggingface', modelId: repoId, status: response.status };
  await response.body?.cancel().catch(() => {});
  if (response.status === 401) {
    throw new TinyLLMError({
      ...context,
      code: 'AUTH_FAILED',
      message: `The Hub refused ${what} of "${repoId}" (401): the token is missing or invalid, or the repo is private.`,
      details: { reason: 'unauthorized', hubErrorCode: errorCode },
    });
  }
  if (response.status === 403) {
    throw new TinyLLMError({
      ...context,
      code: 'AUTH_FAILED',
      message: `"${repoId}" is gated (403): accept its conditions on the Hub with this token's account first.`,
      details: { reason: 'gated', hubErrorCode: errorCode },
    });
  }
  if (response.status === 404) {
    throw new TinyLLMError({
      ...context,
      code: 'MODEL_NOT_FOUND',
      message: `The Hub has no ${what} for "${repoId}" (404${errorCode === undefined ? '' : ` ${errorCode}`}).`,
      details: { hubErrorCode: errorCode },
    });
  }
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new TinyLLMError({
      ...context,
      code: 'RATE_LIMITED',
      message: `The Hub rate-limited ${what} of "${repoId}".`,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  throw new TinyLLMError({
    ...context,
    code: 'PROVIDER_UNAVAILABLE',
    message: `The Hub answered ${response.status} for ${what} of "${repoId}".`,
    retryable: response.status >= 500,
  });
}

async function readJson<T extends z.ZodType>(
  response: Response,
  schema: T,
  repoId: string,
  what: string,
): Promise<z.infer<T>> {
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new TinyLLMError({
      code: 'PROVIDER_UNAVAILABLE',
      message: `The Hub sent ${what} of "${repoId}" that is not JSON.`,
      provider: 'huggingface',
      modelId: repoId,
      cause: error,
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new TinyLLMError({
      code: 'PROVIDER_UNAVAILABLE',
      message: `The Hub sent ${what} of "${repoId}" in an unexpected shape.`,
      provider: 'huggingface',
      modelId: repoId,
      details: { issues: result.error.issues.map((issue) => issue.path.join('.')) },
    });
  }
  return result.data;
}

/** Reads model info and `config.json` of `repoId` from the Hub. */
export async function fetchHubModelMetadata(
  repoId: string,
  options: HubRequestOptions = {},
): Promise<HubModelMetadata> {
  const parsedId = hubRepoIdSchema.safeParse(repoId);
  if (!parsedId.success) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `Invalid Hub repo id: ${parsedId.error.issues[0]?.message ?? 'invalid'}.`,
      path: 'repoId',
    });
  }
  const hubUrl = (options.hubUrl ?? defaultHubUrl).replace(/\/+$/, '');
  const revisionPath =
    options.revision === undefined ? '' : `/revision/${encodeURIComponent(options.revision)}`;
  const info = await readJson(
    await hubGet(`${hubUrl}/api/models/${repoId}${revisionPath}`, repoId, options, 'model info'),
    hubModelInfoSchema,
    repoId,
    'model info',
  );
  const revision = info.sha ?? options.revision ?? 'main';
  let contextLength: number | null = null;
  try {
    const config = await readJson(
      await hubGet(
        `${hubUrl}/${repoId}/resolve/${encodeURIComponent(revision)}/config.json`,
        repoId,
        options,
        'config.json',
      ),
      hubModelConfigSchema,
      repoId,
      'config.json',
    );
    contextLength = config.max_position_embeddings ?? null;
  } catch (error) {
    // Some repos (GGUF-only, adapters) have no config.json; the model is still importable.
    if (!TinyLLMError.hasCode(error, 'MODEL_NOT_FOUND')) throw error;
  }
  const parameters = info.safetensors?.parameters;
  const parameterCount =
    parameters !== undefined && Object.keys(parameters).length > 0
      ? Object.values(parameters).reduce((sum, count) => sum + count, 0)
      : (info.safetensors?.total ?? null);
  return {
    info,
    contextLength,
    baseModel: first(info.cardData?.base_model),
    trainingDataset: first(info.cardData?.datasets),
    source: {
      type: 'huggingface-hub',
      repoId: info.id,
      revision: info.sha ?? null,
      license: first(info.cardData?.license),
      pipelineTag: info.pipeline_tag ?? null,
      parameterCount,
      gated: info.gated ?? false,
      private: info.private ?? false,
    },
  };
}
