/**
 * Incremental detokenization and stop sequences for token streams.
 */

/** Decodes token ids to text (the tokenizer's `decode` with special tokens skipped). */
export type DecodeTokens = (ids: number[]) => string;

/**
 * Turns a stream of token ids into text deltas.
 *
 * Decoding token by token is wrong for byte-level vocabularies (one character may span several
 * tokens) and decoding the whole output every step is quadratic. This keeps two offsets into
 * the ids (the approach of Hugging Face text-generation-inference): it decodes a short window
 * before and after the new token and emits the difference, holding text back while it ends in
 * an incomplete character (U+FFFD). Each step decodes a handful of tokens, so it is O(1).
 */
export class IncrementalDecoder {
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
