import { formatPath } from './paths';

/** A syntax error located in the source text. */
export interface JsonSyntaxError {
  /** Plain-language description, e.g. "Trailing comma before "}"". */
  message: string;
  /** 0-based offset in the text. */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Result of {@link scanJson}. */
export interface JsonScan {
  /** The first syntax error, if the text is not valid JSON. */
  error?: JsonSyntaxError;
  /** Offset of each member key / array element, by formatted path (`training.batch_size`). */
  positions: Map<string, number>;
  /** Keys that appear twice in one object: JSON.parse keeps the last silently. */
  duplicates: Array<{ path: string; offset: number }>;
}

class ScanFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/*
 * A strict RFC 8259 scanner. Written here rather than taken from a library because we need
 * three things JSON.parse does not give on Node 20 — a line/column, a message aimed at people
 * who hand-edit JSON (trailing commas, comments, single quotes, Python's True/None), and key
 * positions to point schema errors at a line — and a dependency for ~150 lines is not worth it.
 * It only locates; values still come from JSON.parse.
 */
class Scanner {
  index = 0;
  readonly positions = new Map<string, number>();
  readonly duplicates: Array<{ path: string; offset: number }> = [];

  constructor(private readonly text: string) {}

  run(): void {
    this.value('');
    this.whitespace();
    if (this.index < this.text.length) {
      this.fail(
        'Unexpected text after the end of the JSON value; is there an extra "}" or "]", or two values?',
      );
    }
  }

  private fail(message: string, offset = this.index): never {
    throw new ScanFailure(message, offset);
  }

  private whitespace(): void {
    const text = this.text;
    while (this.index < text.length) {
      const char = text[this.index];
      if (char === ' ' || char === '\n' || char === '\r' || char === '\t') this.index++;
      else if (char === '/' && (text[this.index + 1] === '/' || text[this.index + 1] === '*'))
        this.fail('Comments are not allowed in JSON; remove it.');
      else return;
    }
  }

  private value(path: string): void {
    this.whitespace();
    const char = this.text[this.index];
    if (char === undefined) this.fail('Unexpected end of the file: a value is missing.');
    if (char === '{') this.object(path);
    else if (char === '[') this.array(path);
    else if (char === '"') this.string();
    else if (char === '-' || (char >= '0' && char <= '9')) this.number();
    else if (char === "'") this.fail('Strings must use double quotes ("…"), not single quotes.');
    else if (/[A-Za-z_$]/.test(char)) this.word();
    else this.fail(`Unexpected ${show(char)} where a value was expected.`);
  }

  private object(path: string): void {
    this.index++;
    const seen = new Set<string>();
    let afterComma = false;
    for (;;) {
      this.whitespace();
      const char = this.text[this.index];
      if (char === '}') {
        if (afterComma)
          this.fail('Trailing comma before "}": remove the last comma.', this.lastComma());
        this.index++;
        return;
      }
      if (char === undefined) this.fail('Unexpected end of the file: a "}" is missing.');
      if (char === "'")
        this.fail('Property names must use double quotes ("…"), not single quotes.');
      if (char !== '"') {
        const word = /^[A-Za-z_$][\w$-]*/.exec(this.text.slice(this.index, this.index + 100))?.[0];
        if (word !== undefined) this.fail(`Property names must be in double quotes: "${word}".`);
        this.fail(`Expected a property name in double quotes, found ${show(char)}.`);
      }
      const keyOffset = this.index;
      const key = this.string();
      // Paths are built as strings one level at a time: formatting the whole path at every
      // level would be quadratic in the nesting depth.
      const segment = formatPath([key]);
      const keyPath =
        path === '' || segment.startsWith('[') ? path + segment : `${path}.${segment}`;
      if (seen.has(key)) this.duplicates.push({ path: keyPath, offset: keyOffset });
      seen.add(key);
      this.positions.set(keyPath, keyOffset);
      this.whitespace();
      if (this.text[this.index] !== ':')
        this.fail(`Expected ":" after the property name "${key}".`);
      this.index++;
      this.value(keyPath);
      this.whitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        afterComma = true;
        continue;
      }
      if (next === '}') {
        this.index++;
        return;
      }
      if (next === undefined) this.fail('Unexpected end of the file: a "}" is missing.');
      this.fail(`Expected "," or "}" after the value of "${key}"; is a comma missing?`);
    }
  }

  private array(path: string): void {
    this.index++;
    let afterComma = false;
    for (let element = 0; ; element++) {
      this.whitespace();
      const char = this.text[this.index];
      if (char === ']') {
        if (afterComma)
          this.fail('Trailing comma before "]": remove the last comma.', this.lastComma());
        this.index++;
        return;
      }
      if (char === undefined) this.fail('Unexpected end of the file: a "]" is missing.');
      const elementPath = `${path}[${element}]`;
      this.positions.set(elementPath, this.index);
      this.value(elementPath);
      this.whitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        afterComma = true;
        continue;
      }
      if (next === ']') {
        this.index++;
        return;
      }
      if (next === undefined) this.fail('Unexpected end of the file: a "]" is missing.');
      this.fail('Expected "," or "]" after a list item; is a comma missing?');
    }
  }

  private lastComma(): number {
    return this.text.lastIndexOf(',', this.index);
  }

  private string(): string {
    const start = this.index;
    const text = this.text;
    this.index++;
    while (this.index < text.length) {
      const char = text[this.index]!;
      if (char === '"') {
        this.index++;
        return JSON.parse(text.slice(start, this.index)) as string;
      }
      if (char === '\\') {
        const escaped = text[this.index + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.index + 2, this.index + 6)))
            this.fail('Invalid \\u escape: it needs four hex digits.');
          this.index += 6;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) this.index += 2;
        else
          this.fail(
            `Invalid escape "\\${escaped ?? ''}" in a string; write a backslash as "\\\\".`,
          );
        continue;
      }
      if (char < ' ')
        this.fail(
          'Line breaks and control characters must be escaped inside strings (e.g. "\\n"); is a closing quote missing?',
        );
      this.index++;
    }
    return this.fail('Unterminated string: the closing double quote is missing.', start);
  }

  private number(): void {
    const pattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    pattern.lastIndex = this.index;
    const match = pattern.exec(this.text);
    if (match === null) this.fail('Invalid number.');
    const end = this.index + match[0].length;
    const next = this.text[end];
    if (next !== undefined && /[0-9.eExX]/.test(next)) {
      this.fail(
        match[0] === '0' || match[0] === '-0'
          ? 'Numbers cannot have leading zeros.'
          : 'Invalid number.',
      );
    }
    this.index = end;
  }

  private word(): void {
    const word = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.index, this.index + 100))?.[0] ?? '';
    if (word === 'true' || word === 'false' || word === 'null') {
      this.index += word.length;
      return;
    }
    if (word === 'True' || word === 'False' || word === 'None')
      this.fail(`${word} is Python; JSON writes true, false and null in lower case.`);
    if (word === 'NaN' || word === 'Infinity') this.fail(`${word} is not a valid JSON number.`);
    this.fail(`Unexpected word "${word}": strings must be in double quotes.`);
  }
}

function show(char: string): string {
  return char.trim() === ''
    ? `character U+${char.charCodeAt(0).toString(16).padStart(4, '0')}`
    : `"${char}"`;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Scans JSON text: the first syntax error with its line and column, key positions, and
 * duplicate keys. Never throws; nesting too deep for the stack gives an empty result.
 */
export function scanJson(text: string): JsonScan {
  const scanner = new Scanner(text);
  try {
    scanner.run();
  } catch (failure) {
    if (failure instanceof ScanFailure) {
      const offset = Math.min(failure.offset, text.length);
      return {
        error: { message: failure.message, offset, ...lineColumn(text, offset) },
        positions: scanner.positions,
        duplicates: scanner.duplicates,
      };
    }
    return { positions: new Map(), duplicates: [] };
  }
  return { positions: scanner.positions, duplicates: scanner.duplicates };
}
