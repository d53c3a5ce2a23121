import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalDecoder, StopSequenceFilter } from './token-decoder';

// A byte-level vocabulary like GPT-2/Qwen's: each token is a byte string, and a character may
// span tokens. Token 0 is "special" and decodes to nothing (like <|im_end|> when skipped).
const encoder = new TextEncoder();
const vocabulary: Uint8Array[] = [
  new Uint8Array(),
  ...['a', 'b', ' ', 'hello', ' world', '\n', '<tool_call>', '{"x": 1}'].map((text) =>
    encoder.encode(text),
  ),
  // "é" (C3 A9), "東" (E6 9D B1) and "🙂" (F0 9F 99 82) split into single bytes.
  ...[0xc3, 0xa9, 0xe6, 0x9d, 0xb1, 0xf0, 0x9f, 0x99, 0x82].map((byte) => Uint8Array.of(byte)),
  encoder.encode('é'),
];

const decodeBytes = (ids: number[]): string => {
  const bytes = ids.flatMap((id) => [...vocabulary[id]!]);
  return new TextDecoder().decode(Uint8Array.from(bytes));
};

describe('IncrementalDecoder', () => {
  it('streams "helloé 東🙂" split mid-character without replacement characters', () => {
    const ids = [4, 9, 10, 3, 11, 12, 13, 14, 15, 16, 17];
    const decoder = new IncrementalDecoder(decodeBytes);
    const deltas = ids.map((id) => decoder.push(id));
    expect(deltas.join('') + decoder.flush()).toBe(decodeBytes(ids));
    expect(deltas.some((delta) => delta.includes('\uFFFD'))).toBe(false);
    // The split "é" appears only once its second byte has arrived.
    expect(deltas[1]).toBe('');
    expect(deltas[2]).toBe('é');
  });

  it('property: the deltas always add up to decoding the whole sequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: vocabulary.length - 1 }), { maxLength: 60 }),
        (ids) => {
          const decoder = new IncrementalDecoder(decodeBytes);
          let text = '';
          for (const id of ids) text += decoder.push(id);
          text += decoder.flush();
          expect(text).toBe(decodeBytes(ids));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes a bounded window per token (no quadratic re-decoding)', () => {
    let decodedTokens = 0;
    const decoder = new IncrementalDecoder((ids) => {
      decodedTokens += ids.length;
      return decodeBytes(ids);
    });
    for (let index = 0; index < 1000; index++) decoder.push(1);
    expect(decodedTokens).toBeLessThan(5000);
  });
});

describe('StopSequenceFilter', () => {
  it('cuts at the first stop sequence even when it is split across chunks', () => {
    const filter = new StopSequenceFilter(['STOP', '\n\n']);
    const out = ['Hello ST', 'O', 'P and more'].map((chunk) => filter.push(chunk));
    expect(out.join('') + filter.flush()).toBe('Hello ');
    expect(filter.stopped).toBe(true);
    expect(filter.push('after')).toBe('');
  });

  it('passes text through unchanged without stop sequences', () => {
    const filter = new StopSequenceFilter();
    expect(filter.push('abc')).toBe('abc');
    expect(filter.flush()).toBe('');
  });

  it('waits for a longer stop that starts before a complete shorter one', () => {
    // Found by the property below: "x" is complete in "ax", but "ax " starts earlier.
    const filter = new StopSequenceFilter(['ax ', 'x']);
    expect(filter.push('ax') + filter.push(' ') + filter.flush()).toBe('');
    const other = new StopSequenceFilter(['ax ', 'x']);
    expect(other.push('ax') + other.push('b') + other.flush()).toBe('a');
  });

  it('property: output is the text before the earliest stop, however the text is chunked', () => {
    const alphabet = fc.constantFrom('a', 'b', 'x', 'y', ' ');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: alphabet, maxLength: 8 }), { maxLength: 12 }),
        fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        (chunks, stops) => {
          const filter = new StopSequenceFilter(stops);
          let out = '';
          for (const chunk of chunks) out += filter.push(chunk);
          out += filter.flush();
          const whole = chunks.join('');
          const cuts = stops.map((stop) => whole.indexOf(stop)).filter((index) => index >= 0);
          expect(out).toBe(cuts.length === 0 ? whole : whole.slice(0, Math.min(...cuts)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
