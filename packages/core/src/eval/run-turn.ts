/**
 * One user turn through the real tool loop, shared by the single-turn and the conversation
 * evaluations so both run, time and count a turn the same way.
 */
import { TinyLLMError } from '../errors';
import type { Message } from '../messages';
import type { ChatModel } from '../model';
import { runTools, type ToolLoopResult } from '../tool-loop';
import type { AnyTool } from '../tools';

/** What a turn runs with (the evaluations' own options carry these fields). */
export interface TurnRunOptions {
  tools: readonly AnyTool[];
  /** Max model calls per turn (default 3: call, answer, and one spare). */
  maxSteps?: number;
  /** Max output tokens per model call (default 128). */
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

/** How one turn ran. */
export interface TurnRun {
  /** undefined when the turn failed. */
  loop: ToolLoopResult | undefined;
  /** Why the turn failed; an abort is thrown instead, since it ends the whole evaluation. */
  failure: TinyLLMError | undefined;
  latencyMs: number;
  /** Output tokens and generation time summed over the turn's model calls. */
  generatedTokens: number;
  generationMs: number;
}

/** Runs `messages` through the tool loop, greedy; any failure but an abort is recorded, not thrown. */
export async function runTurn(
  model: ChatModel,
  messages: Message[],
  options: TurnRunOptions,
): Promise<TurnRun> {
  const startedAt = performance.now();
  let loop: ToolLoopResult | undefined;
  let failure: TinyLLMError | undefined;
  try {
    loop = await runTools(
      model,
      { messages, maxOutputTokens: options.maxOutputTokens ?? 128, temperature: 0 },
      {
        tools: options.tools,
        maxSteps: options.maxSteps ?? 3,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    if (TinyLLMError.hasCode(error, 'ABORTED')) throw error;
    failure = TinyLLMError.isInstance(error)
      ? error
      : new TinyLLMError({ code: 'GENERATION_FAILED', message: String(error), cause: error });
  }
  const latencyMs = performance.now() - startedAt;
  let generatedTokens = 0;
  let generationMs = 0;
  for (const step of loop?.steps ?? []) {
    generatedTokens += step.response.usage.outputTokens;
    generationMs += step.response.timings.totalMs;
  }
  return { loop, failure, latencyMs, generatedTokens, generationMs };
}
