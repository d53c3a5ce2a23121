/**
 * Ollama model management: list, show, pull (with progress), delete.
 */
import { TinyLLMError, redactKnownSecrets } from '@tinyllm/core';
import type { Ollama } from 'ollama';
import type { OllamaClientFactory } from './ollama-client';
import { streamEndedEarlyError } from '../shared/http-errors';
import { mapOllamaError } from './ollama-errors';
import { readNdjson } from './ndjson';
import {
  ollamaListResponseSchema,
  ollamaProgressSchema,
  ollamaShowResponseSchema,
} from './ollama-schemas';

const provider = 'ollama';

/** A model installed in Ollama. */
export interface OllamaModelSummary {
  /** Tag, e.g. `qwen3:0.6b`. */
  name: string;
  sizeBytes: number | undefined;
  digest: string | undefined;
  family: string | undefined;
  parameterSize: string | undefined;
  quantization: string | undefined;
}

/** What `/api/show` says about a model. */
export interface OllamaModelDetails {
  name: string;
  /** Ollama's capability list, e.g. `['completion', 'tools', 'thinking']`. */
  capabilities: string[];
  supportsTools: boolean;
  supportsThinking: boolean;
  /** Context window from the model metadata (`<architecture>.context_length`). */
  contextLength: number | undefined;
  family: string | undefined;
  parameterSize: string | undefined;
  quantization: string | undefined;
}

/** One progress event of {@link OllamaManagement.pullModel}. */
export interface OllamaPullProgress {
  /** Ollama's status line, e.g. `pulling manifest`, `downloading`, `success`. */
  status: string;
  digest: string | undefined;
  totalBytes: number | undefined;
  completedBytes: number | undefined;
  /** 0..1 when sizes are known. */
  fraction: number | undefined;
}

/** Options of management calls. */
export interface OllamaManagementCallOptions {
  signal?: AbortSignal;
}

/** Model management methods of an Ollama provider. */
export interface OllamaManagement {
  /** Lists installed models (`/api/tags`). */
  listModels(options?: OllamaManagementCallOptions): Promise<OllamaModelSummary[]>;
  /** Shows a model's capabilities and context length (`/api/show`). */
  showModel(name: string, options?: OllamaManagementCallOptions): Promise<OllamaModelDetails>;
  /** Pulls a model, yielding progress events; aborting the signal stops the download. */
  pullModel(
    name: string,
    options?: OllamaManagementCallOptions & { insecure?: boolean },
  ): AsyncIterable<OllamaPullProgress>;
  /** Deletes a model (`/api/delete`). */
  deleteModel(name: string, options?: OllamaManagementCallOptions): Promise<void>;
}

function invalidResponse(what: string, cause: unknown, modelId?: string): TinyLLMError {
  return new TinyLLMError({
    code: 'PROVIDER_UNAVAILABLE',
    message: `Ollama sent an unexpected ${what} response.`,
    provider,
    ...(modelId ? { modelId } : {}),
    cause,
  });
}

/** Creates the management methods over a client factory. */
export function createOllamaManagement(clients: OllamaClientFactory): OllamaManagement {
  async function call<T>(
    signal: AbortSignal | undefined,
    modelId: string | undefined,
    run: (client: Ollama) => Promise<T>,
    onResponse?: (response: Response) => void,
  ): Promise<T> {
    const apiKey = clients.apiKey();
    const client = await clients.create(signal ?? new AbortController().signal, {
      ...(modelId ? { modelId } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(onResponse ? { onResponse } : {}),
    });
    try {
      return await run(client);
    } catch (error) {
      throw redactKnownSecrets(
        mapOllamaError(error, { provider, ...(modelId ? { modelId } : {}) }),
        [apiKey],
      );
    }
  }

  return {
    async listModels(options = {}) {
      const raw = await call(options.signal, undefined, (client) => client.list());
      const parsed = ollamaListResponseSchema.safeParse(raw);
      if (!parsed.success) throw invalidResponse('/api/tags', parsed.error);
      return parsed.data.models.map((model) => ({
        name: model.name,
        sizeBytes: model.size,
        digest: model.digest,
        family: model.details?.family ?? undefined,
        parameterSize: model.details?.parameter_size ?? undefined,
        quantization: model.details?.quantization_level ?? undefined,
      }));
    },

    async showModel(name, options = {}) {
      const raw = await call(options.signal, name, (client) => client.show({ model: name }));
      const parsed = ollamaShowResponseSchema.safeParse(raw);
      if (!parsed.success) throw invalidResponse('/api/show', parsed.error, name);
      const info = parsed.data.model_info ?? {};
      const architecture = info['general.architecture'];
      const contextLength =
        typeof architecture === 'string' ? info[`${architecture}.context_length`] : undefined;
      const capabilities = parsed.data.capabilities ?? [];
      return {
        name,
        capabilities,
        supportsTools: capabilities.includes('tools'),
        supportsThinking: capabilities.includes('thinking'),
        contextLength: typeof contextLength === 'number' ? contextLength : undefined,
        family: parsed.data.details?.family ?? undefined,
        parameterSize: parsed.data.details?.parameter_size ?? undefined,
        quantization: parsed.data.details?.quantization_level ?? undefined,
      };
    },

    async *pullModel(name, options = {}) {
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(options.signal?.reason);
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let finished = false;
      let iterator: { abort(): void } | undefined;
      let response: Response | undefined;
      try {
        // The client sends the request and checks the status; the body is read with our own
        // NDJSON reader (the client's skips malformed lines and prints them).
        iterator = (await call(
          controller.signal,
          name,
          (client) =>
            client.pull({
              model: name,
              stream: true,
              ...(options.insecure ? { insecure: true } : {}),
            }),
          (value) => {
            response = value;
          },
        )) as unknown as { abort(): void };
        try {
          if (!response?.body) throw new Error('Missing body');
          for await (const raw of readNdjson(response.body, { provider, modelId: name })) {
            if (typeof raw === 'object' && raw !== null && 'error' in raw)
              throw new Error(String((raw as { error: unknown }).error));
            const parsed = ollamaProgressSchema.safeParse(raw);
            if (!parsed.success) continue;
            const { status, digest, total, completed } = parsed.data;
            yield {
              status,
              digest: digest ?? undefined,
              totalBytes: total ?? undefined,
              completedBytes: completed ?? undefined,
              fraction:
                typeof total === 'number' && total > 0 && typeof completed === 'number'
                  ? Math.min(1, completed / total)
                  : undefined,
            };
            if (status === 'success') {
              finished = true;
              break;
            }
          }
          if (!finished) throw streamEndedEarlyError({ provider, modelId: name });
        } catch (error) {
          throw redactKnownSecrets(mapOllamaError(error, { provider, modelId: name }), [
            clients.apiKey(),
          ]);
        }
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        if (!finished) {
          iterator?.abort();
          controller.abort();
        }
      }
    },

    async deleteModel(name, options = {}) {
      await call(options.signal, name, (client) => client.delete({ model: name }));
    },
  };
}
