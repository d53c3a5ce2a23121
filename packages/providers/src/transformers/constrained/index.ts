/**
 * Constrained decoding for the transformers provider. The provider calls
 * {@link planRequestConstraint} before it leases the model (so a bad schema fails fast) and
 * {@link createRequestProcessor} once the tokenizer is at hand.
 */
import type { ChatRequest, ToolDefinition } from '@tinyllm/core';
import {
  type ConstraintPlan,
  type ConstraintProcessorOptions,
  type ConstraintSwitches,
  type LogitsProcessorFunction,
  automatonFor,
  budgetError,
  createConstraintProcessor,
  minimumOutputTokens,
  planConstraint,
} from './constrained-decoding';
import type { VocabularyTokenizer } from './vocabulary';

export type { ConstraintPlan, ConstraintSwitches, LogitsProcessorFunction };
export { enforcedKeywords } from './schema-compile';

/** The tools a request shows the model, as `toTemplateTools` narrows them by `toolChoice`. */
function visibleTools(request: ChatRequest): ToolDefinition[] {
  const { tools, toolChoice } = request;
  if (!tools || toolChoice === 'none') return [];
  return typeof toolChoice === 'object'
    ? tools.filter((tool) => tool.name === toolChoice.name)
    : [...tools];
}

/** The constraint a request needs (undefined: none). Throws INVALID_REQUEST for a bad schema. */
export function planRequestConstraint(
  request: ChatRequest,
  switches: ConstraintSwitches,
): ConstraintPlan | undefined {
  return planConstraint(request, visibleTools(request), switches);
}

/**
 * The logits processor for a planned constraint. Throws INVALID_REQUEST when the output budget
 * cannot hold the shortest valid output.
 */
export function createRequestProcessor(
  plan: ConstraintPlan,
  init: {
    tokenizer: VocabularyTokenizer & object;
    promptLength: number;
    maxNewTokens: number;
    eosTokenIds: ReadonlySet<number>;
    context: { provider: string; modelId: string };
    /** Decoding takes the most likely token: see {@link ConstraintProcessorOptions.greedy}. */
    greedy?: boolean;
  },
): LogitsProcessorFunction {
  const automaton = automatonFor(plan, init.tokenizer);
  // The greedy closing path settles most budgets; the exact count is for the ones it does not.
  if (plan.mode !== 'watch-tool-calls') {
    const initial = plan.machine.initial();
    if (automaton.greedyClosingTokens(initial) + 1 > init.maxNewTokens) {
      const needed = minimumOutputTokens(plan, automaton)!;
      if (needed > init.maxNewTokens)
        throw budgetError(plan, init.maxNewTokens, needed, init.context);
    }
  }
  return createConstraintProcessor({
    mode: plan.mode,
    automaton,
    promptLength: init.promptLength,
    maxNewTokens: init.maxNewTokens,
    eosTokenIds: init.eosTokenIds,
    greedy: init.greedy ?? false,
  });
}
