#!/usr/bin/env node
/**
 * Starts the AI SDK chat on the shipped tiny model: `node dist/index.js [--port 3001]`, then open
 * the printed URL.
 */
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import { createTransformers } from '@tinyllm/providers/transformers';
import { createAIChatApp } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3001' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const transformers = createTransformers({ modelsDir: dirname(tinyModelDir) });
const model = transformers('tiny-tool-qwen', { defaultMaxOutputTokens: 96 });
const app = createAIChatApp({ model, tools: tinyTools });
const server = serve({ fetch: app.fetch, port: Number(values.port), hostname: values.host }, () => {
  process.stdout.write(`AI SDK chat on http://${values.host}:${values.port}/\n`);
});
process.once('SIGINT', () => {
  server.close();
  void transformers.dispose();
});
