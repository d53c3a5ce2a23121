#!/usr/bin/env node
/**
 * Starts the web chat: `node dist/index.js [--port 3000] [--registry .tinyllm/demo/registry.json]`,
 * then open the printed URL.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import { createModelManager } from '@tinyllm/providers/transformers';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import { createChatServer } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    registry: { type: 'string', default: '.tinyllm/demo/registry.json' },
  },
});
const registryPath = resolve(values.registry);
mkdirSync(dirname(registryPath), { recursive: true });
const registry = createRegistry({ storage: createJsonFileStorage({ path: registryPath }) });
if ((await registry.models.list({ limit: 1 })).total === 0) {
  // A fresh registry gets the shipped tiny model, so the page has something to talk to.
  await registry.models.register({
    name: 'tiny-tool-qwen',
    provider: 'transformers',
    baseUrl: dirname(tinyModelDir),
    modelId: 'tiny-tool-qwen',
    maxOutputTokens: 96,
  });
}
const manager = createModelManager();
const server = createChatServer({ registry, manager, tools: tinyTools });
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(
    `web chat on http://${values.host}:${values.port}/ (registry ${registryPath})\n`,
  );
});
process.once('SIGINT', () => {
  server.close();
  server.closeAllConnections();
  void manager.dispose().then(() => registry.close());
});
