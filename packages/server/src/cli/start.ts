/**
 * Builds what `tinyllm-serve` serves from its options: local models from a folder (one shared
 * model manager, so queue limits and memory cover all of them) and/or a registry.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type ChatModel, TinyLLMError } from '@tinyllm/core';
import { createModelFromSettings } from '@tinyllm/providers';
import {
  type ModelManager,
  createModelManager,
  createTransformers,
} from '@tinyllm/providers/transformers';
import { type Registry, createRegistry } from '@tinyllm/registry';
import { createServer } from '../server';
import { type RunningServer, serve } from '../node/index';
import type { ServeOptionsResolved } from './options';

/** A started `tinyllm-serve`. */
export interface StartedServe extends RunningServer {
  modelIds: string[];
  manager: ModelManager;
}

/** The model folders of `modelsDir` (folders holding a `config.json`). */
export function listModelFolders(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: `The models folder ${modelsDir} does not exist.`,
      path: '--models-dir',
      retryable: false,
    });
  }
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => existsSync(path.join(modelsDir, entry.name, 'config.json')))
    .map((entry) => entry.name)
    .sort();
}

async function openRegistry(location: string): Promise<Registry> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { createPostgresStorage } = await import('@tinyllm/registry/postgres');
    return createRegistry({ storage: createPostgresStorage({ client: location }) });
  }
  const { createJsonFileStorage } = await import('@tinyllm/registry/json-file');
  return createRegistry({ storage: createJsonFileStorage({ path: location }) });
}

/** Starts the server of `options`. */
export async function startServe(options: ServeOptionsResolved): Promise<StartedServe> {
  const manager = createModelManager({
    ...(options.concurrency === undefined
      ? {}
      : { maxConcurrentRequestsPerModel: options.concurrency }),
    ...(options.maxQueue === undefined ? {} : { maxQueuedRequestsPerModel: options.maxQueue }),
  });
  const models: Record<string, ChatModel> = {};
  if (options.modelsDir) {
    const modelsDir = path.resolve(options.modelsDir);
    const transformers = createTransformers({ modelsDir, manager });
    for (const id of listModelFolders(modelsDir)) {
      models[id] = transformers(id, {
        ...(options.maxOutputTokens === undefined
          ? {}
          : { defaultMaxOutputTokens: options.maxOutputTokens }),
        ...(options.promptCache === undefined
          ? {}
          : {
              promptCache: options.promptCache > 0 && { maxEntries: options.promptCache },
            }),
      });
    }
  }
  const registry = options.registry ? await openRegistry(options.registry) : undefined;
  const server = createServer({
    models,
    ...(registry
      ? {
          registry,
          createModel: (settings) =>
            createModelFromSettings(
              settings,
              settings.provider === 'transformers'
                ? { options: { ...settings.options, manager } }
                : {},
            ),
        }
      : {}),
    apiKeys: options.apiKeys,
  });
  const running = await serve(server, { port: options.port, hostname: options.host });
  return {
    ...running,
    modelIds: Object.keys(models),
    manager,
    close: async () => {
      await running.close();
      await manager.dispose();
      await registry?.flush();
      await registry?.close();
    },
  };
}
