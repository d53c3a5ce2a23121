import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineColumn, scanJson } from './json-text';

const errorOf = (text: string) => scanJson(text).error;

describe('scanJson', () => {
  it.each([
    ['{"a": 1,}', 'Trailing comma before "}"', 1, 8],
    ['[1, 2,]', 'Trailing comma before "]"', 1, 6],
    ['{"a": 1 // note\n}', 'Comments are not allowed', 1, 9],
    ["{'a': 1}", 'double quotes', 1, 2],
    ['{a: 1}', 'Property names must be in double quotes: "a"', 1, 2],
    ['{"a": True}', 'True is Python', 1, 7],
    ['{"a": None}', 'None is Python', 1, 7],
    ['{"a": NaN}', 'NaN is not a valid JSON number', 1, 7],
    ['{"a": 1\n "b": 2}', 'is a comma missing', 2, 2],
    ['{"a": "x', 'Unterminated string', 1, 7],
    ['{"a": "line\nbreak"}', 'Line breaks', 1, 12],
    ['{"a": 01}', 'leading zeros', 1, 7],
    ['{"a": {"b": 1}', 'a "}" is missing', 1, 15],
    ['', 'a value is missing', 1, 1],
    ['{} {}', 'after the end', 1, 4],
    ['{"a": "\\x"}', 'Invalid escape', 1, 8],
    ['{"a": hello}', 'strings must be in double quotes', 1, 7],
  ])('%j → %s at %i:%i', (text, message, line, column) => {
    const error = errorOf(text);
    expect(error?.message).toContain(message);
    expect([error?.line, error?.column]).toEqual([line, column]);
  });

  it('records key positions and duplicate keys', () => {
    const text = '{\n  "a": {"b": [10, {"c": 1}]},\n  "a": 2\n}';
    const scan = scanJson(text);
    expect(scan.error).toBeUndefined();
    expect(lineColumn(text, scan.positions.get('a.b[1].c')!)).toEqual({ line: 2, column: 20 });
    expect(scan.duplicates).toEqual([{ path: 'a', offset: text.lastIndexOf('"a"') }]);
  });

  it('agrees with JSON.parse on what is valid (property)', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', ' ', '0', '/', "'", '\\', 'x', '\n'),
        fc.boolean(),
      )
      .map(([json, at, insert, remove]) => {
        const index = json.length === 0 ? 0 : at % json.length;
        return json.slice(0, index) + insert + json.slice(index + (remove ? 1 : 0));
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const error = scanJson(text).error;
        expect(error === undefined).toBe(valid);
        if (error !== undefined) {
          expect(error.offset).toBeGreaterThanOrEqual(0);
          expect(error.offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('does not crash on nesting deeper than the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(() => scanJson(deep)).not.toThrow();
  });
});
