#!/usr/bin/env node
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import packageJson from '../package.json';
import {
  ConfigBuilder,
  ConfigError,
  configJsonSchema,
  diffConfigs,
  estimateMemory,
  exportConfig,
  exportFormats,
  type ExportFormat,
  listTemplates,
  parseConfig,
  serializeConfig,
  type ConfigIssue,
  type TrainingConfig,
  type ValidationOptions,
} from './index';

/*
 * Exit codes: 0 success (warnings allowed), 1 the config has errors, 2 the command was used
 * wrongly or a file could not be read/written. Messages go to stderr, results to stdout, so
 * `tinyllm-config new … > file.json` and `schema > schema.json` work.
 */

const usage = `Usage: tinyllm-config <command> [options]

Commands:
  new [--template ID] [--set PATH=VALUE]... [-o FILE]
                          Create a config from a template (or from scratch) and print or save it.
                          VALUE is read as JSON when it parses (16, true, ["a"]), else as text.
  validate FILE [--gpu-memory GB] [--gradient-checkpointing] [--json]
                          Check a config; exit code 1 when it has errors. Warnings are printed.
  memory FILE [--gpu-memory GB] [--gradient-checkpointing]
                          Estimate peak GPU memory of a config.
  export --format trl|axolotl|llama-factory FILE [--dataset PATH] [--out FILE]
                          Write what an external trainer reads (axolotl/LLaMA-Factory YAML, a TRL
                          script). Fields without an equivalent are listed as warnings.
  schema [-o FILE]        Print the JSON Schema of the config format.
  diff A B [--json]       Show what differs between two configs.
  templates [--json]      List the built-in templates.

Options:
  -h, --help              Show this help.
  -v, --version           Show the version.

Example:
  tinyllm-config new --template sft_toolbench --set training.lora_r=16 -o configs/my_config.json
  tinyllm-config validate configs/my_config.json`;

class UsageError extends Error {}

// `tinyllm-config schema | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/** Writes an output file, creating its folder (`-o configs/my_config.json` in a fresh project). */
async function writeOutput(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    out(packageJson.version);
    return 0;
  }
  switch (command) {
    case 'new':
      return commandNew(rest);
    case 'validate':
      return commandValidate(rest);
    case 'memory':
      return commandMemory(rest);
    case 'schema':
      return commandSchema(rest);
    case 'export':
      return commandExport(rest);
    case 'diff':
      return commandDiff(rest);
    case 'templates':
      return commandTemplates(rest);
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

async function commandNew(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      template: { type: 'string', short: 't' },
      set: { type: 'string', short: 's', multiple: true },
      output: { type: 'string', short: 'o' },
      'gpu-memory': { type: 'string' },
    },
    strict: true,
  });
  let builder =
    values.template === undefined
      ? ConfigBuilder.create()
      : ConfigBuilder.fromTemplate(values.template);
  for (const assignment of values.set ?? []) {
    const equals = assignment.indexOf('=');
    if (equals <= 0)
      throw new UsageError(
        `--set expects PATH=VALUE, e.g. training.lora_r=16; got "${assignment}".`,
      );
    builder = builder.setPath(
      assignment.slice(0, equals),
      parseValue(assignment.slice(equals + 1)),
    );
  }
  const result = builder.validate(validationOptions(values));
  printIssues(values.output ?? 'config', [...result.errors, ...result.warnings]);
  if (!result.valid) {
    err(
      `Not written: ${plural(result.errors.length, 'error')}. Fix them with --set, or start from a --template.`,
    );
    return 1;
  }
  const text = serializeConfig(builder.build(validationOptions(values)));
  if (values.output === undefined) process.stdout.write(text);
  else {
    await writeOutput(values.output, text);
    err(
      `Wrote ${values.output}${result.warnings.length > 0 ? ` (${plural(result.warnings.length, 'warning')})` : ''}.`,
    );
  }
  return 0;
}

async function commandValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'gpu-memory': { type: 'string' },
      'gradient-checkpointing': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const file = onePositional(positionals, 'validate FILE');
  const text = await readText(file);
  let errors: readonly ConfigIssue[] = [];
  let warnings: readonly ConfigIssue[];
  try {
    warnings = parseConfig(text, validationOptions(values)).warnings;
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    errors = error.issues;
    warnings = error.warnings;
  }
  if (values.json) {
    out(JSON.stringify({ valid: errors.length === 0, errors, warnings }, null, 2));
  } else {
    printIssues(file, [...errors, ...warnings]);
    err(
      errors.length === 0
        ? `${file}: valid${warnings.length > 0 ? `, ${plural(warnings.length, 'warning')}` : ''}.`
        : `${file}: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}.`,
    );
  }
  return errors.length === 0 ? 0 : 1;
}

async function commandMemory(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'gpu-memory': { type: 'string' }, 'gradient-checkpointing': { type: 'boolean' } },
    allowPositionals: true,
  });
  const file = onePositional(positionals, 'memory FILE');
  const config = await loadConfig(file);
  if (config === undefined) return 1;
  const options = validationOptions(values);
  const estimate = estimateMemory(config, options);
  if (estimate === undefined) {
    err(`${file}: no architecture known for model "${config.model.name}"; cannot estimate memory.`);
    return 1;
  }
  const rows = Object.entries(estimate.breakdown).map(
    ([name, gb]) => `  ${name.replace(/Gb$/, '').padEnd(18)} ${gb.toFixed(2).padStart(7)} GB`,
  );
  out(
    [
      `${estimate.architecture.id}: ${(estimate.totalParameters / 1e6).toFixed(0)}M parameters, ${(estimate.trainableParameters / 1e6).toFixed(1)}M trainable`,
      ...rows,
      `  ${'total'.padEnd(18)} ${estimate.totalGb.toFixed(2).padStart(7)} GB (GPU: ${estimate.gpuMemoryGb} GB, ${estimate.fits ? 'fits' : 'does not fit'})`,
    ].join('\n'),
  );
  if (estimate.warning !== undefined) err(`warning: ${estimate.warning}`);
  return 0;
}

async function commandExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      dataset: { type: 'string' },
    },
    allowPositionals: true,
  });
  const format = values.format;
  if (format === undefined || !(exportFormats as readonly string[]).includes(format))
    throw new UsageError(
      `export needs --format ${exportFormats.join('|')}${format === undefined ? '' : `; got "${format}"`}.`,
    );
  const file = onePositional(positionals, 'export --format FORMAT FILE');
  const config = await loadConfig(file);
  if (config === undefined) return 1;
  const result = exportConfig(
    config,
    format as ExportFormat,
    values.dataset === undefined ? {} : { datasetPath: values.dataset },
  );
  for (const warning of result.warnings)
    err(`${file}: warning [${warning.code}] ${warning.message}`);
  if (values.out === undefined) process.stdout.write(result.content);
  else {
    await writeOutput(values.out, result.content);
    err(`Wrote ${values.out}. Run: ${result.command.replace(result.fileName, values.out)}`);
  }
  return 0;
}

async function commandSchema(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { output: { type: 'string', short: 'o' } } });
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (values.output === undefined) process.stdout.write(text);
  else await writeOutput(values.output, text);
  return 0;
}

async function commandDiff(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('diff expects two files: diff A B.');
  const [fileA, fileB] = positionals as [string, string];
  // A diff is useful between invalid drafts too, so only the JSON has to be well-formed.
  const [a, b] = await Promise.all([readJson(fileA), readJson(fileB)]);
  if (a === undefined || b === undefined) return 1;
  const changes = diffConfigs(a as TrainingConfig, b as TrainingConfig);
  if (values.json) out(JSON.stringify(changes, null, 2));
  else if (changes.length === 0) out('No differences.');
  else {
    for (const change of changes) {
      if (change.kind === 'added') out(`+ ${change.path}: ${show(change.after)}`);
      else if (change.kind === 'removed') out(`- ${change.path}: ${show(change.before)}`);
      else out(`~ ${change.path}: ${show(change.before)} → ${show(change.after)}`);
    }
  }
  return 0;
}

async function commandTemplates(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const list = listTemplates();
  if (values.json) {
    out(
      JSON.stringify(
        list.map(({ id, title, description }) => ({ id, title, description })),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const template of list)
    out(`${template.id.padEnd(16)} ${template.title}\n${' '.repeat(17)}${template.description}\n`);
  return 0;
}

function validationOptions(values: {
  'gpu-memory'?: string;
  'gradient-checkpointing'?: boolean;
}): ValidationOptions {
  const options: ValidationOptions = {};
  if (values['gpu-memory'] !== undefined) {
    const gb = Number(values['gpu-memory']);
    if (!Number.isFinite(gb) || gb <= 0)
      throw new UsageError(
        `--gpu-memory expects a number of GB, e.g. 8; got "${values['gpu-memory']}".`,
      );
    options.gpuMemoryGb = gb;
  }
  if (values['gradient-checkpointing'] === true) options.gradientCheckpointing = true;
  return options;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function onePositional(positionals: string[], form: string): string {
  const [file] = positionals;
  if (file === undefined || positionals.length > 1)
    throw new UsageError(`Expected one file: ${form}.`);
  return file;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return parseConfig(text).config;
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    const json = error.issues.find((issue) => issue.code === 'INVALID_JSON');
    if (json === undefined) return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    printIssues(file, [json]);
    return undefined;
  }
}

async function loadConfig(file: string): Promise<TrainingConfig | undefined> {
  try {
    return parseConfig(await readText(file)).config;
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    printIssues(file, error.issues);
    return undefined;
  }
}

// `file:line:column: severity [CODE] message`, the format editors and CI annotators link.
function printIssues(file: string, issues: readonly ConfigIssue[]): void {
  for (const issue of issues) {
    const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
    err(`${where}: ${issue.severity} [${issue.code}] ${issue.message}`);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
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
      err(`tinyllm-config: ${(error as Error).message}\nRun "tinyllm-config --help" for usage.`);
      process.exitCode = 2;
    } else if (ConfigError.isInstance(error)) {
      for (const issue of error.issues) err(`error [${issue.code}] ${issue.message}`);
      process.exitCode = 2;
    } else {
      err(
        `tinyllm-config: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exitCode = 70; // EX_SOFTWARE: a bug, not a user mistake
    }
  },
);
