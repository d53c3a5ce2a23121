#!/usr/bin/env node
/**
 * `npm run demo`: the tinyllm demo. Without flags it runs offline with the shipped tiny model.
 */
import { TinyLLMError } from '@tinyllm/core';
import { helpText, parseDemoArgs } from './args';
import { runDemo } from './demo';

const controller = new AbortController();
// Ctrl-C stops generation cleanly (the model stops, the registry is closed), a second one exits.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

try {
  const options = parseDemoArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(helpText);
  } else {
    const apiKey = options.source.kind === 'openai-compatible' ? options.source.apiKey : undefined;
    await runDemo(options, process.stdout, {
      signal: controller.signal,
      ...(options.modelDir === undefined ? {} : { modelDir: options.modelDir }),
      ...(apiKey === undefined ? {} : { apiKey }),
    });
  }
} catch (error) {
  if (TinyLLMError.isInstance(error)) {
    process.stderr.write(`\n${error.code}: ${error.message}\n`);
    process.exitCode = error.code === 'ABORTED' ? 130 : 1;
  } else {
    throw error;
  }
}
