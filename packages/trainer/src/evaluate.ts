import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { AnyTool, ChatModel } from '@tinyllm/core';
import {
  type ConversationCase,
  type ConversationMetrics,
  type ToolUseCase,
  type ToolUseMetrics,
  evaluateConversations,
  evaluateToolUse,
  parseConversationCases,
  parseToolUseCases,
} from '@tinyllm/core/eval';
import { TrainerError } from './errors';

/** How a trained (or base) model folder is evaluated. */
export interface EvaluationOptions {
  /** Single-turn cases: an eval JSONL file (the @tinyllm/core/eval case format) or the cases. */
  cases?: string | readonly ToolUseCase[];
  /**
   * Conversations whose every assistant turn is scored, with the model's own replies fed back
   * (`evaluateConversations`): a JSONL file of conversation cases or the cases. A model that
   * answers one message well may still lose the thread on the second; this is what shows it.
   */
  conversations?: string | readonly ConversationCase[];
  /** The tools the cases call, with implementations. */
  tools: readonly AnyTool[];
  /** Only the first `limit` single-turn cases. */
  limit?: number;
  /** Only the first `conversationLimit` conversations. */
  conversationLimit?: number;
  maxOutputTokens?: number;
  /**
   * Opens a model folder. Default: the transformers provider (`@tinyllm/providers/transformers`,
   * an optional peer dependency).
   */
  createModel?: (modelDir: string) => Promise<{ model: ChatModel; dispose(): Promise<void> }>;
}

/** What {@link evaluateModel} measured: single-turn, multi-turn, or both. */
export interface ModelEvaluation {
  singleTurn?: ToolUseMetrics;
  multiTurn?: ConversationMetrics;
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

async function load<T>(
  source: string | readonly T[],
  parse: (text: string) => T[],
  limit: number | undefined,
): Promise<T[]> {
  const all = typeof source === 'string' ? parse(await readFile(source, 'utf8')) : [...source];
  return limit === undefined ? all : all.slice(0, limit);
}

/**
 * Evaluates a model folder on single-turn cases (`evaluateToolUse`) and on conversations
 * (`evaluateConversations`), whichever `options` gives, loading the model once.
 */
export async function evaluateModel(
  modelDir: string,
  options: EvaluationOptions,
): Promise<ModelEvaluation> {
  if (options.cases === undefined && options.conversations === undefined) {
    throw new TrainerError({
      code: 'INVALID_OPTIONS',
      path: 'evaluation.cases',
      message: 'An evaluation needs cases (single-turn), conversations (multi-turn), or both.',
    });
  }
  const cases =
    options.cases === undefined
      ? undefined
      : await load(options.cases, parseToolUseCases, options.limit);
  const conversations =
    options.conversations === undefined
      ? undefined
      : await load(options.conversations, parseConversationCases, options.conversationLimit);
  const { model, dispose } = await (options.createModel ?? transformersModel)(modelDir);
  const settings = { tools: options.tools, maxOutputTokens: options.maxOutputTokens ?? 64 };
  try {
    const result: ModelEvaluation = {};
    if (cases) result.singleTurn = (await evaluateToolUse(model, cases, settings)).metrics;
    if (conversations) {
      result.multiTurn = (await evaluateConversations(model, conversations, settings)).metrics;
    }
    return result;
  } finally {
    await dispose();
  }
}

/** Runs `evaluateToolUse` on a model folder and returns its metrics. */
export async function evaluateModelFolder(
  modelDir: string,
  options: EvaluationOptions & { cases: string | readonly ToolUseCase[] },
): Promise<ToolUseMetrics> {
  const { singleTurn } = await evaluateModel(modelDir, { ...options, conversations: undefined });
  return singleTurn!;
}

/**
 * The metrics a registry record stores (`provenance.evaluation`, numbers by name): the
 * single-turn ones by their names (`tool_accuracy`), the multi-turn ones prefixed `multiturn_`
 * (`multiturn_turn_accuracy`), with each kind of turn's accuracy
 * (`multiturn_follow-up_turn_accuracy`).
 */
export function evaluationRecord(evaluation: ModelEvaluation): Record<string, number> {
  const record: Record<string, number> = {};
  const add = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) record[key] = value;
  };
  for (const [key, value] of Object.entries(evaluation.singleTurn ?? {})) add(key, value);
  const multi = evaluation.multiTurn;
  if (multi) {
    for (const [key, value] of Object.entries(multi)) add(`multiturn_${key}`, value);
    for (const [kind, metrics] of Object.entries(multi.by_kind))
      add(`multiturn_${kind}_turn_accuracy`, metrics.turn_accuracy);
  }
  return record;
}
