import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath, getAtPath, parsePath, setAtPath } from './paths';

describe('paths', () => {
  it('formats and parses', () => {
    expect(formatPath(['training', 'lora_r'])).toBe('training.lora_r');
    expect(formatPath(['tools', 0, 'name'])).toBe('tools[0].name');
    expect(formatPath(['a.b', 'c d'])).toBe('["a.b"]["c d"]');
    expect(parsePath('tools[0].name')).toEqual(['tools', 0, 'name']);
    expect(parsePath('["a.b"].c')).toEqual(['a.b', 'c']);
    for (const bad of ['', 'a.', '.a', 'a..b', 'a[', 'a[x]', 'a["x"'])
      expect(parsePath(bad)).toBeUndefined();
  });

  it('parse(format(path)) is the identity (property)', () => {
    const segment = fc.oneof(fc.string({ minLength: 1 }), fc.nat({ max: 1000 }));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        expect(parsePath(formatPath(segments))).toEqual(segments);
      }),
    );
  });

  it('setAtPath copies along the path and leaves the input unchanged', () => {
    const root = { a: { b: 1 }, c: { d: 2 } };
    const next = setAtPath(root, ['a', 'b'], 5) as typeof root;
    expect(next).toEqual({ a: { b: 5 }, c: { d: 2 } });
    expect(root.a.b).toBe(1);
    expect(next.c).toBe(root.c);
    expect(getAtPath(setAtPath({}, ['x', 0, 'y'], 1), ['x', 0, 'y'])).toBe(1);
    expect(setAtPath({ list: [1, 2, 3] }, ['list', 1], undefined)).toEqual({ list: [1, 3] });
  });
});
