#!/usr/bin/env node
/**
 * `node dist/index.js [--hub owner/name] [--endpoint URL] [--ollama-url URL] [--registry FILE]`:
 * imports a Hub model and/or the models of an Ollama server into a JSON registry, tests each
 * connection and says hello.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import { chatWith, importHubModel, registerOllamaModels } from './import-models';

const { values } = parseArgs({
  options: {
    hub: { type: 'string' },
    endpoint: { type: 'string' },
    'hub-url': { type: 'string' },
    'ollama-url': { type: 'string' },
    registry: { type: 'string', default: '.tinyllm/demo/registry.json' },
  },
});
const registryPath = resolve(values.registry);
mkdirSync(dirname(registryPath), { recursive: true });
const registry = createRegistry({
  storage: createJsonFileStorage({ path: registryPath }),
  ...(values['hub-url'] ? { hubUrl: values['hub-url'] } : {}),
});
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  if (values.hub === undefined && values['ollama-url'] === undefined) {
    say('Nothing to import: pass --hub owner/name and/or --ollama-url http://127.0.0.1:11434');
  }
  if (values.hub !== undefined) {
    const { record, connection } = await importHubModel(registry, values.hub, {
      ...(values.endpoint ? { endpointUrl: values.endpoint } : {}),
    });
    const source = record.provenance?.source;
    say(
      `imported ${record.name} (${source?.license ?? 'no license'}, ${source?.parameterCount ?? '?'} parameters, revision ${source?.revision ?? '?'})`,
    );
    say(
      connection.ok
        ? `  connection ok in ${Math.round(connection.latencyMs)} ms`
        : `  connection failed: ${connection.code} ${connection.message}`,
    );
    if (connection.ok) say(`  hello → ${(await chatWith(registry, record.name, 'Hello!')).text}`);
  }
  if (values['ollama-url'] !== undefined) {
    const added = await registerOllamaModels(registry, values['ollama-url']);
    say(
      `registered ${added.length} Ollama model(s): ${added.map((record) => record.name).join(', ')}`,
    );
    const first = added[0];
    if (first) say(`  hello → ${(await chatWith(registry, first.name, 'Hello!')).text}`);
  }
} catch (error) {
  if (!TinyLLMError.isInstance(error)) throw error;
  say(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await registry.close();
}
