/**
 * Decodes a body's chunks to text. A multi-byte character can be split between two network
 * reads, so a body is decoded with `{ stream: true }`; but that option takes a slower path in
 * Node (0.31 µs against 0.08 µs for a 242-byte SSE frame on Node 20 and 22), once per frame of
 * every stream. A chunk that ends in a newline ends on a character boundary, and an SSE or NDJSON
 * frame always does, so such a chunk is decoded whole on the fast path when nothing is pending.
 * Measured on a replayed 200-token stream: the Hugging Face adapter's CPU 0.92× (Node 20), 0.93×
 * (22), 0.98× (24); the Ollama adapter's 0.96× (Node 20).
 */
export class Utf8ChunkDecoder {
  readonly #decoder = new TextDecoder();
  /** Whether the streaming decoder may hold the start of a split character. */
  #pending = false;

  /** The text of `bytes`, the next chunk of the body. */
  decode(bytes: Uint8Array): string {
    const endsLine = bytes.length > 0 && bytes[bytes.length - 1] === 0x0a;
    if (endsLine && !this.#pending) return this.#decoder.decode(bytes);
    // A chunk that ends on a newline leaves nothing pending, even on the streaming path.
    this.#pending = !endsLine;
    return this.#decoder.decode(bytes, { stream: true });
  }

  /** The text still pending at the body's end (a character cut short becomes U+FFFD). */
  flush(): string {
    this.#pending = false;
    return this.#decoder.decode();
  }
}
