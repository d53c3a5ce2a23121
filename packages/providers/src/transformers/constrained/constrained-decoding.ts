/**
 * Constrained decoding for the transformers provider: which grammar a request needs
 * (`responseFormat` JSON, a forced tool call, or any tool call the model starts), and the
 * logits processor that masks every token that would leave it.
 */
import { type ChatRequest, TinyLLMError, type ToolDefinition } from '@tinyllm/core';
import { JsonMachine, type Stack } from './json-machine';
import { type CompiledSchema, compileSchema, compileToolCalls } from './schema-compile';
import { TokenAutomaton, type TokenMask } from './token-automaton';
import { type VocabularyTokenizer, vocabularyFor } from './vocabulary';

/**
 * - `json`: the whole reply is one JSON value (for `responseFormat`).
 * - `tool-calls`: the reply is one or more `<tool_call>` blocks (for `toolChoice` required/named).
 * - `watch-tool-calls`: free text, but a `<tool_call>` the model opens is constrained until closed.
 */
export type ConstraintMode = 'json' | 'tool-calls' | 'watch-tool-calls';

/** What a request needs: a grammar and how it applies. */
export interface ConstraintPlan {
  mode: ConstraintMode;
  machine: JsonMachine;
  /** Cache key of the grammar (with the vocabulary, it keys the token automaton). */
  key: string;
  /** Keywords left to validation after generation. */
  unenforced: string[];
}

/** Switches of constrained decoding (the provider's model options). */
export interface ConstraintSwitches {
  /** Master switch; false turns every constraint off. Default true. */
  constrainedDecoding?: boolean;
  /** Constrain tool calls the model starts on its own (toolChoice `auto`). Default true. */
  constrainToolCalls?: boolean;
}

const toolCallOpen = '<tool_call>';
const toolCallClose = '</tool_call>';
const maxCachedSchemas = 128;
const compiled = new Map<string, CompiledSchema>();

function cachedCompile(key: string, compile: () => CompiledSchema): CompiledSchema {
  const known = compiled.get(key);
  if (known) {
    // Most recently used last, so the oldest goes first when the cache is full.
    compiled.delete(key);
    compiled.set(key, known);
    return known;
  }
  const schema = compile();
  if (compiled.size >= maxCachedSchemas) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, schema);
  return schema;
}

/**
 * The constraint a request needs, or undefined. Throws INVALID_REQUEST for a schema that cannot
 * be compiled (or, with `strict`, uses a keyword the automaton cannot enforce).
 *
 * @param visibleTools the tools the prompt shows (after `toolChoice` narrowing).
 */
export function planConstraint(
  request: Pick<ChatRequest, 'responseFormat' | 'toolChoice'>,
  visibleTools: readonly ToolDefinition[] | undefined,
  switches: ConstraintSwitches,
): ConstraintPlan | undefined {
  if (switches.constrainedDecoding === false) return undefined;
  const format = request.responseFormat;
  const tools = visibleTools ?? [];
  const forced =
    tools.length > 0 &&
    (request.toolChoice === 'required' || typeof request.toolChoice === 'object');
  if (forced) return toolPlan(tools, 'tool-calls', true);
  if (format?.type === 'json') {
    const strict = format.strict === true;
    const schema = format.schema ?? { type: 'object' };
    const key = `json:${strict}:${JSON.stringify(schema)}`;
    const grammar = cachedCompile(key, () =>
      compileSchema(schema, { strict, path: 'responseFormat.schema' }),
    );
    return {
      mode: 'json',
      machine: new JsonMachine(grammar),
      key,
      unenforced: grammar.unenforced,
    };
  }
  if (tools.length > 0 && request.toolChoice !== 'none' && switches.constrainToolCalls !== false) {
    try {
      return toolPlan(tools, 'watch-tool-calls', false);
    } catch {
      // Tool schemas the automaton cannot read: unconstrained tool calls, validated by the
      // tool loop as before (a model's own calls are not the request's fault).
      return undefined;
    }
  }
  return undefined;
}

function toolPlan(
  tools: readonly ToolDefinition[],
  mode: 'tool-calls' | 'watch-tool-calls',
  repeat: boolean,
): ConstraintPlan {
  const definitions = tools.map((tool) => ({ name: tool.name, parameters: tool.parameters }));
  const key = `tools:${JSON.stringify(definitions)}`;
  const grammar = cachedCompile(key, () => compileToolCalls(definitions, { path: 'tools' }));
  const machine = new JsonMachine(grammar, {
    prefix: toolCallOpen,
    suffix: toolCallClose,
    repeat,
  });
  return { mode, machine, key: `${mode}:${key}`, unenforced: grammar.unenforced };
}

const automata = new WeakMap<object, Map<string, TokenAutomaton>>();

/** The token automaton of a plan for a tokenizer, cached per grammar and tokenizer. */
export function automatonFor(
  plan: ConstraintPlan,
  tokenizer: VocabularyTokenizer & object,
): TokenAutomaton {
  const vocabulary = vocabularyFor(tokenizer);
  let byKey = automata.get(vocabulary);
  if (!byKey) {
    byKey = new Map();
    automata.set(vocabulary, byKey);
  }
  let automaton = byKey.get(plan.key);
  if (!automaton) {
    if (byKey.size >= maxCachedSchemas) byKey.delete(byKey.keys().next().value!);
    automaton = new TokenAutomaton(plan.machine, vocabulary);
    byKey.set(plan.key, automaton);
  }
  return automaton;
}

/** Options of {@link createConstraintProcessor}. */
export interface ConstraintProcessorOptions {
  mode: ConstraintMode;
  automaton: TokenAutomaton;
  /** Tokens of the prompt (the processor sees prompt and output ids together). */
  promptLength: number;
  /** The output-token budget: the grammar is closed within it. */
  maxNewTokens: number;
  eosTokenIds: ReadonlySet<number>;
  /**
   * Decoding takes the most likely token (no sampling, no beams). Near the end of the budget
   * the most likely token is then asked first, and when it closes in time it is all that stays
   * allowed (end-of-sequence too, where the text may end): the pick is the one the full count
   * would give, without counting every token of the mask. Default false.
   */
  greedy?: boolean;
}

/** A logits processor as transformers.js calls it (synchronously, once per step). */
export type LogitsProcessorFunction = (
  inputIds: bigint[][],
  logits: { data: unknown; dims: number[] },
) => unknown;

/**
 * The fewest output tokens a plan needs: its shortest valid text in the automaton's tokens (or,
 * without one, one byte per token, a bound from above), plus the end-of-sequence token;
 * undefined for a plan that only watches.
 */
export function minimumOutputTokens(
  plan: ConstraintPlan,
  automaton?: TokenAutomaton,
): number | undefined {
  if (plan.mode === 'watch-tool-calls') return undefined;
  const initial = plan.machine.initial();
  return (automaton ? automaton.closingTokens(initial) : plan.machine.cost(initial)) + 1;
}

/**
 * The logits processor of a plan: at each step it advances the automaton by the tokens
 * generated since the last step and sets every token outside the mask to -Infinity. When the
 * budget left is no more than what closing the text needs, only tokens that still fit stay.
 */
export function createConstraintProcessor(
  options: ConstraintProcessorOptions,
): LogitsProcessorFunction {
  const { automaton, mode, promptLength, maxNewTokens, eosTokenIds, greedy = false } = options;
  const machine = automaton.machine;
  const prefix = machine.prefix;
  const singleBytes = automaton.vocabulary.singleBytes;
  let state: Stack[] | undefined = mode === 'watch-tool-calls' ? undefined : machine.initial();
  let consumed = 0;
  // Watch mode: how many bytes of `<tool_call>` the free text ends with.
  let matched = 0;
  let saved = new Float32Array(0);
  // Reused from step to step: the tokens that fit the budget, and those that need a search.
  let fitting = new Int32Array(0);
  let unsure = new Int32Array(0);

  const feedFree = (bytes: Uint8Array): void => {
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index]!;
      if (state !== undefined) {
        state = machine.step(state, byte);
        if (state.length === 0) state = undefined;
        else if (machine.finished(state)) state = undefined;
        continue;
      }
      matched = prefix[matched] === byte ? matched + 1 : prefix[0] === byte ? 1 : 0;
      if (matched === prefix.length) {
        matched = 0;
        state = machine.initial(true);
      }
    }
  };

  const feed = (tokenId: number): void => {
    if (eosTokenIds.has(tokenId)) return;
    if (mode === 'watch-tool-calls') {
      const bytes = automaton.vocabulary.tokens[tokenId];
      if (bytes) feedFree(bytes);
      return;
    }
    if (state === undefined) return;
    state = automaton.advance(state, tokenId);
    // A token outside the grammar can only come from a processor or sampler after ours; the
    // constraint stops rather than masking everything.
    if (state.length === 0) state = undefined;
  };

  return (inputIds, logits) => {
    const ids = inputIds[0];
    if (!ids) return logits;
    const generated = ids.length - promptLength;
    while (consumed < generated) feed(Number(ids[promptLength + consumed++]));
    if (state === undefined) return logits;
    const mask = automaton.mask(state);
    const remaining = maxNewTokens - generated;
    const data = logits.data as Float32Array;
    const width = logits.dims.at(-1) ?? data.length;
    const row = data.subarray(0, width);
    let allowed = mask.allowed;
    // Room after this token: the tokens that close the text, plus end-of-sequence.
    const room = remaining - 2;
    // Byte costs bound token costs from above when every byte is a token: only when some token
    // costs more bytes than there is room are the tokens counted.
    // Greedy decoding: when the most likely token closes in time it is the pick the full count
    // would give, so it alone stays (end-of-sequence is added below where the text may end, and
    // wins only if it is more likely); otherwise the full count below decides.
    const top = greedy && mask.maxCost > room ? mostLikely(mask, row, width) : -1;
    if (
      top >= 0 &&
      ((mask.costs[top]! <= room && singleBytes) ||
        (automaton.knownToClose(mask, top, room) ?? automaton.closesWithin(state, mask, top, room)))
    ) {
      if (fitting.length < 1) fitting = new Int32Array(1);
      fitting[0] = mask.allowed[top]!;
      allowed = fitting.subarray(0, 1);
    } else if (mask.maxCost > room) {
      if (fitting.length < mask.allowed.length) {
        fitting = new Int32Array(mask.allowed.length);
        unsure = new Int32Array(mask.allowed.length);
      }
      let fitCount = 0;
      let unsureCount = 0;
      let cheapest = -1;
      let cheapestCost = Number.POSITIVE_INFINITY;
      // The most likely token known to fit (end-of-sequence, where the text may end, is one).
      let bestFit = Number.NEGATIVE_INFINITY;
      if (mask.accepts)
        for (const id of eosTokenIds) if (id < width) bestFit = Math.max(bestFit, row[id]!);
      for (let index = 0; index < mask.allowed.length; index++) {
        const bytes = mask.costs[index]!;
        const id = mask.allowed[index]!;
        if (bytes < cheapestCost) {
          cheapestCost = bytes;
          cheapest = id;
        }
        const known =
          bytes <= room && singleBytes ? true : automaton.knownToClose(mask, index, room);
        if (known === true) {
          fitting[fitCount++] = id;
          if (id < width && row[id]! > bestFit) bestFit = row[id]!;
        } else if (known === undefined && id < width) unsure[unsureCount++] = index;
      }
      // The rest need a search each, and only one more likely than every token known to fit
      // can be the pick of greedy decoding: those are searched from the most likely down, until
      // one fits. Greedy decoding picks what the full count would let it pick; sampling near the
      // end of the budget draws from the tokens known to fit and that one, all closing in time.
      const logitOf = (index: number): number => row[mask.allowed[index]!]!;
      let searchable = 0;
      for (let slot = 0; slot < unsureCount; slot++)
        if (logitOf(unsure[slot]!) > bestFit) unsure[searchable++] = unsure[slot]!;
      const order = unsure.subarray(0, searchable).sort((a, b) => logitOf(b) - logitOf(a));
      for (const index of order) {
        if (automaton.closesWithin(state, mask, index, room)) {
          fitting[fitCount++] = mask.allowed[index]!;
          break;
        }
      }
      // Nothing closes in time (a tool call the model opened too near the end of its budget):
      // the token nearest the end.
      if (fitCount === 0 && !mask.accepts && cheapest >= 0) fitting[fitCount++] = cheapest;
      allowed = fitting.subarray(0, fitCount);
    }
    // A mask that keeps most of the row (string content): setting the few tokens outside it to
    // -Infinity writes far less than clearing the row and writing the kept ones back.
    if (allowed === mask.allowed && allowed.length * 2 > width) {
      const banned = bannedOf(mask, width, eosTokenIds);
      let open = false;
      for (let index = 0; index < allowed.length && !open; index++) {
        const id = allowed[index]!;
        open = id < width && row[id]! > Number.NEGATIVE_INFINITY;
      }
      if (open) {
        for (let index = 0; index < banned.length; index++)
          row[banned[index]!] = Number.NEGATIVE_INFINITY;
        return logits;
      }
    }
    const total = allowed.length + (mask.accepts ? eosTokenIds.size : 0);
    if (saved.length < total) saved = new Float32Array(Math.max(total, saved.length * 2));
    let count = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < allowed.length; index++) {
      const id = allowed[index]!;
      if (id >= width) continue;
      const value = row[id]!;
      saved[count++] = value;
      if (value > best) best = value;
    }
    const eos: number[] = [];
    if (mask.accepts)
      for (const id of eosTokenIds)
        if (id < width) {
          eos.push(id);
          saved[count++] = row[id]!;
          if (row[id]! > best) best = row[id]!;
        }
    row.fill(Number.NEGATIVE_INFINITY);
    // Every allowed token already at -Infinity (an earlier processor banned them all): keep
    // them possible, evenly, rather than let the sampler pick a token outside the grammar.
    const reset = best === Number.NEGATIVE_INFINITY;
    count = 0;
    for (let index = 0; index < allowed.length; index++) {
      const id = allowed[index]!;
      if (id >= width) continue;
      row[id] = reset ? 0 : saved[count]!;
      count++;
    }
    for (const id of eos) {
      row[id] = reset ? 0 : saved[count]!;
      count++;
    }
    return logits;
  };
}

/** Index in the mask of its most likely token (-1: none below the row's width). */
function mostLikely(mask: TokenMask, row: Float32Array, width: number): number {
  let best = -1;
  let bestLogit = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < mask.allowed.length; index++) {
    const id = mask.allowed[index]!;
    if (id < width && (best < 0 || row[id]! > bestLogit)) {
      best = index;
      bestLogit = row[id]!;
    }
  }
  return best;
}

const bannedByMask = new WeakMap<TokenMask, { width: number; ids: Int32Array }>();

/** The ids of a row outside a mask (end-of-sequence too, unless the text may end), per mask. */
function bannedOf(mask: TokenMask, width: number, eosTokenIds: ReadonlySet<number>): Int32Array {
  const known = bannedByMask.get(mask);
  if (known && known.width === width) return known.ids;
  const kept = new Uint8Array(width);
  for (const id of mask.allowed) if (id < width) kept[id] = 1;
  if (mask.accepts) for (const id of eosTokenIds) if (id < width) kept[id] = 1;
  const ids: number[] = [];
  for (let id = 0; id < width; id++) if (kept[id] === 0) ids.push(id);
  const banned = Int32Array.from(ids);
  bannedByMask.set(mask, { width, ids: banned });
  return banned;
}

/** A clear error when the budget cannot hold the shortest valid output. */
export function budgetError(
  plan: ConstraintPlan,
  maxNewTokens: number,
  needed: number,
  context: { provider: string; modelId: string },
): TinyLLMError {
  const what =
    plan.mode === 'json' ? 'a JSON value valid for responseFormat.schema' : 'a tool call';
  return new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `maxOutputTokens (${maxNewTokens}) is too small for ${what}: the shortest needs ${needed} tokens.`,
    path: 'maxOutputTokens',
    retryable: false,
    ...context,
    details: { maxOutputTokens: maxNewTokens, minimumOutputTokens: needed },
  });
}
