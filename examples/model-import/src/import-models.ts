/**
 * Bringing existing models into the registry: a fine-tune from the Hugging Face Hub (with its
 * provenance: license, base model, dataset, commit, parameter count) and the models an Ollama
 * server already has. Then the usual loop: test the connection, chat.
 */
import type { ChatResponse } from '@tinyllm/core';
import { createModelFromSettings, testConnection } from '@tinyllm/providers';
import { createOllama } from '@tinyllm/providers/ollama';
import type { ModelRecord, Registry } from '@tinyllm/registry';
import { recordToSettings } from '@tinyllm/registry';

/** Options of {@link importHubModel}. */
export interface HubImportSettings {
  /**
   * Where the model is served: a Hugging Face Inference Endpoint or TGI server URL. Omitted:
   * Hugging Face Inference Providers (the router) serve it.
   */
  endpointUrl?: string;
  tags?: string[];
}

/** Imports `repoId` from the Hub as a `huggingface` model and checks that it answers. */
export async function importHubModel(
  registry: Registry,
  repoId: string,
  settings: HubImportSettings = {},
) {
  const record = await registry.importFromHub(repoId, {
    overrides: {
      provider: 'huggingface',
      ...(settings.endpointUrl ? { baseUrl: settings.endpointUrl } : {}),
      tags: settings.tags ?? ['hub'],
    },
  });
  const connection = await testConnection(await recordToSettings(record));
  return { record, connection };
}

/**
 * Registers every model the Ollama server lists (`/api/tags`) as `ollama-<name>`, skipping
 * names already registered. Returns the new records.
 */
export async function registerOllamaModels(
  registry: Registry,
  baseURL: string,
): Promise<ModelRecord[]> {
  const installed = await createOllama({ baseURL }).listModels();
  const added: ModelRecord[] = [];
  for (const model of installed) {
    // Registry names allow letters, digits, ".", "_" and "-": `qwen3:0.6b` → `ollama-qwen3-0.6b`.
    const name = `ollama-${model.name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    if (await registry.models.find(name)) continue;
    added.push(
      await registry.models.register({
        name,
        provider: 'ollama',
        modelId: model.name,
        baseUrl: baseURL,
        tags: ['ollama'],
        description: [model.family, model.parameterSize, model.quantization]
          .filter(Boolean)
          .join(' '),
      }),
    );
  }
  return added;
}

/** Sends one message to a registered model. */
export async function chatWith(
  registry: Registry,
  name: string,
  text: string,
): Promise<ChatResponse> {
  const record = await registry.models.get(name);
  const model = await createModelFromSettings(await recordToSettings(record));
  return model.chat({ messages: [{ role: 'user', content: text }] });
}
