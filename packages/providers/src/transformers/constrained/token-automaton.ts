/**
 * The token-level automaton: the JSON machine lifted to a vocabulary. For a state it gives the
 * tokens that keep the text inside the grammar (a mask, cached per state), how many bytes each
 * of them leaves to write, and, when the token budget runs low, how many tokens: the output is
 * closed before the budget runs out without cutting a text that would have fitted.
 */
import type { JsonMachine, Stack } from './json-machine';
import { type TrieNode, type Vocabulary, stringTokens } from './vocabulary';

/** The tokens allowed in one state. */
export interface TokenMask {
  /** Allowed token ids, ascending by discovery (trie order). */
  allowed: Int32Array;
  /** For each allowed token, the fewest bytes that complete the text after it. */
  costs: Int32Array;
  /** The largest of {@link TokenMask.costs}. */
  maxCost: number;
  /** The text may end here (end-of-sequence is allowed). */
  accepts: boolean;
  /** States after each token taken from here, so a repeated path costs no stepping. */
  next: Map<number, Stack[]>;
  /**
   * For each allowed token, the tokens of the greedy closing after it, filled on demand (-1: not
   * yet): a state met at every step (inside a long string) is checked once, not per step.
   */
  greedyAfter?: Int32Array;
}

/** Most states whose masks are kept; past it the cache starts over (a reply rarely needs many). */
const maxCachedMasks = 20_000;
/** Most masks one search for a shorter closing may compute (each is a walk of the vocabulary). */
const maxSearchMasks = 32;

/** Masks and transitions of one machine over one vocabulary. */
export class TokenAutomaton {
  readonly machine: JsonMachine;
  readonly vocabulary: Vocabulary;
  readonly #masks = new Map<string, TokenMask>();
  /** {@link closingTokens} and {@link greedyClosingTokens} by state key. */
  readonly #closing = new Map<string, number>();
  readonly #greedyClosing = new Map<string, number>();
  /** The largest room known too small to close from a state (a search that found no path). */
  readonly #unreachable = new Map<string, number>();
  #searchUntil = 0;
  /** Masks computed (cache misses), for benchmarks. */
  computed = 0;

  constructor(machine: JsonMachine, vocabulary: Vocabulary) {
    this.machine = machine;
    this.vocabulary = vocabulary;
  }

  /** The state after a token (empty: the token leaves the grammar). */
  advance(state: readonly Stack[], tokenId: number): Stack[] {
    const mask = this.#masks.get(this.machine.stateKey(state));
    const known = mask?.next.get(tokenId);
    if (known) return known;
    const next = this.#advance(state, tokenId);
    if (mask && next.length > 0) mask.next.set(tokenId, next);
    return next;
  }

  #advance(state: readonly Stack[], tokenId: number): Stack[] {
    const bytes = this.vocabulary.tokens[tokenId];
    if (!bytes) return [];
    let current = state as Stack[];
    for (let index = 0; index < bytes.length && current.length > 0; index++)
      current = this.machine.step(current, bytes[index]!);
    return this.machine.dedupe(current);
  }

  /** The mask of a state, from the cache or by walking the vocabulary trie. */
  mask(state: readonly Stack[]): TokenMask {
    const key = this.machine.stateKey(state);
    const known = this.#masks.get(key);
    if (known) return known;
    const mask = this.#compute(state);
    if (this.#masks.size >= maxCachedMasks) {
      this.#masks.clear();
      this.#closing.clear();
      this.#greedyClosing.clear();
      this.#unreachable.clear();
    }
    this.#masks.set(key, mask);
    return mask;
  }

  /**
   * The fewest tokens that complete the text from a state (0 when it may end here), over paths
   * where every token brings the text closer to its end in bytes (whitespace, optional keys and
   * content beyond what is required never help to close). Byte costs alone count one token per
   * byte, which overstates what a real vocabulary needs many times over (`"}}` and `_units` are
   * single tokens) and, near the end of a budget, would cut a text the model could still have
   * finished: a `convert_units` call that fits 64 tokens was turned into another tool. The
   * count is that of a real token path, and along that path it goes down by one per token, so a
   * budget that holds it at one step holds it at the next. With every byte a token of its own it
   * is at most the byte cost. It needs the masks of every state on those paths: see
   * {@link closesWithin} for the cheap way to ask.
   */
  closingTokens(state: readonly Stack[]): number {
    const key = this.machine.stateKey(state);
    const known = this.#closing.get(key);
    if (known !== undefined) return known;
    let best = Number.POSITIVE_INFINITY;
    if (this.machine.accepts(state)) best = 0;
    else {
      const cost = this.machine.cost(state);
      if (Number.isFinite(cost)) {
        const mask = this.mask(state);
        for (let index = 0; index < mask.allowed.length; index++) {
          // Byte costs fall strictly along these paths: the recursion ends.
          if (mask.costs[index]! >= cost) continue;
          const next = this.advance(state, mask.allowed[index]!);
          if (next.length > 0) best = Math.min(best, 1 + this.closingTokens(next));
          if (best === 1) break;
        }
      }
    }
    this.#closing.set(key, best);
    return best;
  }

  /**
   * Tokens of one closing path: at each step the token that leaves the fewest bytes to write.
   * A bound from above on {@link closingTokens} that needs only the masks along one path.
   */
  greedyClosingTokens(state: readonly Stack[]): number {
    const path: string[] = [];
    let current = state;
    let result = Number.POSITIVE_INFINITY;
    for (;;) {
      const key = this.machine.stateKey(current);
      const known = this.#greedyClosing.get(key);
      if (known !== undefined) {
        result = known;
        break;
      }
      if (this.machine.accepts(current)) {
        result = 0;
        this.#greedyClosing.set(key, 0);
        break;
      }
      const cost = this.machine.cost(current);
      if (!Number.isFinite(cost)) break;
      path.push(key);
      const mask = this.mask(current);
      let best = -1;
      let bestCost = cost;
      for (let index = 0; index < mask.allowed.length; index++) {
        if (mask.costs[index]! < bestCost) {
          bestCost = mask.costs[index]!;
          best = index;
        }
      }
      // Byte costs fall strictly along the path, so it ends; no token gets closer: no path.
      if (best < 0) break;
      current = this.advance(current, mask.allowed[best]!);
      if (current.length === 0) break;
    }
    for (let index = path.length - 1; index >= 0; index--) {
      result += 1;
      this.#greedyClosing.set(path[index]!, result);
    }
    return result;
  }

  /**
   * Whether the text can be closed within `room` tokens after the `index`-th allowed token of a
   * state's mask. The greedy path answers nearly every case; near the edge a search over the
   * paths of {@link closingTokens}, bounded in the masks it may compute, looks for a shorter one.
   * Only a path found says yes, so the answer is safe even when the search stops early.
   */
  closesWithin(state: readonly Stack[], mask: TokenMask, index: number, room: number): boolean {
    if (room < 0) return false;
    mask.greedyAfter ??= new Int32Array(mask.allowed.length).fill(-1);
    let greedy = mask.greedyAfter[index]!;
    if (greedy < 0) {
      const after = this.advance(state, mask.allowed[index]!);
      const tokens = after.length === 0 ? Infinity : this.greedyClosingTokens(after);
      greedy = Number.isFinite(tokens) ? Math.min(tokens, 0x3fffffff) : 0x3fffffff;
      mask.greedyAfter[index] = greedy;
    }
    if (greedy <= room) return true;
    const next = this.advance(state, mask.allowed[index]!);
    this.#searchUntil = this.computed + maxSearchMasks;
    return this.#within(next, room);
  }

  #within(state: readonly Stack[], room: number): boolean {
    if (room < 0) return false;
    if (this.machine.accepts(state)) return true;
    if (room === 0) return false;
    if (this.greedyClosingTokens(state) <= room) return true;
    const key = this.machine.stateKey(state);
    const exact = this.#closing.get(key);
    if (exact !== undefined) return exact <= room;
    if ((this.#unreachable.get(key) ?? -1) >= room) return false;
    if (this.computed >= this.#searchUntil) return false;
    const cost = this.machine.cost(state);
    const mask = this.mask(state);
    for (let index = 0; index < mask.allowed.length; index++) {
      if (mask.costs[index]! >= cost) continue;
      const next = this.advance(state, mask.allowed[index]!);
      if (next.length > 0 && this.#within(next, room - 1)) return true;
      if (this.computed >= this.#searchUntil) return false;
    }
    // Searched in full: no path of `room` tokens from here.
    this.#unreachable.set(key, room);
    return false;
  }

  #compute(state: readonly Stack[]): TokenMask {
    this.computed++;
    const allowed: number[] = [];
    const costs: number[] = [];
    const machine = this.machine;
    const visit = (node: TrieNode, current: Stack[]): void => {
      if (node.ids.length > 0) {
        const cost = machine.cost(current);
        for (const id of node.ids) {
          allowed.push(id);
          costs.push(Number.isFinite(cost) ? cost : 0x3fffffff);
        }
      }
      for (let index = 0; index < node.bytes.length; index++) {
        const next = machine.step(current, node.bytes[index]!);
        if (next.length > 0) visit(node.children[index]!, next);
      }
    };
    const content = machine.stringContent(state);
    if (content) {
      // Inside a string: plain tokens are taken wholesale, only the rest is walked.
      const partition = stringTokens(this.vocabulary, machine.suffix[0] ?? -1);
      const base = content.base;
      for (let index = 0; index < partition.ids.length; index++) {
        const length = partition.lengths[index]!;
        if (length > content.room) continue;
        allowed.push(partition.ids[index]!);
        costs.push(base + Math.max(0, content.due - length));
      }
      visit(partition.rest, state as Stack[]);
    } else visit(this.vocabulary.trie, state as Stack[]);
    let maxCost = 0;
    for (const cost of costs) if (cost > maxCost) maxCost = cost;
    return {
      allowed: Int32Array.from(allowed),
      costs: Int32Array.from(costs),
      maxCost,
      accepts: machine.accepts(state),
      next: new Map(),
    };
  }
}
