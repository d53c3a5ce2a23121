/**
 * Incremental detokenization and stop sequences for token streams.
 */

/** Decodes token ids to text (the tokenizer's `decode` with special tokens skipped). */
export type DecodeTokens = (ids: number[]) => string;

/** Turns streamed token ids into text deltas. */
export interface TokenTextDecoder {
  /** Adds one token and returns the text it completes (possibly empty). */
  push(id: number): string;
  /** Returns text still held back. */
  flush(): string;
}

/**
 * Turns a stream of token ids into text deltas.
 *
 * Decoding token by token is wrong for byte-level vocabularies (one character may span several
 * tokens) and decoding the whole output every step is quadratic. This keeps two offsets into
 * the ids (the approach of Hugging Face text-generation-inference): it decodes a short window
 * before and after the new token and emits the difference, holding text back while it ends in
 * an incomplete character (U+FFFD). Each step decodes a handful of tokens, so it is O(1).
 */
export class IncrementalDecoder implements TokenTextDecoder {
  readonly #decode: DecodeTokens;
  readonly #ids: number[] = [];
  #prefixOffset = 0;
  #readOffset = 0;
  // Text of ids[prefixOffset, readOffset). After an emission that window is exactly the tokens
  // just emitted, ending on a complete character, so its text is the emitted delta itself:
  // caching it halves the tokenizer calls per token (decode is the hot path of local streaming).
  #prefixText = '';

  constructor(decode: DecodeTokens) {
    // Tokenizers reject an empty id list; the window before the first token is empty.
    this.#decode = (ids) => (ids.length === 0 ? '' : decode(ids));
  }

  /** Adds one token and returns the text it completes (possibly empty). */
  push(id: number): string {
    this.#ids.push(id);
    const prefixText = this.#prefixText;
    const newText = this.#decode(this.#ids.slice(this.#prefixOffset));
    if (newText.length > prefixText.length && !newText.endsWith('\uFFFD')) {
      this.#prefixOffset = this.#readOffset;
      this.#readOffset = this.#ids.length;
      const delta = newText.slice(prefixText.length);
      this.#prefixText = delta;
      return delta;
    }
    return '';
  }

  /** Returns text still held back (an incomplete character at the very end is emitted as is). */
  flush(): string {
    const prefixText = this.#prefixText;
    const newText = this.#decode(this.#ids.slice(this.#prefixOffset));
    this.#prefixOffset = this.#readOffset = this.#ids.length;
    this.#prefixText = '';
    return newText.length > prefixText.length ? newText.slice(prefixText.length) : '';
  }
}

/**
 * Cuts a text stream at the first stop sequence. Text that may be the start of a stop sequence
 * is held back until it is known not to be one, so a stop sequence never leaks into the output.
 */
export class StopSequenceFilter {
  readonly #stops: readonly string[];
  readonly #holdLength: number;
  #pending = '';
  #stopped = false;

  constructor(stops: readonly string[] = []) {
    this.#stops = stops.filter((stop) => stop.length > 0);
    this.#holdLength = Math.max(0, ...this.#stops.map((stop) => stop.length - 1));
  }

  /** True once a stop sequence was seen. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Adds text; returns the text that is safe to emit. */
  push(text: string): string {
    if (this.#stopped) return '';
    if (this.#stops.length === 0) return text;
    const data = this.#pending + text;
    const cut = this.#earliestMatch(data);
    // A longer stop may start before a complete match and be cut off by the end of the data
    // ("ax" complete for stop "x" while stop "ax " awaits its space): hold from there, so the
    // result never depends on how the text was chunked.
    const partial = this.#earliestPartial(data, cut >= 0 ? cut : data.length);
    if (partial >= 0) {
      this.#pending = data.slice(partial);
      return data.slice(0, partial);
    }
    this.#pending = '';
    if (cut >= 0) {
      this.#stopped = true;
      return data.slice(0, cut);
    }
    return data;
  }

  /** Ends the stream: returns held-back text up to the earliest stop sequence in it. */
  flush(): string {
    if (this.#stopped) return '';
    const data = this.#pending;
    this.#pending = '';
    const cut = this.#earliestMatch(data);
    if (cut < 0) return data;
    this.#stopped = true;
    return data.slice(0, cut);
  }

  #earliestMatch(data: string): number {
    let cut = -1;
    for (const stop of this.#stops) {
      const index = data.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) cut = index;
    }
    return cut;
  }

  /** The first position before `limit` where a stop begins but runs past the end of `data`. */
  #earliestPartial(data: string, limit: number): number {
    for (let position = Math.max(0, data.length - this.#holdLength); position < limit; position++) {
      const tail = data.slice(position);
      for (const stop of this.#stops) {
        if (stop.length > tail.length && stop.startsWith(tail)) return position;
      }
    }
    return -1;
  }
}

/**
 * How a byte-level BPE tokenizer (GPT-2, Qwen, Llama 3, ...) maps one token id to output: the
 * token's bytes, an added token's literal text, or nothing (a special token, skipped).
 */
export type ByteLevelToken = Uint8Array | string | undefined;

/**
 * The fast path of {@link IncrementalDecoder} for byte-level vocabularies: each token is a byte
 * string, so decoding is appending its bytes to one streaming UTF-8 decoder (which holds back an
 * incomplete character by itself). That is O(1) per token with no tokenizer call, where the
 * generic decoder runs the tokenizer's whole decode pipeline on a window every token; for a
 * model small enough to generate a token in well under a millisecond, that call was the largest
 * cost the adapter added to generation.
 */
export class ByteLevelDecoder implements TokenTextDecoder {
  readonly #token: (id: number) => ByteLevelToken;
  readonly #ascii: (id: number) => string | undefined;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  // True when the UTF-8 decoder holds no partial character: at the start, and after any byte
  // below 0x80 (an ASCII byte completes or invalidates whatever was pending).
  #clean = true;

  constructor(token: (id: number) => ByteLevelToken, ascii: (id: number) => string | undefined) {
    this.#token = token;
    this.#ascii = ascii;
  }

  push(id: number): string {
    // Most tokens of a reply are ASCII: their text is cached, no decoder call needed.
    if (this.#clean) {
      const text = this.#ascii(id);
      if (text !== undefined) return text;
    }
    const token = this.#token(id);
    if (token === undefined) return '';
    // An added token is emitted as its text and ends the byte run before it, as the
    // tokenizer's decoder does (an incomplete character before it becomes U+FFFD there too).
    if (typeof token === 'string') {
      const before = this.#clean ? '' : this.#utf8.decode();
      this.#clean = true;
      return before + token;
    }
    if (token.length === 0) return '';
    this.#clean = token[token.length - 1]! < 0x80;
    return this.#utf8.decode(token, { stream: true });
  }

  flush(): string {
    this.#clean = true;
    return this.#utf8.decode();
  }
}

/** GPT-2's byte-to-character table, inverted: the character a byte-level token uses for each byte. */
function unicodeToBytes(): Map<string, number> {
  const printable: number[] = [];
  for (let byte = 33; byte <= 126; byte++) printable.push(byte);
  for (let byte = 161; byte <= 172; byte++) printable.push(byte);
  for (let byte = 174; byte <= 255; byte++) printable.push(byte);
  const table = new Map<string, number>();
  for (const byte of printable) table.set(String.fromCharCode(byte), byte);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (!printable.includes(byte)) table.set(String.fromCharCode(256 + extra++), byte);
  }
  return table;
}

let byteTable: Map<string, number> | undefined;

/**
 * The internals of a transformers.js tokenizer that the fast path reads. They are not public
 * API, so every field is checked, and {@link byteLevelDecoderFor} also compares the result with
 * the tokenizer's own `decode` before trusting it.
 */
interface TokenizerInternals {
  _tokenizer?: {
    model?: { vocab?: unknown };
    decoder?: { config?: { type?: unknown }; end_of_word_suffix?: unknown } | null;
    special_tokens?: unknown;
    added_tokens?: unknown;
    clean_up_tokenization_spaces?: unknown;
  };
}

interface ByteLevelTables {
  token(id: number): ByteLevelToken;
  /** The token's text when it is plain ASCII bytes (so decodes on its own), else undefined. */
  ascii(id: number): string | undefined;
}

const fastPathCache = new WeakMap<object, ByteLevelTables | null>();

/**
 * A factory of {@link ByteLevelDecoder}s for this tokenizer, or `undefined` when the tokenizer
 * is not plain byte-level BPE (then use {@link IncrementalDecoder}). The answer is computed
 * once per tokenizer and includes a self-check against `decode`: the fast path is used only
 * where it gives exactly the tokenizer's text.
 */
export function byteLevelDecoderFor(
  tokenizer: object & {
    decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  },
): (() => ByteLevelDecoder) | undefined {
  let tables = fastPathCache.get(tokenizer);
  if (tables === undefined) {
    tables = byteLevelTables(tokenizer as TokenizerInternals) ?? null;
    if (tables && !agreesWithDecode(tokenizer, tables)) tables = null;
    fastPathCache.set(tokenizer, tables);
  }
  const found = tables;
  return found ? () => new ByteLevelDecoder(found.token, found.ascii) : undefined;
}

/**
 * Each token's bytes (an added token's text as UTF-8, a special token as undefined) for a
 * byte-level BPE tokenizer that {@link byteLevelDecoderFor} trusts; undefined otherwise.
 */
export function byteLevelTokensFor(
  tokenizer: object & {
    decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  },
): { size: number; token(id: number): ByteLevelToken } | undefined {
  if (!byteLevelDecoderFor(tokenizer)) return undefined;
  const tables = fastPathCache.get(tokenizer);
  const vocab = (tokenizer as TokenizerInternals)._tokenizer?.model?.vocab;
  if (!tables || !Array.isArray(vocab)) return undefined;
  return { size: vocab.length, token: tables.token };
}

function byteLevelTables(tokenizer: TokenizerInternals): ByteLevelTables | undefined {
  const inner = tokenizer._tokenizer;
  const vocab = inner?.model?.vocab;
  const decoder = inner?.decoder;
  if (!inner || !Array.isArray(vocab) || !decoder || decoder.config?.type !== 'ByteLevel') return;
  // Options that change text after the byte decoding: not handled here.
  if (decoder.end_of_word_suffix || inner.clean_up_tokenization_spaces) return;
  const special = new Set(Array.isArray(inner.special_tokens) ? inner.special_tokens : []);
  const added = new Set<string>();
  if (Array.isArray(inner.added_tokens)) {
    for (const entry of inner.added_tokens) {
      const content = (entry as { content?: unknown }).content;
      if (typeof content === 'string') added.add(content);
    }
  }
  byteTable ??= unicodeToBytes();
  const table = byteTable;
  // Built lazily: a 150k-token vocabulary needs only the ids a reply uses.
  const cache: ByteLevelToken[] = [];
  const asciiCache: (string | undefined)[] = [];
  const built: boolean[] = [];
  const token = (id: number): ByteLevelToken => {
    if (built[id]) return cache[id];
    const text: unknown = vocab[id];
    let value: ByteLevelToken;
    if (typeof text !== 'string' || special.has(text)) value = undefined;
    else if (added.has(text)) value = text;
    else {
      const bytes = new Uint8Array(text.length);
      let length = 0;
      for (const character of text) bytes[length++] = table.get(character) ?? 0;
      value = bytes.subarray(0, length);
      if (value.every((byte) => byte < 0x80)) asciiCache[id] = String.fromCharCode(...value);
    }
    cache[id] = value;
    built[id] = true;
    return value;
  };
  const ascii = (id: number): string | undefined => {
    if (!built[id]) token(id);
    return asciiCache[id];
  };
  return { token, ascii };
}

/** Compares the fast path with the tokenizer's `decode` on single tokens and on a sentence. */
function agreesWithDecode(
  tokenizer: { decode(ids: number[], options?: { skip_special_tokens?: boolean }): string },
  tables: ByteLevelTables,
): boolean {
  const decode = (ids: number[]) => tokenizer.decode(ids, { skip_special_tokens: true });
  const fast = (ids: number[]) => {
    const decoder = new ByteLevelDecoder(tables.token, tables.ascii);
    let text = '';
    for (const id of ids) text += decoder.push(id);
    return text + decoder.flush();
  };
  try {
    const vocab = (tokenizer as TokenizerInternals)._tokenizer?.model?.vocab as unknown[];
    const size = vocab.length;
    const ids = new Set<number>();
    for (let id = 0; id < Math.min(size, 300); id++) ids.add(id);
    for (let id = Math.max(0, size - 100); id < size; id++) ids.add(id);
    for (let step = 0; step < 200; step++) ids.add(Math.floor((step * size) / 200));
    for (const id of ids) if (fast([id]) !== decode([id])) return false;
    // Runs of tokens, including characters split across tokens.
    const sample = [...ids];
    for (let start = 0; start + 12 <= sample.length; start += 37) {
      const run = sample.slice(start, start + 12);
      if (fast(run) !== decode(run)) return false;
    }
    return true;
  } catch {
    return false;
  }
}
