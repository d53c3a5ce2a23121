/**
 * Command-line flags of the demo. Without flags it runs the shipped tiny model offline; one
 * flag points it at another model instead.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';

/** Which model the demo chats with. */
export type ModelSource =
  | { kind: 'tiny' }
  | { kind: 'hub'; repoId: string; dtype: string | undefined }
  | { kind: 'ollama'; model: string; baseURL: string | undefined }
  | { kind: 'openai-compatible'; baseURL: string; model: string; apiKey: string | undefined };

/** Everything the demo needs to run, parsed from the command line. */
export interface DemoOptions {
  source: ModelSource;
  /** Folder of the JSON registry and the generated training config. */
  dataDir: string;
  /** Questions to ask, in order. */
  prompts: string[];
  /** Folder of the tiny model (default: the shipped `models/tiny-tool-qwen`). */
  modelDir: string | undefined;
  /** Output tokens per model call. */
  maxOutputTokens: number;
  help: boolean;
}

/** The prompts of the default run: a tool call, another tool, and a plain answer. */
export const defaultPrompts = ['what is 12 times 7?', 'what is the weather in Paris?', 'hello!'];

export const helpText = `Usage: npm run demo -- [options]

Runs offline with the shipped tiny tool-use model unless a model flag is given.

Model (at most one):
  --hub <repo-id>          a Hub model run locally by transformers.js (downloaded once,
                           e.g. onnx-community/Qwen3-0.6B-ONNX); --dtype q4|q8|fp16|fp32
  --ollama <model>         an Ollama model, e.g. qwen3:0.6b; --ollama-url <url>
  --openai-url <url>       an OpenAI-compatible server (vLLM, llama.cpp, LM Studio);
                           --model <id> is required, --api-key <key> or OPENAI_API_KEY

Other options:
  --prompt <text>          what to ask (repeatable; default: three sample questions)
  --model-dir <dir>        another folder in the tiny model's format (default models/tiny-tool-qwen)
  --data-dir <dir>         where registry.json and the training config go (default .tinyllm/demo)
  --max-output-tokens <n>  per model call (default 96)
  -h, --help               this text
`;

function invalid(message: string, path?: string): TinyLLMError {
  return new TinyLLMError({ code: 'INVALID_REQUEST', message, ...(path ? { path } : {}) });
}

/** Parses the demo's flags. Throws INVALID_REQUEST with a message meant for the user. */
export function parseDemoArgs(
  argv: readonly string[],
  environment: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): DemoOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw invalid(`${(error as Error).message}\n\n${helpText}`);
  }
  const chosen = (['hub', 'ollama', 'openai-url'] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (chosen.length > 1) {
    throw invalid(`Choose one model flag, not ${chosen.map((flag) => `--${flag}`).join(' and ')}.`);
  }
  let source: ModelSource = { kind: 'tiny' };
  if (values.hub !== undefined) {
    source = { kind: 'hub', repoId: values.hub, dtype: values.dtype };
  } else if (values.ollama !== undefined) {
    source = { kind: 'ollama', model: values.ollama, baseURL: values['ollama-url'] };
  } else if (values['openai-url'] !== undefined) {
    if (values.model === undefined) {
      throw invalid('--openai-url needs --model <id> (the model name the server knows).', 'model');
    }
    source = {
      kind: 'openai-compatible',
      baseURL: values['openai-url'],
      model: values.model,
      apiKey: values['api-key'] ?? environment.OPENAI_API_KEY,
    };
  }
  const maxOutputTokens = Number(values['max-output-tokens'] ?? '96');
  if (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1) {
    throw invalid('--max-output-tokens must be a positive integer.', 'max-output-tokens');
  }
  return {
    source,
    dataDir: resolve(cwd, values['data-dir'] ?? '.tinyllm/demo'),
    prompts: values.prompt && values.prompt.length > 0 ? values.prompt : defaultPrompts,
    modelDir: values['model-dir'] === undefined ? undefined : resolve(cwd, values['model-dir']),
    maxOutputTokens,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      hub: { type: 'string' },
      dtype: { type: 'string' },
      ollama: { type: 'string' },
      'ollama-url': { type: 'string' },
      'openai-url': { type: 'string' },
      model: { type: 'string' },
      'api-key': { type: 'string' },
      prompt: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      'model-dir': { type: 'string' },
      'max-output-tokens': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
