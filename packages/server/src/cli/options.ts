/**
 * `tinyllm-serve` options: command-line flags over an optional JSON config file over defaults.
 * The config file has a zod schema, so a typo gets a clear error naming the field.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';
import { z } from 'zod';

/** The config file (`--config FILE`), JSON. */
export const serveConfigSchema = z.strictObject({
  /** Folder with one sub-folder per local model; each folder name is a model id. */
  modelsDir: z.string().min(1).optional(),
  /** Registry: a `registry.json` path, or a `postgres://` URL. */
  registry: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  /** Keys clients must send; prefer `TINYLLM_API_KEYS` so keys stay out of files. */
  apiKeys: z.array(z.string().min(1)).optional(),
  /** Requests one local model runs at once. */
  concurrency: z.number().int().positive().optional(),
  /** Requests that may wait per local model; more get 429 + Retry-After. */
  maxQueue: z.number().int().nonnegative().optional(),
  /** Output tokens of a local-model request that sets no `max_tokens`. */
  maxOutputTokens: z.number().int().positive().optional(),
  /** Prompt caches each local model keeps (conversations in turn that continue from their own); 0: none. */
  promptCache: z.number().int().nonnegative().optional(),
});
export type ServeConfig = z.infer<typeof serveConfigSchema>;

/** Resolved options of one run. */
export interface ServeOptionsResolved {
  modelsDir?: string;
  registry?: string;
  port: number;
  host: string;
  apiKeys: string[];
  concurrency?: number;
  maxQueue?: number;
  maxOutputTokens?: number;
  promptCache?: number;
  help: boolean;
}

export const usage = `Usage: tinyllm-serve [options]

Serve tinyllm models over an OpenAI-compatible API (/v1/models, /v1/chat/completions, /health).

Options:
  --models-dir DIR         every model folder in DIR becomes a model id (local transformers.js)
  --registry FILE|URL      a registry.json file, or a postgres:// URL (its enabled models)
  --port N                 port (default 8080; 0 picks a free one)
  --host HOST              interface (default 127.0.0.1)
  --api-key KEY            require this key (repeatable; also TINYLLM_API_KEYS=k1,k2)
  --concurrency N          requests one local model runs at once (default 1)
  --max-queue N            requests waiting per local model before 429 (default 16)
  --max-output-tokens N    default max_tokens of local models (default 256)
  --prompt-cache N         KV caches each local model keeps, so N conversations in turn each
                           continue from their last request (default 1; 0 turns caching off)
  --config FILE            JSON file with the same settings (modelsDir, registry, port, host,
                           apiKeys, concurrency, maxQueue, maxOutputTokens, promptCache); flags win
  -h, --help               show this help
`;

function invalid(message: string, path?: string): TinyLLMError {
  return new TinyLLMError({
    code: 'INVALID_CONFIG',
    message,
    retryable: false,
    ...(path ? { path } : {}),
  });
}

function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw invalid(`${flag} must be an integer >= ${min}, got "${value}".`, flag);
  }
  return number;
}

function readConfig(path: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`Cannot read the config file ${path}: ${(error as Error).message}`, '--config');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(`The config file ${path} is not valid JSON.`, '--config');
  }
  const parsed = serveConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw invalid(`Config file ${path}: \`${field}\`: ${issue?.message}`, field);
  }
  return parsed.data;
}

/** Parses `argv` (without node and script) and the environment. */
export function parseServeOptions(
  argv: readonly string[],
  environment: Record<string, string | undefined> = {},
): ServeOptionsResolved {
  let values: ReturnType<typeof parse>['values'];
  const parse = (args: string[]) =>
    parseArgs({
      args,
      strict: true,
      options: {
        'models-dir': { type: 'string' },
        registry: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        'max-queue': { type: 'string' },
        'max-output-tokens': { type: 'string' },
        'prompt-cache': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    values = parse([...argv]).values;
  } catch (error) {
    throw invalid(`${(error as Error).message}\n\n${usage}`);
  }
  const config = values.config ? readConfig(values.config) : {};
  const environmentKeys = (environment['TINYLLM_API_KEYS'] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  const apiKeys = [...(config.apiKeys ?? []), ...(values['api-key'] ?? []), ...environmentKeys];
  const resolved: ServeOptionsResolved = {
    port: integer(values.port, '--port', 0) ?? config.port ?? 8080,
    host: values.host ?? config.host ?? '127.0.0.1',
    apiKeys: [...new Set(apiKeys)],
    help: values.help === true,
  };
  const modelsDir = values['models-dir'] ?? config.modelsDir;
  if (modelsDir !== undefined) resolved.modelsDir = modelsDir;
  const registry = values.registry ?? config.registry;
  if (registry !== undefined) resolved.registry = registry;
  const concurrency = integer(values.concurrency, '--concurrency', 1) ?? config.concurrency;
  if (concurrency !== undefined) resolved.concurrency = concurrency;
  const maxQueue = integer(values['max-queue'], '--max-queue', 0) ?? config.maxQueue;
  if (maxQueue !== undefined) resolved.maxQueue = maxQueue;
  const maxOutputTokens =
    integer(values['max-output-tokens'], '--max-output-tokens', 1) ?? config.maxOutputTokens;
  if (maxOutputTokens !== undefined) resolved.maxOutputTokens = maxOutputTokens;
  const promptCache = integer(values['prompt-cache'], '--prompt-cache', 0) ?? config.promptCache;
  if (promptCache !== undefined) resolved.promptCache = promptCache;
  if (resolved.port > 65_535) throw invalid('--port must be at most 65535.', '--port');
  if (!resolved.help && !resolved.modelsDir && !resolved.registry) {
    throw invalid(`Give --models-dir and/or --registry.\n\n${usage}`);
  }
  return resolved;
}
