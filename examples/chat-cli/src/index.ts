#!/usr/bin/env node
/**
 * `tinyllm-chat`: an interactive terminal chat with the models of a registry.
 *
 *   tinyllm-chat [--registry .tinyllm/demo/registry.json] [--model <name>]
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';
import { createModelManager } from '@tinyllm/providers/transformers';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import { ChatSession, ensureDefaultModel, helpText } from './session';
import { createLoadProgressPrinter } from '@tinyllm/example-tools';

const { values } = parseArgs({
  options: {
    registry: { type: 'string', default: '.tinyllm/demo/registry.json' },
    model: { type: 'string' },
  },
});
const registryPath = resolve(values.registry);
mkdirSync(dirname(registryPath), { recursive: true });
const registry = createRegistry({ storage: createJsonFileStorage({ path: registryPath }) });
const output = process.stdout;
const manager = createModelManager({ onEvent: createLoadProgressPrinter(output) });
const session = new ChatSession({ registry, manager, output });

const terminal = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY });
const ask = (question: string) =>
  new Promise<string>((resolveAnswer) => terminal.question(question, resolveAnswer));

/** The reply being generated, if any: Ctrl-C aborts it instead of quitting. */
let reply: AbortController | undefined;
let exitRequested = false;
terminal.on('SIGINT', () => {
  if (reply !== undefined) {
    reply.abort();
    return;
  }
  if (exitRequested) terminal.close();
  else {
    exitRequested = true;
    output.write('\n(press Ctrl-C again or type /exit to quit)\nyou> ');
  }
});

async function pickModel(): Promise<void> {
  if (values.model !== undefined) return session.useModel(values.model);
  output.write(`Models in ${registryPath}:\n`);
  const models = await session.printModels();
  // Ask again until a model loads: a typo should not end the program.
  while (true) {
    const answer = (await ask(`pick a model [1-${models.length}, default 1]: `)).trim();
    try {
      return await session.useModel(answer === '' ? '1' : answer);
    } catch (error) {
      if (!TinyLLMError.isInstance(error)) throw error;
      output.write(`${error.code}: ${error.message}\n`);
    }
  }
}

async function handle(line: string): Promise<boolean> {
  const [command, ...rest] = line.trim().split(/\s+/);
  const argument = rest.join(' ');
  switch (command) {
    case '':
    case undefined:
      return true;
    case '/exit':
    case '/quit':
      return false;
    case '/help':
      output.write(helpText);
      return true;
    case '/model':
      if (argument === '') await session.printModels();
      else await session.useModel(argument);
      return true;
    case '/tools':
      session.printTools();
      return true;
    case '/usage':
      session.printUsage();
      return true;
    case '/clear':
      session.clear();
      return true;
    default: {
      reply = new AbortController();
      try {
        await session.send(line, reply.signal);
      } finally {
        reply = undefined;
      }
      return true;
    }
  }
}

try {
  await ensureDefaultModel(registry);
  output.write('tinyllm chat: /help for commands\n');
  await pickModel();
  terminal.setPrompt('you> ');
  terminal.prompt();
  for await (const line of terminal) {
    exitRequested = false;
    try {
      if (!(await handle(line))) break;
    } catch (error) {
      if (!TinyLLMError.isInstance(error)) throw error;
      output.write(`${error.code}: ${error.message}\n`);
    }
    terminal.prompt();
  }
} catch (error) {
  output.write(
    `\n${TinyLLMError.isInstance(error) ? `${error.code}: ` : ''}${(error as Error).message}\n`,
  );
  process.exitCode = 1;
} finally {
  terminal.close();
  await manager.dispose();
  await registry.flush();
  await registry.close();
}
