/**
 * Test helpers for the transformers adapter: the fixture model trained by
 * `training/train_tiny_tool_model.py` into `models/tiny-tool-qwen`, and wrappers that observe
 * what the library does. Test-only: not exported from the package.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolDefinition } from '@tinyllm/core';
import type { TransformersRuntime } from './load-model';

/** The repository's `models/` folder (TINYLLM_TEST_MODELS_DIR overrides it, e.g. for a new export). */
export const modelsDir =
  process.env['TINYLLM_TEST_MODELS_DIR'] ??
  fileURLToPath(new URL('../../../../models', import.meta.url));
export const fixtureModelId = 'tiny-tool-qwen';
export const fixtureDir = path.join(modelsDir, fixtureModelId);

/** The fixture's tool definitions (`tools.json`), as core tool definitions. */
export function fixtureTools(): ToolDefinition[] {
  const file = JSON.parse(readFileSync(path.join(fixtureDir, 'tools.json'), 'utf8')) as {
    tools: Array<{ function: ToolDefinition }>;
  };
  return file.tools.map((tool) => tool.function);
}

/** A conversation as a script: user messages, and the results of the tool calls in between. */
export type ConversationScript = Array<string | { result: string }>;

/** chat-cli's conversation: a calculation, a follow-up on its result, a weather question, a thanks. */
export const chatCliConversation: ConversationScript = [
  'what is 48 plus 17?',
  { result: '{"result":65}' },
  'now double it',
  { result: '{"result":130}' },
  "what's the weather in Madrid?",
  { result: '{"city":"Madrid","condition":"sunny","temperature_c":27}' },
  'thank you!',
];

/** The fixture's reference vectors (`reference.json`). */
export function fixtureReference(): {
  tokenizer_tests: Array<{ text: string; input_ids: number[] }>;
  chat_template_tests: Array<{
    messages: Array<Record<string, unknown>>;
    tools: string | null;
    text: string;
    input_ids: number[];
  }>;
  logits_test: {
    prompt_index: number;
    last_position_logits_first8: number[];
    greedy_next_token_id: number;
  };
  greedy_generation_test: { prompt_index: number; max_new_tokens: number; new_token_ids: number[] };
} {
  return JSON.parse(readFileSync(path.join(fixtureDir, 'reference.json'), 'utf8'));
}

/**
 * A models folder where each alias is a symlink to the fixture: several distinct "models" for
 * eviction tests without copying files.
 */
export function aliasModelsDir(aliases: readonly string[]): string {
  const directory = temporaryDirectory('tinyllm-models-');
  for (const alias of aliases) symlinkSync(fixtureDir, path.join(directory, alias), 'dir');
  return directory;
}

const temporaryDirectories: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemporaryDirectories}. */
export function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  temporaryDirectories.push(directory);
  return directory;
}

/** Removes the directories made by {@link temporaryDirectory} (call it in `afterAll`). */
export function removeTemporaryDirectories(): void {
  for (const directory of temporaryDirectories.splice(0))
    rmSync(directory, { recursive: true, force: true });
}

/** What {@link observeRuntime} records about the generations of one loaded model. */
export interface RuntimeObservations {
  /** Rendered prompts, in order. */
  prompts: string[];
  /** Generated tokens per generation (the streamer's puts after the prompt). */
  generations: Array<{ tokens: number; tokensAfter(time: number): number; endedAt?: number }>;
  /** Resolves with `performance.now()` when the next generation ends. */
  nextGenerationEnd(): Promise<number>;
  /** Makes the next generation stream these token ids, then fail (a crash mid-generation). */
  crashNextGeneration(ids: number[]): void;
}

/**
 * Wraps a loaded runtime's `generate` and `apply_chat_template` to observe prompts, token
 * timing and generation end; can also script a crash. Idempotent per runtime.
 */
export function observeRuntime(runtime: TransformersRuntime): RuntimeObservations {
  const marked = runtime as TransformersRuntime & { observations?: RuntimeObservations };
  if (marked.observations) return marked.observations;
  const prompts: string[] = [];
  const generations: RuntimeObservations['generations'] = [];
  let endWaiters: Array<(time: number) => void> = [];
  let crash: number[] | undefined;
  const { tokenizer, model } = runtime;
  const render = tokenizer.apply_chat_template.bind(tokenizer);
  tokenizer.apply_chat_template = (messages, options) => {
    const rendered = render(messages, options);
    if (typeof rendered === 'string') prompts.push(rendered);
    return rendered;
  };
  const generate = model.generate.bind(model);
  model.generate = async (options) => {
    const times: number[] = [];
    const record: RuntimeObservations['generations'][number] = {
      tokens: 0,
      tokensAfter: (time) => times.filter((at) => at > time).length,
    };
    generations.push(record);
    const streamer = options['streamer'] as { put(ids: bigint[][]): void; end(): void };
    let sawPrompt = false;
    const counting = {
      put(ids: bigint[][]) {
        if (sawPrompt) {
          record.tokens++;
          times.push(performance.now());
        }
        sawPrompt = true;
        streamer.put(ids);
      },
      end: () => streamer.end(),
    };
    const settle = () => {
      record.endedAt = performance.now();
      const waiters = endWaiters;
      endWaiters = [];
      for (const waiter of waiters) waiter(record.endedAt);
    };
    try {
      if (crash) {
        const ids = crash;
        crash = undefined;
        counting.put([[0n]]);
        for (const id of ids) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          counting.put([[BigInt(id)]]);
        }
        throw new Error('onnxruntime: simulated crash');
      }
      return await generate({ ...options, streamer: counting });
    } finally {
      settle();
    }
  };
  const observations: RuntimeObservations = {
    prompts,
    generations,
    nextGenerationEnd: () => new Promise((resolve) => endWaiters.push(resolve)),
    crashNextGeneration: (ids) => {
      crash = ids;
    },
  };
  marked.observations = observations;
  return observations;
}
