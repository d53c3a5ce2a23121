import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer } from '@huggingface/transformers';
import {
  ByteLevelDecoder,
  type ByteLevelToken,
  IncrementalDecoder,
  StopSequenceFilter,
  byteLevelDecoderFor,
} from './token-decoder';
import { fixtureDir } from './test-fixture';

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

// The same vocabulary as a byte-level table: token 0 is special (skipped), and one added token.
const addedToken = '<tool_call>';
const tableToken = (id: number): ByteLevelToken =>
  id === 0 ? undefined : id === 7 ? addedToken : vocabulary[id];
const tableAscii = (id: number): string | undefined => {
  const token = tableToken(id);
  return token instanceof Uint8Array && token.every((byte) => byte < 0x80)
    ? String.fromCharCode(...token)
    : undefined;
};

describe('ByteLevelDecoder', () => {
  it('streams characters split across tokens without replacement characters', () => {
    const decoder = new ByteLevelDecoder(tableToken, tableAscii);
    const deltas = [4, 9, 10, 3, 11, 12, 13].map((id) => decoder.push(id));
    expect(deltas).toEqual(['hello', '', 'é', ' ', '', '', '東']);
    expect(decoder.flush()).toBe('');
  });

  it('property: the deltas add up to the incremental decoder on the same ids', () => {
    // Decoding a run of bytes the way the tokenizer does: added tokens end the byte run.
    const decodeAll = (ids: number[]): string => {
      let text = '';
      let run: number[] = [];
      const end = () => {
        text += decodeBytes(run);
        run = [];
      };
      for (const id of ids) {
        const token = tableToken(id);
        if (token === undefined) continue;
        if (typeof token === 'string') {
          end();
          text += token;
        } else run.push(id);
      }
      end();
      return text;
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: vocabulary.length - 1 }), { maxLength: 60 }),
        (ids) => {
          const decoder = new ByteLevelDecoder(tableToken, tableAscii);
          let text = '';
          for (const id of ids) text += decoder.push(id);
          expect(text + decoder.flush()).toBe(decodeAll(ids));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('byteLevelDecoderFor (the fixture tokenizer)', async () => {
  const tokenizer = await AutoTokenizer.from_pretrained(fixtureDir, { local_files_only: true });
  const vocabSize = (tokenizer as unknown as { _tokenizer: { model: { vocab: unknown[] } } })
    ._tokenizer.model.vocab.length;

  it('takes the fast path for a byte-level BPE tokenizer', () => {
    expect(byteLevelDecoderFor(tokenizer)).toBeTypeOf('function');
  });

  it('property: gives exactly what tokenizer.decode gives, for any ids', () => {
    const create = byteLevelDecoderFor(tokenizer)!;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: vocabSize - 1 }), { maxLength: 40 }),
        (ids) => {
          const decoder = create();
          let text = '';
          for (const id of ids) text += decoder.push(id);
          text += decoder.flush();
          const expected =
            ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: true });
          expect(text).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips text in several scripts, tool-call markup and special tokens', () => {
    const text = 'naïve café Zürich 東京 🙂 <tool_call>\n{"name": "x"}\n</tool_call><|im_end|>';
    const ids = Array.from(
      tokenizer(text, { add_special_tokens: false }).input_ids.data as BigInt64Array,
      Number,
    );
    const decoder = byteLevelDecoderFor(tokenizer)!();
    const deltas = ids.map((id) => decoder.push(id));
    expect(deltas.join('') + decoder.flush()).toBe(text.replace('<|im_end|>', ''));
    expect(deltas.some((delta) => delta.includes('\uFFFD'))).toBe(false);
  });

  it('falls back (undefined) for tokenizers it cannot prove it matches', () => {
    // No byte-level internals at all.
    expect(byteLevelDecoderFor({ decode: () => '' })).toBeUndefined();
    // Byte-level internals, but a decode that post-processes text: the self-check refuses.
    const shouting = Object.assign(Object.create(tokenizer), {
      decode: (ids: number[], options?: { skip_special_tokens?: boolean }) =>
        tokenizer.decode(ids, options).toUpperCase(),
    });
    expect(byteLevelDecoderFor(shouting)).toBeUndefined();
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
