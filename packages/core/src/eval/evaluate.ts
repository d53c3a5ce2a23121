/**
 * `evaluateToolUse()`: scores a tool-use model on a set of cases by running the real tool
 * loop: does it pick the right tool, fill the arguments, answer with the result, and stay
 * quiet (no tool) when no tool applies? Works with any {@link ChatModel}.
 */
import { z } from 'zod';
import { messageSchema } from '../schemas/messages';
import type { ChatModel } from '../model';
import type { AnyTool } from '../tools';
import { formatRows, parseJsonlCases } from './jsonl';
import { runTurn } from './run-turn';
import { percentile, scoreTurn } from './score';

/** How an expected argument is compared with the model's. */
export const argumentMatchSchema = z.enum(['exact', 'case-insensitive', 'numeric', 'numeric-eval']);
export type ArgumentMatch = z.infer<typeof argumentMatchSchema>;

/** One evaluation case (one line of an eval JSONL file). */
export const toolUseCaseSchema = z.object({
  id: z.string(),
  messages: z.array(messageSchema).min(1),
  expected: z.object({
    /** The tool the model should call first, or null when no tool applies. */
    tool: z.string().nullable(),
    arguments: z.record(z.string(), z.unknown()).nullish(),
    /** Per-argument comparison; default `exact` (numbers compared with a 1e-6 tolerance). */
    match: z.record(z.string(), argumentMatchSchema).nullish(),
    /** Substrings the final answer must contain (case-insensitive). */
    answerIncludes: z.array(z.string()).optional(),
  }),
});
export type ToolUseCase = z.infer<typeof toolUseCaseSchema>;

/** Metrics, in the snake_case shape the registry stores as evaluation metrics. */
export interface ToolUseMetrics {
  /** Cases expecting a tool whose first call named that tool. */
  tool_accuracy: number;
  /** Cases expecting a tool whose first call had that tool and matching arguments. */
  argument_accuracy: number;
  /** Cases with `answerIncludes` whose final answer contained every expected substring. */
  answer_accuracy: number;
  /** Cases expecting no tool where the model called none and answered. */
  no_tool_accuracy: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  /** Output tokens per second of generation, over all model calls. */
  tokens_per_second: number;
  cases: number;
  errors: number;
}

/** The outcome of one case. */
export interface ToolUseCaseResult {
  id: string;
  expectedTool: string | null;
  calledTool: string | null;
  calledArguments?: Record<string, unknown>;
  toolCorrect: boolean;
  argumentsCorrect: boolean;
  answerCorrect: boolean | undefined;
  answer: string;
  latencyMs: number;
  outputTokens: number;
  error?: { code: string; message: string };
}

/** Options of {@link evaluateToolUse}. */
export interface EvaluateToolUseOptions {
  /** Tools with implementations: the loop runs them for real. */
  tools: readonly AnyTool[];
  /** Max model calls per case (default 3: call, answer, and one spare). */
  maxSteps?: number;
  /** Max output tokens per model call (default 128). */
  maxOutputTokens?: number;
  /** Messages prepended to every case (e.g. a system prompt). */
  systemPrompt?: string;
  signal?: AbortSignal;
  /** Called after each case, e.g. for a progress line. */
  onCase?: (result: ToolUseCaseResult, index: number, total: number) => void;
}

/**
 * Runs every case through the tool loop and scores it.
 *
 * @example
 * ```ts
 * const { metrics } = await evaluateToolUse(model, cases, { tools: [calculator, getWeather] });
 * console.log(metrics.tool_accuracy);
 * ```
 */
export async function evaluateToolUse(
  model: ChatModel,
  cases: readonly ToolUseCase[],
  options: EvaluateToolUseOptions,
): Promise<{ metrics: ToolUseMetrics; results: ToolUseCaseResult[] }> {
  const results: ToolUseCaseResult[] = [];
  let generationMs = 0;
  let generatedTokens = 0;
  for (const [index, entry] of cases.entries()) {
    const testCase = toolUseCaseSchema.parse(entry);
    const messages = options.systemPrompt
      ? [{ role: 'system' as const, content: options.systemPrompt }, ...testCase.messages]
      : testCase.messages;
    const { loop, failure, latencyMs, ...counts } = await runTurn(model, messages, options);
    generatedTokens += counts.generatedTokens;
    generationMs += counts.generationMs;
    const score = scoreTurn(testCase.expected, loop);
    const result: ToolUseCaseResult = {
      id: testCase.id,
      expectedTool: testCase.expected.tool,
      ...score,
      latencyMs,
      outputTokens: loop?.usage.outputTokens ?? 0,
      ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
    };
    results.push(result);
    options.onCase?.(result, index, cases.length);
  }

  const withTool = results.filter((result) => result.expectedTool !== null);
  const withoutTool = results.filter((result) => result.expectedTool === null);
  const answered = results.filter((result) => result.answerCorrect !== undefined);
  const rate = (items: ToolUseCaseResult[], ok: (result: ToolUseCaseResult) => boolean): number =>
    items.length === 0 ? 1 : items.filter(ok).length / items.length;
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  return {
    metrics: {
      tool_accuracy: rate(withTool, (result) => result.toolCorrect),
      argument_accuracy: rate(withTool, (result) => result.argumentsCorrect),
      answer_accuracy: rate(answered, (result) => result.answerCorrect === true),
      no_tool_accuracy: rate(
        withoutTool,
        (result) => result.toolCorrect && result.answer.length > 0,
      ),
      latency_p50_ms: percentile(latencies, 0.5),
      latency_p95_ms: percentile(latencies, 0.95),
      tokens_per_second: generationMs > 0 ? (generatedTokens * 1000) / generationMs : 0,
      cases: results.length,
      errors: results.filter((result) => result.error !== undefined).length,
    },
    results,
  };
}

/** Parses eval cases from JSONL text, with a typed error naming the line. */
export function parseToolUseCases(jsonl: string): ToolUseCase[] {
  return parseJsonlCases(jsonl, toolUseCaseSchema, 'Eval case');
}

/** Formats metrics as a plain-text table. */
export function formatToolUseMetrics(metrics: ToolUseMetrics): string {
  const rows: Array<[string, string]> = [
    ['tool_accuracy', metrics.tool_accuracy.toFixed(3)],
    ['argument_accuracy', metrics.argument_accuracy.toFixed(3)],
    ['answer_accuracy', metrics.answer_accuracy.toFixed(3)],
    ['no_tool_accuracy', metrics.no_tool_accuracy.toFixed(3)],
    ['latency_p50_ms', metrics.latency_p50_ms.toFixed(1)],
    ['latency_p95_ms', metrics.latency_p95_ms.toFixed(1)],
    ['tokens_per_second', metrics.tokens_per_second.toFixed(1)],
    ['cases', String(metrics.cases)],
    ['errors', String(metrics.errors)],
  ];
  return formatRows(rows);
}
