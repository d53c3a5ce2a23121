import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { AnyTool, ChatModel } from '@tinyllm/core';
import {
  type ToolUseCase,
  type ToolUseMetrics,
  evaluateToolUse,
  parseToolUseCases,
} from '@tinyllm/core/eval';
import { TrainerError } from './errors';

/** How a trained (or base) model folder is evaluated. */
export interface EvaluationOptions {
  /** An eval JSONL file (the @tinyllm/core/eval case format) or the cases. */
  cases: string | readonly ToolUseCase[];
  /** The tools the cases call, with implementations. */
  tools: readonly AnyTool[];
  /** Only the first `limit` cases. */
  limit?: number;
  maxOutputTokens?: number;
  /**
   * Opens a model folder. Default: the transformers provider (`@tinyllm/providers/transformers`,
   * an optional peer dependency).
   */
  createModel?: (modelDir: string) => Promise<{ model: ChatModel; dispose(): Promise<void> }>;
}

async function transformersModel(modelDir: string) {
  let module: typeof import('@tinyllm/providers/transformers');
  try {
    module = await import('@tinyllm/providers/transformers');
  } catch (error) {
    throw new TrainerError({
      code: 'INVALID_OPTIONS',
      path: 'evaluation.createModel',
      message:
        'Evaluating a model folder needs @tinyllm/providers and @huggingface/transformers installed, or an evaluation.createModel.',
      cause: error,
    });
  }
  const provider = module.createTransformers({ modelsDir: dirname(modelDir) });
  return { model: provider(basename(modelDir)) as ChatModel, dispose: () => provider.dispose() };
}

/** Runs `evaluateToolUse` on a model folder and returns its metrics. */
export async function evaluateModelFolder(
  modelDir: string,
  options: EvaluationOptions,
): Promise<ToolUseMetrics> {
  let cases =
    typeof options.cases === 'string'
      ? parseToolUseCases(await readFile(options.cases, 'utf8'))
      : [...options.cases];
  if (options.limit !== undefined) cases = cases.slice(0, options.limit);
  const { model, dispose } = await (options.createModel ?? transformersModel)(modelDir);
  try {
    const { metrics } = await evaluateToolUse(model, cases, {
      tools: options.tools,
      maxOutputTokens: options.maxOutputTokens ?? 64,
    });
    return metrics;
  } finally {
    await dispose();
  }
}
