/**
 * Scoring of one user turn against its expectation, shared by the single-turn and the
 * conversation evaluations so both count a turn the same way.
 */
import type { ToolLoopResult } from '../tool-loop';
import { evaluateArithmetic } from './arithmetic';
import type { ArgumentMatch, ToolUseCase } from './evaluate';

/** What a turn should do: the `expected` block of an eval case. */
export type TurnExpectation = ToolUseCase['expected'];

/** How one turn went. */
export interface TurnScore {
  calledTool: string | null;
  calledArguments?: Record<string, unknown>;
  toolCorrect: boolean;
  argumentsCorrect: boolean;
  /** undefined when the case checks no answer (a tool case without `answerIncludes`). */
  answerCorrect: boolean | undefined;
  answer: string;
}

export function argumentMatches(expected: unknown, actual: unknown, match: ArgumentMatch): boolean {
  switch (match) {
    case 'case-insensitive':
      return (
        typeof expected === 'string' &&
        typeof actual === 'string' &&
        expected.trim().toLowerCase() === actual.trim().toLowerCase()
      );
    case 'numeric': {
      const a = Number(expected);
      const b = Number(actual);
      return (
        Number.isFinite(a) &&
        Number.isFinite(b) &&
        Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a))
      );
    }
    case 'numeric-eval': {
      const a = typeof expected === 'number' ? expected : evaluateArithmetic(String(expected));
      const b = typeof actual === 'number' ? actual : evaluateArithmetic(String(actual));
      return (
        a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a))
      );
    }
    default:
      if (typeof expected === 'number') return argumentMatches(expected, actual, 'numeric');
      return JSON.stringify(expected) === JSON.stringify(actual);
  }
}

/** Scores the tool loop's result for one turn (undefined loop: the turn failed with an error). */
export function scoreTurn(expected: TurnExpectation, loop: ToolLoopResult | undefined): TurnScore {
  const firstCall = loop?.steps[0]?.response.toolCalls[0];
  const calledTool = firstCall?.name ?? null;
  const toolCorrect = calledTool === expected.tool;
  const argumentsCorrect =
    toolCorrect &&
    expected.tool !== null &&
    Object.entries(expected.arguments ?? {}).every(([key, value]) =>
      argumentMatches(value, firstCall?.arguments[key], expected.match?.[key] ?? 'exact'),
    );
  const answer = loop?.stoppedBy === 'answer' ? loop.text.trim() : '';
  const includes = expected.answerIncludes ?? [];
  const answerCorrect =
    includes.length === 0
      ? expected.tool === null
        ? answer.length > 0 && toolCorrect
        : undefined
      : includes.every((part) => answer.toLowerCase().includes(part.toLowerCase()));
  return {
    calledTool,
    ...(firstCall ? { calledArguments: firstCall.arguments } : {}),
    toolCorrect,
    argumentsCorrect,
    answerCorrect,
    answer,
  };
}

/** A turn is right when the tool (or no tool), its arguments and the answer all are. */
export function turnCorrect(expected: TurnExpectation, score: TurnScore): boolean {
  return (
    score.toolCorrect &&
    (expected.tool === null || score.argumentsCorrect) &&
    score.answerCorrect !== false
  );
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}
