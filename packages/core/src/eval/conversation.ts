/**
 * `evaluateConversations()`: scores a tool-use model turn by turn on whole conversations. Each
 * user message runs through the real tool loop with the model's own earlier replies in the
 * history, as in a real chat: a turn that only makes sense with the history ("and in Berlin?",
 * "double that") sees what the model actually said before.
 *
 * A case's expectations follow its reference conversation. Once a turn goes wrong, a later
 * follow-up can be handled right on the model's own (wrong) history and still miss the reference
 * ("/ 9" after a wrong 746 is `746 / 9`, not `-422 / 9`): one mistake then fails every turn
 * that builds on it. So the metrics come twice: over every turn, and over the turns whose
 * history was all right (`*_on_correct_history`), which tell a turn's own mistakes from the
 * ones it inherited.
 */
import { z } from 'zod';
import type { Message } from '../messages';
import type { ChatModel } from '../model';
import type { AnyTool } from '../tools';
import { toolUseCaseSchema } from './evaluate';
import { formatRows, parseJsonlCases } from './jsonl';
import { runTurn } from './run-turn';
import { percentile, scoreTurn, type TurnScore, turnCorrect } from './score';

/** One user turn of a conversation case and what the model should do with it. */
export const conversationTurnSchema = z.object({
  user: z.string(),
  /** What kind of turn this is, for the per-kind breakdown (e.g. `follow-up`, `tool-switch`, `social`). */
  kind: z.string().default('turn'),
  expected: toolUseCaseSchema.shape.expected,
  novelPhrasing: z.boolean().optional(),
});

/** One conversation (one line of an eval JSONL file such as `eval/heldout-multiturn.jsonl`). */
export const conversationCaseSchema = z.object({
  id: z.string(),
  /** A system prompt before the first turn. */
  system: z.string().optional(),
  /**
   * How earlier turns stay in the history: `full` keeps every message the tool loop wrote (tool
   * calls, tool results, answers), as chat-cli does; `text` keeps only the answer text, as a chat
   * page that shows only the answers does.
   */
  history: z.enum(['full', 'text']).default('full'),
  turns: z.array(conversationTurnSchema).min(1),
});
export type ConversationCase = z.input<typeof conversationCaseSchema>;

/** The outcome of one turn of one conversation. */
export interface ConversationTurnResult extends TurnScore {
  conversationId: string;
  /** 0-based position of the turn in its conversation. */
  turn: number;
  kind: string;
  expectedTool: string | null;
  /** Tool (or no tool), arguments and answer all right. */
  correct: boolean;
  /** Every earlier turn of the conversation was correct: the history matches the reference. */
  historyCorrect: boolean;
  latencyMs: number;
  outputTokens: number;
  error?: { code: string; message: string };
}

/** Per-turn accuracy of one kind of turn. */
export interface TurnKindMetrics {
  turns: number;
  turn_accuracy: number;
  /** Turns of this kind whose earlier turns were all correct. */
  turns_on_correct_history: number;
  /** Their turn accuracy (1 when there are none). */
  turn_accuracy_on_correct_history: number;
}

/** Metrics of a conversation evaluation, in the snake_case shape of {@link ToolUseMetrics}. */
export interface ConversationMetrics {
  /** Turns whose tool (or no tool), arguments and answer were all right. */
  turn_accuracy: number;
  /**
   * Turns whose earlier turns were all correct (the first turn of every conversation among
   * them): the history they saw is the reference one.
   */
  turns_on_correct_history: number;
  /** {@link turn_accuracy} over those turns: mistakes a turn made, not ones it inherited. */
  turn_accuracy_on_correct_history: number;
  /** Turns where the model called the expected tool, or none when none applies. */
  tool_accuracy: number;
  /** Turns expecting a tool whose first call had that tool and matching arguments. */
  argument_accuracy: number;
  /** Turns with an answer to check whose answer was right. */
  answer_accuracy: number;
  /** Conversations with every turn right. */
  conversation_accuracy: number;
  by_kind: Record<string, TurnKindMetrics>;
  latency_p50_ms: number;
  latency_p95_ms: number;
  tokens_per_second: number;
  conversations: number;
  turns: number;
  errors: number;
}

/** Options of {@link evaluateConversations}. */
export interface EvaluateConversationsOptions {
  /** Tools with implementations: the loop runs them for real. */
  tools: readonly AnyTool[];
  /** Max model calls per turn (default 3: call, answer, and one spare). */
  maxSteps?: number;
  /** Max output tokens per model call (default 128). */
  maxOutputTokens?: number;
  signal?: AbortSignal;
  /** Called after each turn, e.g. for a progress line. */
  onTurn?: (result: ConversationTurnResult) => void;
}

/**
 * Runs every conversation turn by turn through the tool loop, feeding the model's own replies
 * back, and scores every turn.
 *
 * @example
 * ```ts
 * const cases = parseConversationCases(readFileSync('eval/heldout-multiturn.jsonl', 'utf8'));
 * const { metrics } = await evaluateConversations(model, cases, { tools: tinyTools });
 * console.log(metrics.turn_accuracy, metrics.by_kind['follow-up']);
 * ```
 */
export async function evaluateConversations(
  model: ChatModel,
  cases: readonly ConversationCase[],
  options: EvaluateConversationsOptions,
): Promise<{ metrics: ConversationMetrics; results: ConversationTurnResult[] }> {
  const results: ConversationTurnResult[] = [];
  let generationMs = 0;
  let generatedTokens = 0;
  let conversationsRight = 0;
  for (const entry of cases) {
    const conversation = conversationCaseSchema.parse(entry);
    const history: Message[] = conversation.system
      ? [{ role: 'system', content: conversation.system }]
      : [];
    let allRight = true;
    for (const [index, turn] of conversation.turns.entries()) {
      const messages: Message[] = [...history, { role: 'user', content: turn.user }];
      const { loop, failure, latencyMs, ...counts } = await runTurn(model, messages, options);
      generatedTokens += counts.generatedTokens;
      generationMs += counts.generationMs;
      const score = scoreTurn(turn.expected, loop);
      const correct = failure === undefined && turnCorrect(turn.expected, score);
      const historyCorrect = allRight;
      allRight &&= correct;
      const result: ConversationTurnResult = {
        conversationId: conversation.id,
        turn: index,
        kind: turn.kind,
        expectedTool: turn.expected.tool,
        ...score,
        correct,
        historyCorrect,
        latencyMs,
        outputTokens: loop?.usage.outputTokens ?? 0,
        ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      };
      results.push(result);
      options.onTurn?.(result);
      // The next turn sees what the model really said, right or wrong.
      if (conversation.history === 'full' && loop)
        history.splice(0, history.length, ...loop.messages);
      else history.push(messages.at(-1)!, { role: 'assistant', content: loop?.text ?? '' });
    }
    if (allRight) conversationsRight++;
  }
  return {
    metrics: conversationMetrics(
      results,
      cases.length,
      conversationsRight,
      generatedTokens,
      generationMs,
    ),
    results,
  };
}

function conversationMetrics(
  results: ConversationTurnResult[],
  conversations: number,
  conversationsRight: number,
  generatedTokens: number,
  generationMs: number,
): ConversationMetrics {
  const rate = (
    items: ConversationTurnResult[],
    ok: (result: ConversationTurnResult) => boolean,
  ): number => (items.length === 0 ? 1 : items.filter(ok).length / items.length);
  const correct = (result: ConversationTurnResult): boolean => result.correct;
  const onCorrectHistory = (items: ConversationTurnResult[]): ConversationTurnResult[] =>
    items.filter((result) => result.historyCorrect);
  const byKind: Record<string, TurnKindMetrics> = {};
  for (const kind of new Set(results.map((result) => result.kind))) {
    const turns = results.filter((result) => result.kind === kind);
    const clean = onCorrectHistory(turns);
    byKind[kind] = {
      turns: turns.length,
      turn_accuracy: rate(turns, correct),
      turns_on_correct_history: clean.length,
      turn_accuracy_on_correct_history: rate(clean, correct),
    };
  }
  const clean = onCorrectHistory(results);
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  return {
    turn_accuracy: rate(results, correct),
    turns_on_correct_history: clean.length,
    turn_accuracy_on_correct_history: rate(clean, correct),
    tool_accuracy: rate(results, (result) => result.toolCorrect),
    argument_accuracy: rate(
      results.filter((result) => result.expectedTool !== null),
      (result) => result.argumentsCorrect,
    ),
    answer_accuracy: rate(
      results.filter((result) => result.answerCorrect !== undefined),
      (result) => result.answerCorrect === true,
    ),
    conversation_accuracy: conversations === 0 ? 1 : conversationsRight / conversations,
    by_kind: byKind,
    latency_p50_ms: percentile(latencies, 0.5),
    latency_p95_ms: percentile(latencies, 0.95),
    tokens_per_second: generationMs > 0 ? (generatedTokens * 1000) / generationMs : 0,
    conversations,
    turns: results.length,
    errors: results.filter((result) => result.error !== undefined).length,
  };
}

/** Parses conversation cases from JSONL text, with a typed error naming the line. */
export function parseConversationCases(jsonl: string): ConversationCase[] {
  return parseJsonlCases(jsonl, conversationCaseSchema, 'Conversation case');
}

/** Formats conversation metrics as a plain-text table, one row per kind of turn at the end. */
export function formatConversationMetrics(metrics: ConversationMetrics): string {
  const rows: Array<[string, string]> = [
    ['turn_accuracy', metrics.turn_accuracy.toFixed(3)],
    [
      'turn_accuracy_on_correct_history',
      `${metrics.turn_accuracy_on_correct_history.toFixed(3)} (${metrics.turns_on_correct_history} turns)`,
    ],
    ['tool_accuracy', metrics.tool_accuracy.toFixed(3)],
    ['argument_accuracy', metrics.argument_accuracy.toFixed(3)],
    ['answer_accuracy', metrics.answer_accuracy.toFixed(3)],
    ['conversation_accuracy', metrics.conversation_accuracy.toFixed(3)],
    ['latency_p50_ms', metrics.latency_p50_ms.toFixed(1)],
    ['latency_p95_ms', metrics.latency_p95_ms.toFixed(1)],
    ['tokens_per_second', metrics.tokens_per_second.toFixed(1)],
    ['conversations', String(metrics.conversations)],
    ['turns', String(metrics.turns)],
    ['errors', String(metrics.errors)],
    ...Object.entries(metrics.by_kind).map(([kind, entry]): [string, string] => [
      `  ${kind}`,
      `${entry.turn_accuracy.toFixed(3)} (${entry.turns} turns), on a correct history ${entry.turn_accuracy_on_correct_history.toFixed(3)} (${entry.turns_on_correct_history})`,
    ]),
  ];
  return formatRows(rows);
}
