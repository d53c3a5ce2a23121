#!/usr/bin/env node
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, type ExportFormat, exportFormats } from '@tinyllm/config-builder';
import type { AnyTool } from '@tinyllm/core';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import packageJson from '../package.json';
import type { TrainingBackend } from './backend';
import { createCommandBackend } from './backends/command/index';
import { createLocalBackend } from './backends/local/index';
import { TrainerError } from './errors';
import { createTrainingJob } from './job';
import { formatDuration, formatProgress } from './progress-bar';
import type { RegisterOptions } from './register';

/*
 * Exit codes: 0 trained (and registered), 1 training or registration failed, 2 wrong usage or
 * unreadable input, 130 cancelled (Ctrl-C; run again with --resume). Progress goes to stderr,
 * the result (--json) to stdout.
 */

const usage = `Usage: tinyllm-train run CONFIG --dataset FILE [options] [-- COMMAND...]

Trains CONFIG (a tinyllm-config JSON file) on a JSONL dataset, then optionally evaluates the
model and registers it with provenance.

Options:
  --dataset FILE          JSONL: {"messages", "tools"?} per line (SFT) or {"messages", "chosen", "rejected"} (DPO)
  --backend local|command local: the PyTorch trainer on a local tiny model folder (default);
                          command: the trainer given after --, e.g. -- axolotl train {file}
  --export FORMAT         command backend: write the config as ${exportFormats.join('|')} first ({file})
  --out DIR               model folder (default: training.output_dir, else output/<dataset name>)
  --work-dir DIR          checkpoints (default: <out>.work)
  --resume                continue from the newest checkpoint
  --max-steps N           stop after N optimizer steps
  --threads N             local backend: torch threads (default 1)
  --registry FILE         register the model in this registry.json
  --name NAME             record name (default: the --out folder name)
  --family NAME           alias family (default: NAME); the model becomes FAMILY@candidate
  --alias NAME            alias to point at the model (default candidate)
  --base NAME             registry name or id of the base model (lineage)
  --eval FILE             evaluate on this eval JSONL before registering
  --eval-conversations FILE
                          also score every turn of these conversations (multi-turn eval JSONL)
  --eval-tools MODULE     module exporting the tools the eval calls (\`tools\` or default export)
  --eval-limit N          only the first N eval cases
  --json                  print the result as JSON
  -h, --help, -v, --version

Example:
  tinyllm-config new --template sft_toolbench --set model.name=models/tiny-tool-qwen -o config.json
  tinyllm-train run config.json --dataset train.jsonl --out models/tiny-tools-ft --registry registry.json`;

class UsageError extends Error {}

const err = (text: string) => process.stderr.write(`${text}\n`);

async function main(argv: string[]): Promise<number> {
  const separator = argv.indexOf('--');
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  const [verb, ...rest] = separator < 0 ? argv : argv.slice(0, separator);
  if (verb === undefined || verb === '-h' || verb === '--help' || verb === 'help') {
    process.stdout.write(`${usage}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb === '-v' || verb === '--version') {
    process.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  if (verb !== 'run') throw new UsageError(`Unknown command "${verb}".`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      backend: { type: 'string', default: 'local' },
      export: { type: 'string' },
      out: { type: 'string' },
      'work-dir': { type: 'string' },
      resume: { type: 'boolean' },
      'max-steps': { type: 'string' },
      threads: { type: 'string' },
      registry: { type: 'string' },
      name: { type: 'string' },
      family: { type: 'string' },
      alias: { type: 'string' },
      base: { type: 'string' },
      eval: { type: 'string' },
      'eval-tools': { type: 'string' },
      'eval-conversations': { type: 'string' },
      'eval-limit': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [configPath, ...extra] = positionals;
  if (configPath === undefined || extra.length > 0)
    throw new UsageError('run expects one CONFIG file.');
  if (values.dataset === undefined) throw new UsageError('run needs --dataset FILE.');
  const backend = makeBackend(values.backend, values.export, command, values.threads);
  const register = await registerOptions(values);
  const job = createTrainingJob({
    config: configPath,
    dataset: values.dataset,
    backend,
    ...(values.out === undefined ? {} : { outputDir: values.out }),
    ...(values['work-dir'] === undefined ? {} : { workDir: values['work-dir'] }),
    ...(values.resume ? { resume: true } : {}),
    ...(values['max-steps'] === undefined
      ? {}
      : { maxSteps: positiveInteger(values['max-steps'], '--max-steps') }),
    ...(register === undefined ? {} : { register }),
  });
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  job.on((event) => {
    if (event.type === 'progress') {
      const line = formatProgress(event);
      if (tty) process.stderr.write(`\r${line}\u001b[K`);
      else if (event.step === event.totalSteps || performance.now() - lastLine > 5000) {
        lastLine = performance.now();
        err(line);
      }
    } else if (event.type === 'log' || event.type === 'checkpoint') {
      const text =
        event.type === 'log' ? event.line : `checkpoint at step ${event.step}: ${event.path}`;
      err(tty ? `\r\u001b[K${text}` : text);
    }
  });
  process.once('SIGINT', () => job.cancel());
  process.once('SIGTERM', () => job.cancel());
  const result = await job.run();
  if (tty) err('');
  err(
    `Trained ${result.steps} steps in ${formatDuration(result.trainSeconds)}${result.finalLoss === undefined ? '' : `, final loss ${result.finalLoss}`} → ${result.outputDir}`,
  );
  if (result.model !== undefined)
    err(
      `Registered ${result.model.name} (${result.model.id})${result.alias === undefined ? '' : ` as ${result.alias}`}.`,
    );
  if (result.metrics !== undefined)
    err(
      `Eval: tool ${result.metrics.tool_accuracy.toFixed(3)}, arguments ${result.metrics.argument_accuracy.toFixed(3)}, answer ${result.metrics.answer_accuracy.toFixed(3)}, no-tool ${result.metrics.no_tool_accuracy.toFixed(3)} (${result.metrics.cases} cases)`,
    );
  const multi = result.multiTurnMetrics;
  if (multi !== undefined)
    err(
      `Eval, multi-turn: turn ${multi.turn_accuracy.toFixed(3)} (${multi.turns} turns of ${multi.conversations} conversations), on a correct history ${multi.turn_accuracy_on_correct_history.toFixed(3)}, whole conversations ${multi.conversation_accuracy.toFixed(3)}`,
    );
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

function makeBackend(
  name: string | undefined,
  format: string | undefined,
  command: string[],
  threads: string | undefined,
): TrainingBackend {
  if (name === 'local') {
    if (command.length > 0) throw new UsageError('A command after -- needs --backend command.');
    return createLocalBackend(
      threads === undefined ? {} : { threads: positiveInteger(threads, '--threads') },
    );
  }
  if (name === 'command') {
    if (command.length === 0)
      throw new UsageError(
        '--backend command needs the trainer command after --, e.g. -- axolotl train {file}.',
      );
    if (format !== undefined && !(exportFormats as readonly string[]).includes(format))
      throw new UsageError(`--export takes ${exportFormats.join('|')}; got "${format}".`);
    return createCommandBackend({
      command,
      ...(format === undefined ? {} : { export: format as ExportFormat }),
    });
  }
  throw new UsageError(`--backend takes local or command; got "${name}".`);
}

async function registerOptions(values: {
  registry?: string;
  name?: string;
  out?: string;
  family?: string;
  alias?: string;
  base?: string;
  eval?: string;
  'eval-tools'?: string;
  'eval-limit'?: string;
  'eval-conversations'?: string;
}): Promise<RegisterOptions | undefined> {
  if (values.registry === undefined) {
    if (
      values.eval !== undefined ||
      values['eval-conversations'] !== undefined ||
      values.name !== undefined
    )
      throw new UsageError(
        '--eval, --eval-conversations and --name need --registry (the metrics are stored with the model).',
      );
    return undefined;
  }
  const name =
    values.name ??
    (values.out === undefined ? undefined : resolve(values.out).split(/[\\/]/).at(-1));
  if (name === undefined)
    throw new UsageError('--registry needs --name (or --out, whose folder name is used).');
  const registry = createRegistry({ storage: createJsonFileStorage({ path: values.registry }) });
  let evaluation: RegisterOptions['evaluation'];
  if (values.eval !== undefined || values['eval-conversations'] !== undefined) {
    if (values['eval-tools'] === undefined)
      throw new UsageError(
        '--eval and --eval-conversations need --eval-tools MODULE: the tools the eval cases call, with implementations.',
      );
    evaluation = {
      ...(values.eval === undefined ? {} : { cases: values.eval }),
      ...(values['eval-conversations'] === undefined
        ? {}
        : { conversations: values['eval-conversations'] }),
      tools: await loadTools(values['eval-tools']),
      ...(values['eval-limit'] === undefined
        ? {}
        : { limit: positiveInteger(values['eval-limit'], '--eval-limit') }),
    };
  }
  return {
    registry,
    name,
    ...(values.family === undefined ? {} : { family: values.family }),
    ...(values.alias === undefined ? {} : { alias: values.alias }),
    ...(values.base === undefined ? {} : { baseModel: values.base }),
    ...(evaluation === undefined ? {} : { evaluation }),
  };
}

async function loadTools(specifier: string): Promise<AnyTool[]> {
  const target =
    specifier.startsWith('.') || isAbsolute(specifier)
      ? pathToFileURL(resolve(specifier)).href
      : specifier;
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`Cannot import --eval-tools ${specifier}: ${(error as Error).message}`);
  }
  const tools = module['tools'] ?? module['tinyTools'] ?? module['default'];
  if (!Array.isArray(tools) || tools.length === 0)
    throw new UsageError(
      `--eval-tools ${specifier} must export a non-empty array as \`tools\` or default.`,
    );
  return tools as AnyTool[];
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${option} expects a positive whole number; got "${text}".`);
  return value;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      err(`tinyllm-train: ${(error as Error).message}\nRun "tinyllm-train --help" for usage.`);
      process.exitCode = 2;
    } else if (ConfigError.isInstance(error)) {
      err(`tinyllm-train: ${error.message}`);
      process.exitCode = 2;
    } else if (TrainerError.isInstance(error)) {
      err(`\ntinyllm-train: [${error.code}] ${error.message}`);
      process.exitCode =
        error.code === 'CANCELLED'
          ? 130
          : error.code === 'INVALID_OPTIONS' ||
              error.code === 'DATASET_INVALID' ||
              error.code === 'BASE_MODEL_NOT_LOCAL'
            ? 2
            : 1;
    } else {
      err(
        `tinyllm-train: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exitCode = 70;
    }
  },
);
