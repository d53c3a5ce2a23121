#!/usr/bin/env node
/** `tinyllm-serve`: serve local and registry models over an OpenAI-compatible API. */
import { TinyLLMError } from '@tinyllm/core';
import { parseServeOptions, usage } from './options';
import { startServe } from './start';

async function main(): Promise<void> {
  const options = parseServeOptions(process.argv.slice(2), process.env);
  if (options.help) {
    process.stdout.write(usage);
    return;
  }
  const started = await startServe(options);
  const models = started.modelIds.length > 0 ? started.modelIds.join(', ') : '(registry only)';
  // Keys are never printed; only whether they are required.
  process.stdout.write(
    `tinyllm-serve listening on ${started.url}/v1 (models: ${models}; api keys: ${
      options.apiKeys.length > 0 ? 'required' : 'none'
    })\n`,
  );
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    started.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message = TinyLLMError.isInstance(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  process.stderr.write(`tinyllm-serve: ${message}\n`);
  process.exit(1);
});
