/**
 * A tokenizer's vocabulary as byte strings, in a trie: masks are computed by walking the trie
 * with the JSON machine, so tokens sharing a prefix share the work and a dead prefix prunes
 * every token under it.
 */
import { byteLevelTokensFor } from '../token-decoder';

/** A trie node: the tokens that end here and the children by next byte. */
export interface TrieNode {
  ids: number[];
  bytes: number[];
  children: TrieNode[];
  /** Bytes of the longest token below this node, past it (0 for a leaf). */
  height: number;
}

/** A vocabulary ready for masking. */
export interface Vocabulary {
  /** Number of token ids (logits may be longer: padded ids are never allowed). */
  size: number;
  /** Each token's bytes; undefined for special tokens, which constrained output never uses. */
  tokens: Array<Uint8Array | undefined>;
  trie: TrieNode;
  /** True when every printable ASCII byte is a token of its own (forced closing can go byte by byte). */
  singleBytes: boolean;
  /** Partitions by string-safety, built on first use (see {@link stringTokens}). */
  partitions: Map<number, StringTokens>;
  /** Each token's run of JSON whitespace at its start, and the longest of them. */
  leadingWhitespace: Uint8Array;
  maxLeadingWhitespace: number;
}

/**
 * The tokens that are plain string content (no quote, backslash, control byte or `avoid` byte;
 * whole UTF-8 characters), with their UTF-16 lengths, and a trie of all the other tokens.
 * Inside a string every plain token keeps the state as it is (but for the length), so masks of
 * string states take them wholesale and walk only the small trie of the rest.
 */
export interface StringTokens {
  ids: Int32Array;
  lengths: Int32Array;
  rest: TrieNode;
  /**
   * The tokens of `rest` with a quote, backslash or `avoid` byte: the only ones that can end or
   * escape out of a string. Where content is not due, no other token brings a string (or a free
   * key) closer to its end, so closing searches walk only these.
   */
  exits: TrieNode;
}

/** The tokenizer surface this module reads. */
export interface VocabularyTokenizer {
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

const cache = new WeakMap<object, Vocabulary>();
const encoder = new TextEncoder();

/** The vocabulary of a transformers.js tokenizer, built once per tokenizer. */
export function vocabularyFor(tokenizer: VocabularyTokenizer & object): Vocabulary {
  const known = cache.get(tokenizer);
  if (known) return known;
  const tokens: Array<Uint8Array | undefined> = [];
  const byteLevel = byteLevelTokensFor(tokenizer);
  if (byteLevel) {
    for (let id = 0; id < byteLevel.size; id++) {
      const token = byteLevel.token(id);
      tokens.push(typeof token === 'string' ? encoder.encode(token) : token);
    }
  } else {
    // Other tokenizers (SentencePiece, WordPiece): each token decoded on its own. Leading-space
    // conventions may differ from decoding in context; the byte-level path covers Qwen, Llama 3
    // and GPT-2 style vocabularies exactly.
    const size = tokenizerSize(tokenizer);
    for (let id = 0; id < size; id++) {
      const text = tokenizer.decode([id], { skip_special_tokens: true });
      tokens.push(text.length > 0 ? encoder.encode(text) : undefined);
    }
  }
  const vocabulary = buildVocabulary(tokens);
  cache.set(tokenizer, vocabulary);
  return vocabulary;
}

/** Builds the trie of a list of token byte strings. */
export function buildVocabulary(tokens: Array<Uint8Array | undefined>): Vocabulary {
  const root: TrieNode = { ids: [], bytes: [], children: [], height: 0 };
  const singles = new Set<number>();
  tokens.forEach((bytes, id) => {
    if (!bytes || bytes.length === 0) return;
    if (bytes.length === 1) singles.add(bytes[0]!);
    let node = root;
    for (const byte of bytes) {
      let index = node.bytes.indexOf(byte);
      if (index < 0) {
        index = node.bytes.length;
        node.bytes.push(byte);
        node.children.push({ ids: [], bytes: [], children: [], height: 0 });
      }
      node = node.children[index]!;
    }
    node.ids.push(id);
  });
  orderChildren(root);
  setHeights(root);
  let singleBytes = true;
  for (let byte = 0x20; byte < 0x7f; byte++) if (!singles.has(byte)) singleBytes = false;
  const leadingWhitespace = new Uint8Array(tokens.length);
  let maxLeadingWhitespace = 0;
  tokens.forEach((bytes, id) => {
    let run = 0;
    while (bytes && run < bytes.length && run < 255 && isWhitespace(bytes[run]!)) run++;
    leadingWhitespace[id] = run;
    maxLeadingWhitespace = Math.max(maxLeadingWhitespace, run);
  });
  return {
    size: tokens.length,
    tokens,
    trie: root,
    singleBytes,
    partitions: new Map(),
    leadingWhitespace,
    maxLeadingWhitespace,
  };
}

const isWhitespace = (byte: number): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Bytes that close JSON first, so a walk looking for the cheapest way to close meets it early
 * and drops the rest sooner (see the token automaton's greedy closing).
 */
const closingFirst = new Map([0x22, 0x7d, 0x5d, 0x2c, 0x3a].map((byte, rank) => [byte, rank]));

function orderChildren(node: TrieNode): void {
  if (node.bytes.length > 1) {
    const order = node.bytes.map((_, index) => index);
    const rank = (index: number): number => closingFirst.get(node.bytes[index]!) ?? 5;
    order.sort((a, b) => rank(a) - rank(b) || a - b);
    node.bytes = order.map((index) => node.bytes[index]!);
    node.children = order.map((index) => node.children[index]!);
  }
  for (const child of node.children) orderChildren(child);
}

function setHeights(node: TrieNode): number {
  let height = 0;
  for (const child of node.children) height = Math.max(height, 1 + setHeights(child));
  node.height = height;
  return height;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The string-safe partition of a vocabulary; `avoid` is a byte plain content may not hold (-1: none). */
export function stringTokens(vocabulary: Vocabulary, avoid: number): StringTokens {
  const known = vocabulary.partitions.get(avoid);
  if (known) return known;
  const ids: number[] = [];
  const lengths: number[] = [];
  const rest: Array<Uint8Array | undefined> = [];
  const exits: Array<Uint8Array | undefined> = [];
  vocabulary.tokens.forEach((bytes, id) => {
    rest.push(undefined);
    exits.push(undefined);
    if (!bytes || bytes.length === 0) return;
    let plain = true;
    for (const byte of bytes) {
      if (byte < 0x20 || byte === 0x22 || byte === 0x5c || byte === avoid) {
        plain = false;
        break;
      }
    }
    let text: string | undefined;
    if (plain) {
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        plain = false;
      }
    }
    if (plain && text !== undefined) {
      ids.push(id);
      lengths.push(text.length);
    } else {
      rest[id] = bytes;
      if (bytes.some((byte) => byte === 0x22 || byte === 0x5c || byte === avoid)) exits[id] = bytes;
    }
  });
  const partition: StringTokens = {
    ids: Int32Array.from(ids),
    lengths: Int32Array.from(lengths),
    rest: buildVocabulary(rest).trie,
    exits: buildVocabulary(exits).trie,
  };
  vocabulary.partitions.set(avoid, partition);
  return partition;
}

function tokenizerSize(tokenizer: object): number {
  const inner = (tokenizer as { _tokenizer?: { model?: { vocab?: unknown } } })._tokenizer;
  const vocab = inner?.model?.vocab;
  if (Array.isArray(vocab)) return vocab.length;
  if (vocab instanceof Map) return vocab.size;
  if (typeof vocab === 'object' && vocab !== null) return Object.keys(vocab).length;
  return 0;
}
