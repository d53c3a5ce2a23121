/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

const identifier = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Formats segments as `training.batch_size` / `tools[0].name`; odd keys become `["a.b"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && identifier.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * Parses a path written as {@link formatPath} writes it. Returns undefined for malformed paths,
 * so the CLI can report `--set` mistakes instead of setting a garbage key.
 */
export function parsePath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let index = 0;
  while (index < path.length) {
    const char = path[index];
    if (char === '[') {
      const close = path.indexOf(']', index);
      if (close === -1) return undefined;
      const inner = path.slice(index + 1, close);
      if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else if (inner.startsWith('"')) {
        // A quoted key may contain `]`, so find the closing quote by parsing as JSON.
        const end = findQuotedEnd(path, index + 1);
        if (end === undefined || path[end + 1] !== ']') return undefined;
        segments.push(JSON.parse(path.slice(index + 1, end + 1)) as string);
        index = end + 2;
        if (path[index] === '.') index++;
        continue;
      } else return undefined;
      index = close + 1;
      if (path[index] === '.') index++;
      continue;
    }
    let end = index;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    const key = path.slice(index, end);
    if (key === '') return undefined;
    segments.push(key);
    index = end;
    if (path[index] === '.') {
      index++;
      if (index === path.length) return undefined;
    }
  }
  return segments.length === 0 ? undefined : segments;
}

function findQuotedEnd(text: string, start: number): number | undefined {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '"') return index;
  }
  return undefined;
}

/** True for plain JSON objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the value at `segments`, or undefined when any step is missing. */
export function getAtPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    }
  }
  return current;
}

/**
 * Returns a copy of `root` with `value` at `segments` (undefined removes the key), copying only
 * the objects along the path: the builder is immutable, and structural sharing keeps each step
 * cheap. Missing containers are created (an array when the next segment is an index).
 */
export function setAtPath(
  root: unknown,
  segments: readonly PathSegment[],
  value: unknown,
): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const copy: unknown[] = Array.isArray(root) ? [...root] : [];
    if (rest.length === 0 && value === undefined) {
      copy.splice(head, 1);
      return copy;
    }
    copy[head] = setAtPath(copy[head], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  if (rest.length === 0 && value === undefined) {
    delete copy[head];
    return copy;
  }
  // defineProperty, not assignment: a key named `__proto__` (from a CLI `--set`) must become
  // an own property, never the object's prototype.
  Object.defineProperty(copy, head, {
    value: setAtPath(Object.hasOwn(copy, head) ? copy[head] : undefined, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}
