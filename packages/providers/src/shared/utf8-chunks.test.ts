import { describe, expect, it } from 'vitest';
import { Utf8ChunkDecoder } from './utf8-chunks';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Decodes `text` cut at every byte offset in `cuts`. */
function decodeCut(text: string, cuts: number[]): string {
  const all = bytes(text);
  const decoder = new Utf8ChunkDecoder();
  let out = '';
  let start = 0;
  for (const cut of [...cuts, all.length]) {
    out += decoder.decode(all.subarray(start, cut));
    start = cut;
  }
  return out + decoder.flush();
}

describe('Utf8ChunkDecoder', () => {
  const text = 'data: {"content":"héllo 👋 wörld"}\n\ndata: {"content":"日本"}\n\n';

  it('gives the same text for every way of cutting the body into two or three chunks', () => {
    const length = bytes(text).length;
    for (let first = 0; first <= length; first++) {
      expect(decodeCut(text, [first])).toBe(text);
      for (let second = first; second <= length; second += 7)
        expect(decodeCut(text, [first, second])).toBe(text);
    }
  });

  it('joins a character split across chunks when the next chunk ends a line', () => {
    // 👋 is four bytes: cut after its first byte, and the rest arrives with the newline.
    const frame = 'a👋\n';
    const cut = bytes('a').length + 1;
    expect(decodeCut(frame, [cut])).toBe(frame);
  });

  it('turns a character cut short at the end of the body into U+FFFD', () => {
    const decoder = new Utf8ChunkDecoder();
    expect(decoder.decode(bytes('ok 👋').subarray(0, 5))).toBe('ok ');
    expect(decoder.flush()).toBe('\uFFFD');
  });
});
