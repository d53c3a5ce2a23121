/**
 * A tiny, safe arithmetic evaluator (+ - * / parentheses, unary minus, decimals) used to
 * compare calculator arguments by value: `"12*7"` and `"12 * 7"` are the same call.
 * No `eval`: model output is untrusted input.
 */
export function evaluateArithmetic(expression: string): number | undefined {
  let position = 0;
  const source = expression.replace(/\s+/g, '').replace(/[×x]/g, '*').replace(/÷/g, '/');
  const peek = (): string | undefined => source[position];

  function parseNumber(): number | undefined {
    const match = /^\d+(?:\.\d+)?|^\.\d+/.exec(source.slice(position));
    if (!match) return undefined;
    position += match[0].length;
    return Number(match[0]);
  }
  function parseFactor(): number | undefined {
    const char = peek();
    if (char === '-') {
      position++;
      const value = parseFactor();
      return value === undefined ? undefined : -value;
    }
    if (char === '+') {
      position++;
      return parseFactor();
    }
    if (char === '(') {
      position++;
      const value = parseSum();
      if (peek() !== ')') return undefined;
      position++;
      return value;
    }
    return parseNumber();
  }
  function parseProduct(): number | undefined {
    let value = parseFactor();
    while (value !== undefined && (peek() === '*' || peek() === '/')) {
      const operator = source[position++];
      const right = parseFactor();
      if (right === undefined) return undefined;
      value = operator === '*' ? value * right : value / right;
    }
    return value;
  }
  function parseSum(): number | undefined {
    let value = parseProduct();
    while (value !== undefined && (peek() === '+' || peek() === '-')) {
      const operator = source[position++];
      const right = parseProduct();
      if (right === undefined) return undefined;
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  }
  const result = parseSum();
  return result === undefined || position !== source.length || !Number.isFinite(result)
    ? undefined
    : result;
}
