/**
 * The token-level automaton: the JSON machine lifted to a vocabulary. For a state it gives the
 * tokens that keep the text inside the grammar (a mask, cached per state), and how many bytes
 * each of them leaves to write, so the output can be closed before the token budget runs out.
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
}

/** Most states whose masks are kept; past it the cache starts over (a reply rarely needs many). */
const maxCachedMasks = 20_000;

/** Masks and transitions of one machine over one vocabulary. */
export class TokenAutomaton {
  readonly machine: JsonMachine;
  readonly vocabulary: Vocabulary;
  readonly #masks = new Map<string, TokenMask>();
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
    if (this.#masks.size >= maxCachedMasks) this.#masks.clear();
    this.#masks.set(key, mask);
    return mask;
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
