/**
 * The token-level automaton: the JSON machine lifted to a vocabulary. For a state it gives the
 * tokens that keep the text inside the grammar (a mask, cached per state), how many bytes each
 * of them leaves to write, and, when the token budget runs low, how many tokens: the output is
 * closed before the budget runs out without cutting a text that would have fitted.
 */
import { type JsonMachine, type Stack, type StringContent, spellsName } from './json-machine';
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
  greedyAfter: Int32Array | undefined;
  /**
   * For each allowed token, the largest room known too small to close after it (-1: none yet).
   * Rooms only shrink as a reply goes on, so a state met again does not search again.
   */
  tooFewAfter: Int32Array | undefined;
  /**
   * For each allowed token, the state its text closes into once the frames it leaves open are
   * finished the cheapest way (an index into {@link TokenMask.ancestors}; -1: none known): from
   * there the greedy closing is shared by every token that closes into it, and the frames above
   * cost one token per byte. See {@link TokenAutomaton.closesWithin}.
   */
  ancestorOf: Int32Array;
  ancestors: Stack[];
  /**
   * 1 where the ancestor is the very state its tokens lead to (plain string content): whether
   * they fit is then that state's exact closing count against the room, asked once for all.
   */
  successorAncestors: Uint8Array;
  /** Room and answer last asked of each such state. */
  successorRoom: Int32Array | undefined;
  successorFits: Uint8Array | undefined;
  /** Bytes of each ancestor's closing. */
  ancestorCosts: Int32Array;
  /** Greedy closing tokens of each ancestor, filled on demand (-1: not yet). */
  ancestorClosing: Int32Array | undefined;
}

/**
 * The state a stack closes into when its top frames are finished the cheapest way: the parent
 * of a value frame (a string, number, array or object pops to it), or, for a key, the parent of
 * its object (a key's cost runs to the end of its object). Undefined where a frame is not
 * finished one printable byte at a time (a UTF-8 sequence open, a literal that could go on).
 */
function closingAncestor(state: readonly Stack[]): Stack | undefined {
  if (state.length !== 1) return undefined;
  const stack = state[0]!;
  const frame = stack.frame;
  switch (frame.t) {
    case 'string':
      return frame.pending === 0 ? stack.parent : undefined;
    case 'key':
      return frame.pending === 0 ? stack.parent?.parent : undefined;
    case 'number':
    case 'array':
    case 'object':
      return stack.parent;
    default:
      return undefined;
  }
}

/**
 * Whether closing moves inside a string or key can be tokens outside its exits (those with a
 * quote, backslash or avoided byte): content still due, or a key that may still spell a name
 * with bytes past ASCII (part of a character can spell part of it). Otherwise a token without
 * an exit writes content, a control byte or part of a character, none of which brings the end
 * closer, and the walk skips the rest of the vocabulary (~7× the exits here).
 */
function needsRest(content: StringContent): boolean {
  if (content.due > 0) return true;
  return content.names?.some((name) => name.some((byte) => byte >= 0x80)) ?? false;
}

/**
 * The tokens that bring a state closer to its end in bytes (their after-cost is below the
 * state's), cheapest first, with the state after each: all that closing searches look at, so
 * they need no full mask of the states they pass through.
 */
interface ClosingMoves {
  ids: Int32Array;
  costs: Int32Array;
  next: Stack[][];
}

/**
 * Most states whose masks (or closing moves) are kept; past it the caches start over (a reply
 * rarely needs many).
 */
const maxCachedMasks = 20_000;

/** Masks and transitions of one machine over one vocabulary. */
export class TokenAutomaton {
  readonly machine: JsonMachine;
  readonly vocabulary: Vocabulary;
  readonly #masks = new Map<string, TokenMask>();
  readonly #moves = new Map<string, ClosingMoves>();
  /** The first cheapest closing move by state key (undefined: none). */
  readonly #greedyMoves = new Map<string, { id: number; next: Stack[] } | undefined>();
  /** {@link closingTokens} and {@link greedyClosingTokens} by state key. */
  readonly #closing = new Map<string, number>();
  /** The largest room known too small to close a state in (see {@link closesWithin}). */
  readonly #tooFew = new Map<string, number>();
  readonly #greedyClosing = new Map<string, number>();
  /** Masks and closing moves computed (cache misses, each a walk of the trie), for benchmarks. */
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
    // Whitespace since the last token only takes away tokens opening with more of it: the mask
    // is the one without it, filtered (the model may write a run of whitespace a token at a time).
    const bare = this.machine.withoutWhitespace(state);
    const mask = bare
      ? this.#withWhitespace(this.mask(bare.state), bare.room)
      : this.#compute(state);
    this.#limitCaches();
    this.#masks.set(key, mask);
    return mask;
  }

  /** A mask less the tokens opening with more than `room` whitespace bytes. */
  #withWhitespace(mask: TokenMask, room: number): TokenMask {
    const { leadingWhitespace, maxLeadingWhitespace } = this.vocabulary;
    // Successors of whitespace differ, so closing counts are the new mask's own.
    const shared = {
      accepts: mask.accepts,
      ancestors: mask.ancestors,
      successorAncestors: mask.successorAncestors,
      ancestorCosts: mask.ancestorCosts,
    };
    if (maxLeadingWhitespace <= room)
      return newMask({
        ...shared,
        allowed: mask.allowed,
        costs: mask.costs,
        ancestorOf: mask.ancestorOf,
      });
    const kept: number[] = [];
    for (let index = 0; index < mask.allowed.length; index++)
      if (leadingWhitespace[mask.allowed[index]!]! <= room) kept.push(index);
    return newMask({
      ...shared,
      allowed: Int32Array.from(kept, (index) => mask.allowed[index]!),
      costs: Int32Array.from(kept, (index) => mask.costs[index]!),
      ancestorOf: Int32Array.from(kept, (index) => mask.ancestorOf[index]!),
    });
  }

  #limitCaches(): void {
    const size = Math.max(this.#masks.size, this.#moves.size, this.#greedyMoves.size);
    if (size < maxCachedMasks) return;
    this.#masks.clear();
    this.#moves.clear();
    this.#greedyMoves.clear();
    this.#closing.clear();
    this.#tooFew.clear();
    this.#greedyClosing.clear();
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
        // Byte costs fall strictly along these paths: the recursion ends.
        const moves = this.#closingMoves(state, key);
        for (let index = 0; index < moves.ids.length; index++) {
          best = Math.min(best, 1 + this.closingTokens(moves.next[index]!));
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
      const move = this.#greedyMove(current, key);
      // Byte costs fall strictly along the path, so it ends; no token gets closer: no path.
      if (!move) break;
      current = move.next;
    }
    for (let index = path.length - 1; index >= 0; index--) {
      result += 1;
      this.#greedyClosing.set(path[index]!, result);
    }
    return result;
  }

  /**
   * Whether the text can be closed within `room` tokens after the `index`-th allowed token of a
   * state's mask: whether {@link closingTokens} after it is at most `room`. The greedy path
   * answers nearly every case; near the edge a search over the paths of {@link closingTokens},
   * no deeper than the room, decides. Cheaper answers first: {@link knownToClose}.
   */
  closesWithin(state: readonly Stack[], mask: TokenMask, index: number, room: number): boolean {
    const known = this.knownToClose(mask, index, room);
    if (known !== undefined) return known;
    mask.greedyAfter ??= new Int32Array(mask.allowed.length).fill(-1);
    let greedy = mask.greedyAfter[index]!;
    if (greedy < 0) {
      const after = this.advance(state, mask.allowed[index]!);
      const tokens = after.length === 0 ? Infinity : this.greedyClosingTokens(after);
      greedy = Number.isFinite(tokens) ? Math.min(tokens, 0x3fffffff) : 0x3fffffff;
      mask.greedyAfter[index] = greedy;
    }
    if (greedy <= room) return true;
    // The greedy path is too long: a search over every path that brings the text closer to its
    // end decides.
    const found = this.#closesIn(this.advance(state, mask.allowed[index]!), room);
    if (found) mask.greedyAfter[index] = room;
    else {
      mask.tooFewAfter ??= new Int32Array(mask.allowed.length).fill(-1);
      mask.tooFewAfter[index] = room;
    }
    return found;
  }

  /**
   * Whether {@link closingTokens} of a state is at most `room`, searching only as deep as the
   * room: the greedy path settles most states on the way, and a room found too small is kept
   * (a lower bound), so no state is searched twice for the same room.
   */
  #closesIn(state: readonly Stack[], room: number): boolean {
    if (this.machine.accepts(state)) return true;
    if (room <= 0) return false;
    const key = this.machine.stateKey(state);
    const exact = this.#closing.get(key);
    if (exact !== undefined) return exact <= room;
    if ((this.#tooFew.get(key) ?? 0) >= room) return false;
    // A greedy path already counted settles it; counting one for every state the search passes
    // through would cost a walk of the vocabulary each, most of them for states it then leaves.
    const greedy = this.#greedyClosing.get(key);
    if (greedy !== undefined && greedy <= room) return true;
    const moves = this.#closingMoves(state, key);
    for (let index = 0; index < moves.ids.length; index++)
      if (this.#closesIn(moves.next[index]!, room - 1)) return true;
    this.#tooFew.set(key, room);
    return false;
  }

  /**
   * What {@link closesWithin} would answer, where that needs no stepping per token: by a
   * closing already counted for the token, or by that of the state it closes into, shared by
   * the mask's tokens (see {@link TokenMask.ancestorOf}); undefined when it takes a search.
   */
  knownToClose(mask: TokenMask, index: number, room: number): boolean | undefined {
    if (room < 0) return false;
    if (mask.tooFewAfter && room <= mask.tooFewAfter[index]!) return false;
    const greedy = mask.greedyAfter?.[index] ?? -1;
    if (greedy >= 0 && greedy <= room) return true;
    const ancestor = mask.ancestorOf[index]!;
    if (ancestor >= 0 && mask.successorAncestors[ancestor] === 1) {
      mask.successorRoom ??= new Int32Array(mask.ancestors.length).fill(-1);
      mask.successorFits ??= new Uint8Array(mask.ancestors.length);
      if (mask.successorRoom[ancestor] !== room) {
        mask.successorRoom[ancestor] = room;
        mask.successorFits[ancestor] = this.#closesIn([mask.ancestors[ancestor]!], room) ? 1 : 0;
      }
      return mask.successorFits[ancestor] === 1;
    }
    if (ancestor >= 0) {
      // The frames above the ancestor byte by byte, then the ancestor's greedy closing: a real
      // path, shared by every token that closes into the same state, so no stepping per token.
      mask.ancestorClosing ??= new Int32Array(mask.ancestors.length).fill(-1);
      let closing = mask.ancestorClosing[ancestor]!;
      if (closing < 0) {
        const tokens = this.greedyClosingTokens([mask.ancestors[ancestor]!]);
        closing = Number.isFinite(tokens) ? Math.min(tokens, 0x3fffffff) : 0x3fffffff;
        mask.ancestorClosing[ancestor] = closing;
      }
      if (mask.costs[index]! - mask.ancestorCosts[ancestor]! + closing <= room) return true;
    }
    return undefined;
  }

  /**
   * The closing moves of a state, by a walk of the trie that drops a prefix as soon as no token
   * under it can get below the state's cost (one byte lowers a cost by at most one), so it
   * visits little more than the text that closes.
   */
  #closingMoves(state: readonly Stack[], key: string): ClosingMoves {
    const known = this.#moves.get(key);
    if (known) return known;
    const bare = this.machine.withoutWhitespace(state);
    if (bare && this.vocabulary.maxLeadingWhitespace <= bare.room) {
      // Whitespace never brings the text closer to its end: the moves of the state without it.
      const moves = this.#closingMoves(bare.state, this.machine.stateKey(bare.state));
      this.#moves.set(key, moves);
      return moves;
    }
    this.computed++;
    const machine = this.machine;
    const limit = machine.cost(state);
    const ids: number[] = [];
    const costs: number[] = [];
    const next: Stack[][] = [];
    const visit = (node: TrieNode, current: Stack[], cost: number): void => {
      if (cost < limit && node.ids.length > 0) {
        const after = machine.dedupe(current);
        for (const id of node.ids) {
          ids.push(id);
          costs.push(cost);
          next.push(after);
        }
      }
      if (cost - node.height >= limit) return;
      const filter = machine.firstBytes(current);
      for (let index = 0; index < node.bytes.length; index++) {
        const byte = node.bytes[index]!;
        if (filter !== undefined && filter[byte] === 0) continue;
        const stepped = machine.step(current, byte);
        if (stepped.length > 0) visit(node.children[index]!, stepped, machine.cost(stepped));
      }
    };
    if (Number.isFinite(limit)) {
      const content = machine.stringContent(state);
      if (content) {
        const partition = stringTokens(this.vocabulary, machine.suffix[0] ?? -1);
        // Plain content only brings a string closer to its end while its minimum length is due;
        // tokens of one length lead to one state.
        if (content.names) {
          // In a key, only content that spells a declared name can cost less than a free key.
          for (let index = 0; index < partition.ids.length; index++) {
            const id = partition.ids[index]!;
            if (!spellsName(this.vocabulary.tokens[id]!, content)) continue;
            const after = this.#advance(state, id);
            const cost = machine.cost(after);
            if (after.length === 0 || !(cost < limit)) continue;
            ids.push(id);
            costs.push(cost);
            next.push(after);
          }
        } else if (content.due > 0) {
          const byLength = new Map<number, Stack[]>();
          for (let index = 0; index < partition.ids.length; index++) {
            const length = partition.lengths[index]!;
            if (length > content.room) continue;
            const id = partition.ids[index]!;
            let after = byLength.get(length);
            if (!after) {
              after = this.#advance(state, id);
              byLength.set(length, after);
            }
            ids.push(id);
            costs.push(content.base + Math.max(0, content.due - length));
            next.push(after);
          }
        }
        // Without content due, only a token that leaves the string can get closer to the end.
        visit(needsRest(content) ? partition.rest : partition.exits, state as Stack[], limit);
      } else visit(this.vocabulary.trie, state as Stack[], limit);
    }
    // Cheapest first: a search for a path that fits tries the likeliest ones first.
    const order = ids.map((_, index) => index).sort((a, b) => costs[a]! - costs[b]!);
    const moves = {
      ids: Int32Array.from(order, (index) => ids[index]!),
      costs: Int32Array.from(order, (index) => costs[index]!),
      next: order.map((index) => next[index]!),
    };
    this.#limitCaches();
    this.#moves.set(key, moves);
    return moves;
  }

  /**
   * The first of the closing moves that leaves the fewest bytes. A branch-and-bound walk: once a
   * move is found, a prefix is dropped as soon as nothing under it can leave fewer bytes, so a
   * greedy closing path costs a few steps per token rather than a walk of the vocabulary.
   */
  #greedyMove(state: readonly Stack[], key: string): { id: number; next: Stack[] } | undefined {
    if (this.#greedyMoves.has(key)) return this.#greedyMoves.get(key);
    const moves = this.#moves.get(key);
    const bare = this.machine.withoutWhitespace(state);
    let move: { id: number; next: Stack[] } | undefined;
    if (bare && this.vocabulary.maxLeadingWhitespace <= bare.room)
      move = this.#greedyMove(bare.state, this.machine.stateKey(bare.state));
    else if (moves) {
      let best = -1;
      for (let index = 0; index < moves.ids.length; index++)
        if (best < 0 || moves.costs[index]! < moves.costs[best]!) best = index;
      if (best >= 0) move = { id: moves.ids[best]!, next: moves.next[best]! };
    } else move = this.#searchGreedyMove(state);
    this.#limitCaches();
    this.#greedyMoves.set(key, move);
    return move;
  }

  #searchGreedyMove(state: readonly Stack[]): { id: number; next: Stack[] } | undefined {
    this.computed++;
    const machine = this.machine;
    let bestCost = machine.cost(state);
    if (!Number.isFinite(bestCost)) return undefined;
    let bestId = -1;
    let bestNext: Stack[] = [];
    const visit = (node: TrieNode, current: Stack[], cost: number): void => {
      if (cost < bestCost && node.ids.length > 0) {
        bestCost = cost;
        bestId = node.ids[0]!;
        bestNext = current;
      }
      if (cost - node.height >= bestCost) return;
      const filter = machine.firstBytes(current);
      for (let index = 0; index < node.bytes.length; index++) {
        const byte = node.bytes[index]!;
        if (filter !== undefined && filter[byte] === 0) continue;
        const stepped = machine.step(current, byte);
        if (stepped.length > 0) visit(node.children[index]!, stepped, machine.cost(stepped));
      }
    };
    const content = machine.stringContent(state);
    if (content) {
      const partition = stringTokens(this.vocabulary, machine.suffix[0] ?? -1);
      if (content.names || content.due > 0) {
        for (let index = 0; index < partition.ids.length; index++) {
          const length = partition.lengths[index]!;
          if (length > content.room) continue;
          const id = partition.ids[index]!;
          if (content.names) {
            if (!spellsName(this.vocabulary.tokens[id]!, content)) continue;
            const after = this.#advance(state, id);
            const cost = machine.cost(after);
            if (cost < bestCost) {
              bestCost = cost;
              bestId = id;
              bestNext = after;
            }
          } else if (content.base + Math.max(0, content.due - length) < bestCost) {
            bestCost = content.base + Math.max(0, content.due - length);
            bestId = id;
            bestNext = this.#advance(state, id);
          }
        }
      }
      visit(
        needsRest(content) ? partition.rest : partition.exits,
        state as Stack[],
        machine.cost(state),
      );
    } else visit(this.vocabulary.trie, state as Stack[], machine.cost(state));
    return bestId < 0 ? undefined : { id: bestId, next: machine.dedupe(bestNext) };
  }

  #compute(state: readonly Stack[]): TokenMask {
    this.computed++;
    const allowed: number[] = [];
    const costs: number[] = [];
    const ancestorOf: number[] = [];
    const ancestors: Stack[] = [];
    const ancestorIndex = new Map<Stack, number>();
    const successors = new Set<number>();
    const machine = this.machine;
    // Closing byte by byte needs every printable byte as a token of its own.
    const decompose = this.vocabulary.singleBytes;
    const ancestorFor = (after: readonly Stack[]): number => {
      const ancestor = decompose ? closingAncestor(after) : undefined;
      if (!ancestor) return -1;
      let index = ancestorIndex.get(ancestor);
      if (index === undefined) {
        index = ancestors.length;
        ancestors.push(ancestor);
        ancestorIndex.set(ancestor, index);
      }
      return index;
    };
    const visit = (node: TrieNode, current: Stack[]): void => {
      if (node.ids.length > 0) {
        const cost = machine.cost(current);
        const ancestor = ancestorFor(current);
        for (const id of node.ids) {
          allowed.push(id);
          costs.push(Number.isFinite(cost) ? cost : 0x3fffffff);
          ancestorOf.push(ancestor);
        }
      }
      const filter = machine.firstBytes(current);
      for (let index = 0; index < node.bytes.length; index++) {
        const byte = node.bytes[index]!;
        if (filter !== undefined && filter[byte] === 0) continue;
        const next = machine.step(current, byte);
        if (next.length > 0) visit(node.children[index]!, next);
      }
    };
    const content = machine.stringContent(state);
    if (content) {
      // Inside a string: plain tokens are taken wholesale, only the rest is walked.
      const partition = stringTokens(this.vocabulary, machine.suffix[0] ?? -1);
      const base = content.base;
      // Plain content of one length leads to one state (the string's length is all that
      // changes): its tokens share that state's closing, counted exactly once for them all.
      const byLength = new Map<number, number>();
      const successorOf = (id: number, length: number): number => {
        let index = byLength.get(length);
        if (index === undefined) {
          const after = this.#advance(state, id);
          index = -1;
          if (after.length === 1) {
            index = ancestors.length;
            ancestors.push(after[0]!);
            ancestorIndex.set(after[0]!, index);
            successors.add(index);
          }
          byLength.set(length, index);
        }
        return index;
      };
      for (let index = 0; index < partition.ids.length; index++) {
        const length = partition.lengths[index]!;
        if (length > content.room) continue;
        const id = partition.ids[index]!;
        if (content.names && spellsName(this.vocabulary.tokens[id]!, content)) {
          // Spelling a declared name: its cost is the name's, stepped exactly.
          const after = this.#advance(state, id);
          const cost = machine.cost(after);
          allowed.push(id);
          costs.push(Number.isFinite(cost) ? cost : 0x3fffffff);
          ancestorOf.push(ancestorFor(after));
          continue;
        }
        allowed.push(id);
        costs.push(base + Math.max(0, content.due - length));
        ancestorOf.push(successorOf(id, length));
      }
      visit(partition.rest, state as Stack[]);
    } else visit(this.vocabulary.trie, state as Stack[]);
    return newMask({
      allowed: Int32Array.from(allowed),
      costs: Int32Array.from(costs),
      accepts: machine.accepts(state),
      ancestorOf: Int32Array.from(ancestorOf),
      ancestors,
      successorAncestors: Uint8Array.from(ancestors, (_, index) => (successors.has(index) ? 1 : 0)),
      ancestorCosts: Int32Array.from(ancestors, (ancestor) => {
        const cost = machine.cost([ancestor]);
        return Number.isFinite(cost) ? cost : 0x3fffffff;
      }),
    });
  }
}

/**
 * A mask with every field present from the start, in one order: the fields filled on demand
 * would otherwise change its hidden class, and the processor's per-step reads of masks of
 * several shapes went polymorphic.
 */
function newMask(
  fields: Pick<
    TokenMask,
    | 'allowed'
    | 'costs'
    | 'accepts'
    | 'ancestorOf'
    | 'ancestors'
    | 'successorAncestors'
    | 'ancestorCosts'
  >,
): TokenMask {
  let maxCost = 0;
  for (const cost of fields.costs) if (cost > maxCost) maxCost = cost;
  return {
    allowed: fields.allowed,
    costs: fields.costs,
    maxCost,
    accepts: fields.accepts,
    next: new Map(),
    greedyAfter: undefined,
    tooFewAfter: undefined,
    ancestorOf: fields.ancestorOf,
    ancestors: fields.ancestors,
    successorAncestors: fields.successorAncestors,
    successorRoom: undefined,
    successorFits: undefined,
    ancestorCosts: fields.ancestorCosts,
    ancestorClosing: undefined,
  };
}
