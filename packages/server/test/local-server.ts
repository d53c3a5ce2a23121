/**
 * The server under test: the shipped tiny model on real transformers.js, served over HTTP on a
 * free port. `tiny-tool-qwen-long` is the same model made to write at least 300 tokens
 * (`min_new_tokens`), so a test can stop a reply halfway.
 */
import { dirname } from 'node:path';
import type { UsageEvent } from '@tinyllm/core';
import { tinyModelDir, toolsFile } from '@tinyllm/example-tools';
import {
  type ModelManager,
  createModelManager,
  createTransformers,
} from '@tinyllm/providers/transformers';
import { type ServerOptions, createServer } from '../src/index';
import { type RunningServer, serve } from '../src/node/index';

export const modelId = 'tiny-tool-qwen';
export const longModelId = 'tiny-tool-qwen-long';
/** The tools the tiny model was trained with, in OpenAI's wire format. */
export const openAITools = toolsFile.tools;

export interface LocalServer extends RunningServer {
  manager: ModelManager;
  usage: UsageEvent[];
}

export async function startLocalServer(
  options: { maxQueued?: number; serverOptions?: Partial<ServerOptions> } = {},
): Promise<LocalServer> {
  const manager = createModelManager({
    maxConcurrentRequestsPerModel: 1,
    maxQueuedRequestsPerModel: options.maxQueued ?? 16,
  });
  const transformers = createTransformers({ modelsDir: dirname(tinyModelDir), manager });
  const usage: UsageEvent[] = [];
  const server = createServer({
    models: {
      [modelId]: transformers(modelId, { defaultMaxOutputTokens: 96 }),
      [longModelId]: transformers(modelId, {
        defaultMaxOutputTokens: 400,
        generationOptions: { min_new_tokens: 300 },
      }),
    },
    hooks: { onUsage: (event) => usage.push(event) },
    ...options.serverOptions,
  });
  const running = await serve(server, { port: 0 });
  await transformers(modelId).load();
  return {
    ...running,
    manager,
    usage,
    close: async () => {
      await running.close();
      await manager.dispose();
    },
  };
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
