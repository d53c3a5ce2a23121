/**
 * JSON Schema → the small grammar the decoding automaton walks. Only keywords that shape which
 * JSON texts are valid byte by byte are compiled; the rest are reported so the caller can refuse
 * them (`strict`) or leave them to validation after generation.
 */
import { TinyLLMError } from '@tinyllm/core';

/** A node of the compiled grammar. `id` is unique per compiled schema (it keys automaton states). */
export type SchemaNode =
  | { kind: 'any'; id: number }
  | { kind: 'never'; id: number }
  | {
      kind: 'object';
      id: number;
      /** Property names, and their JSON-escaped bytes (what the key must spell). */
      names: string[];
      nameBytes: Uint8Array[];
      values: SchemaNode[];
      required: boolean[];
      /** Schema of other keys, or undefined when `additionalProperties: false`. */
      additional: SchemaNode | undefined;
    }
  | { kind: 'array'; id: number; items: SchemaNode; minItems: number; maxItems: number }
  | { kind: 'string'; id: number; minLength: number; maxLength: number }
  | { kind: 'number'; id: number; integer: boolean; minimum: number; maximum: number }
  /** `enum`, `const`, `boolean` and `null`: the canonical JSON texts allowed. */
  | { kind: 'literals'; id: number; values: Uint8Array[] }
  | { kind: 'union'; id: number; options: SchemaNode[] };

/** A compiled schema: the root node and the keywords it could not enforce. */
export interface CompiledSchema {
  root: SchemaNode;
  /** Keywords left to validation after generation, as `path: keyword`. */
  unenforced: string[];
  /** Shortest JSON text of each node, in bytes. */
  minLength(node: SchemaNode): number;
}

/** Keywords the automaton enforces (with `nullable` from OpenAPI). */
export const enforcedKeywords = [
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  '$ref',
  '$defs',
  'definitions',
  'nullable',
] as const;

// Annotations: they never change which values are valid.
const annotations = new Set([
  'title',
  'description',
  'default',
  'examples',
  '$schema',
  '$id',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
const enforced = new Set<string>(enforcedKeywords);

const encoder = new TextEncoder();
/** The UTF-8 bytes of a value's canonical JSON text. */
export const jsonBytes = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Options of {@link compileSchema}. */
export interface CompileOptions {
  /** Refuse keywords the automaton cannot enforce (INVALID_REQUEST naming the first). */
  strict?: boolean;
  /** Field name for error messages, e.g. `responseFormat.schema`. */
  path?: string;
}

/** Compiles a JSON Schema (object or boolean) to the automaton's grammar. */
export function compileSchema(schema: unknown, options: CompileOptions = {}): CompiledSchema {
  const basePath = options.path ?? 'schema';
  const unenforced: string[] = [];
  const resolving = new Set<string>();
  const byRef = new Map<string, SchemaNode>();
  const rootSchema = schema;

  const fail = (path: string, message: string): never => {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `${basePath}${path}: ${message}`,
      path: `${basePath}${path}`,
      retryable: false,
    });
  };

  const resolveRef = (ref: string, path: string): SchemaNode => {
    const cached = byRef.get(ref);
    if (cached) return cached;
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const defs =
      match && typeof rootSchema === 'object' && rootSchema !== null
        ? (rootSchema as Record<string, unknown>)[match[1]!]
        : undefined;
    const name = match?.[2]?.replace(/~1/g, '/').replace(/~0/g, '~');
    const target =
      name !== undefined && typeof defs === 'object' && defs !== null
        ? (defs as Record<string, unknown>)[name]
        : undefined;
    if (target === undefined) return fail(path, `$ref "${ref}" does not point into $defs.`);
    if (resolving.has(ref)) {
      // A recursive schema has no finite automaton; accept any JSON there (validated afterwards).
      if (options.strict) return fail(path, `recursive $ref "${ref}" is not supported.`);
      unenforced.push(`${path}: $ref (recursive)`);
      return { kind: 'any', id: nextId++ };
    }
    resolving.add(ref);
    const node = compile(target, `${path}(${ref})`);
    resolving.delete(ref);
    byRef.set(ref, node);
    return node;
  };

  const compile = (value: unknown, path: string): SchemaNode => {
    if (value === true) return { kind: 'any', id: nextId++ };
    if (value === false) return { kind: 'never', id: nextId++ };
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return fail(path, 'a schema must be an object or a boolean.');
    const s = value as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (enforced.has(key) || annotations.has(key)) continue;
      if (options.strict)
        fail(
          `${path}.${key}`,
          `the keyword "${key}" cannot be enforced while decoding (supported: ${enforcedKeywords.join(', ')}).`,
        );
      unenforced.push(`${path || '(root)'}: ${key}`);
    }
    if (typeof s['$ref'] === 'string') return resolveRef(s['$ref'], path);
    let node = compileCore(s, path);
    if (s['nullable'] === true) {
      node = { kind: 'union', id: nextId++, options: [node, literals([null])] };
    }
    return node;
  };

  const literals = (values: readonly unknown[]): SchemaNode => ({
    kind: 'literals',
    id: nextId++,
    values: values.map(jsonBytes),
  });

  const compileCore = (s: Record<string, unknown>, path: string): SchemaNode => {
    if ('const' in s) return literals([s['const']]);
    if (Array.isArray(s['enum'])) return literals(s['enum']);
    const alternatives =
      (Array.isArray(s['anyOf']) ? s['anyOf'] : undefined) ??
      (Array.isArray(s['oneOf']) ? s['oneOf'] : undefined);
    if (alternatives) {
      if (Array.isArray(s['anyOf']) === false)
        // oneOf is enforced as anyOf: exclusivity is left to validation.
        unenforced.push(`${path || '(root)'}: oneOf (exclusivity)`);
      const options = alternatives.map((entry, index) =>
        compile(entry, `${path}.${Array.isArray(s['anyOf']) ? 'anyOf' : 'oneOf'}[${index}]`),
      );
      return options.length === 1 ? options[0]! : { kind: 'union', id: nextId++, options };
    }
    const type = s['type'];
    if (Array.isArray(type)) {
      const options = type.map((entry) => compileType(String(entry), s, path));
      return options.length === 1 ? options[0]! : { kind: 'union', id: nextId++, options };
    }
    if (typeof type === 'string') return compileType(type, s, path);
    if ('properties' in s || 'required' in s || 'additionalProperties' in s)
      return compileType('object', s, path);
    if ('items' in s || 'minItems' in s || 'maxItems' in s) return compileType('array', s, path);
    return { kind: 'any', id: nextId++ };
  };

  const bound = (s: Record<string, unknown>, key: string, path: string): number | undefined => {
    const raw = s[key];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'number' || !Number.isFinite(raw))
      return fail(`${path}.${key}`, 'must be a finite number.');
    return raw;
  };

  const compileType = (type: string, s: Record<string, unknown>, path: string): SchemaNode => {
    switch (type) {
      case 'null':
        return literals([null]);
      case 'boolean':
        return literals([true, false]);
      case 'string':
        return {
          kind: 'string',
          id: nextId++,
          minLength: Math.max(0, Math.ceil(bound(s, 'minLength', path) ?? 0)),
          maxLength: Math.floor(bound(s, 'maxLength', path) ?? Number.POSITIVE_INFINITY),
        };
      case 'number':
      case 'integer':
        return {
          kind: 'number',
          id: nextId++,
          integer: type === 'integer',
          minimum: bound(s, 'minimum', path) ?? Number.NEGATIVE_INFINITY,
          maximum: bound(s, 'maximum', path) ?? Number.POSITIVE_INFINITY,
        };
      case 'array': {
        const items = s['items'];
        if (Array.isArray(items))
          fail(`${path}.items`, 'tuple items (an array) are not supported.');
        return {
          kind: 'array',
          id: nextId++,
          items:
            items === undefined ? { kind: 'any', id: nextId++ } : compile(items, `${path}.items`),
          minItems: Math.max(0, Math.ceil(bound(s, 'minItems', path) ?? 0)),
          maxItems: Math.floor(bound(s, 'maxItems', path) ?? Number.POSITIVE_INFINITY),
        };
      }
      case 'object': {
        const properties = (s['properties'] ?? {}) as Record<string, unknown>;
        if (typeof properties !== 'object' || properties === null || Array.isArray(properties))
          fail(`${path}.properties`, 'must be an object.');
        const required = new Set(
          Array.isArray(s['required'])
            ? s['required'].filter((name): name is string => typeof name === 'string')
            : [],
        );
        const additionalRaw = s['additionalProperties'];
        const additional =
          additionalRaw === false
            ? undefined
            : additionalRaw === undefined || additionalRaw === true
              ? ({ kind: 'any', id: nextId++ } as SchemaNode)
              : compile(additionalRaw, `${path}.additionalProperties`);
        const names = Object.keys(properties);
        const values = names.map((name) => compile(properties[name], `${path}.properties.${name}`));
        // A required key without a property schema takes the schema of other keys.
        for (const name of required) {
          if (names.includes(name)) continue;
          names.push(name);
          values.push(additional ?? { kind: 'any', id: nextId++ });
        }
        return {
          kind: 'object',
          id: nextId++,
          names,
          nameBytes: names.map((name) => jsonBytes(name).subarray(1, -1)),
          values,
          required: names.map((name) => required.has(name)),
          additional,
        };
      }
      default:
        return fail(`${path}.type`, `unknown type "${type}".`);
    }
  };

  const root = compile(schema, '');
  if (!Number.isFinite(minLength(root)))
    fail(
      '',
      'no JSON value is valid for this schema (for example a required property whose schema is false).',
    );
  return { root, unenforced, minLength };
}

/**
 * The grammar of a Hermes tool call's JSON, `{"name": …, "arguments": …}`, for these tools: one
 * alternative per tool, so the arguments must be valid for the schema of the name written.
 */
export function compileToolCalls(
  tools: ReadonlyArray<{ name: string; parameters: unknown }>,
  options: CompileOptions = {},
): CompiledSchema {
  const unenforced: string[] = [];
  const options_ = tools.map((tool, index): SchemaNode => {
    const parameters = compileSchema(tool.parameters, {
      ...options,
      path: `${options.path ?? 'tools'}[${index}].parameters`,
    });
    unenforced.push(...parameters.unenforced.map((entry) => `${tool.name}: ${entry}`));
    const names = ['name', 'arguments'];
    return {
      kind: 'object',
      id: nextId++,
      names,
      nameBytes: names.map((name) => jsonBytes(name).subarray(1, -1)),
      values: [{ kind: 'literals', id: nextId++, values: [jsonBytes(tool.name)] }, parameters.root],
      required: [true, true],
      additional: undefined,
    };
  });
  const root: SchemaNode =
    options_.length === 1 ? options_[0]! : { kind: 'union', id: nextId++, options: options_ };
  return { root, unenforced, minLength };
}

// Node ids are unique across every compiled schema, so grammars built from several schemas
// (one per tool) never mix up their states.
let nextId = 0;

const lengths = new WeakMap<SchemaNode, number>();
/** Shortest JSON text of a node, in bytes (Infinity: no valid value). */
export function minLength(node: SchemaNode): number {
  const known = lengths.get(node);
  if (known !== undefined) return known;
  const length = computeMinLength(node, minLength);
  lengths.set(node, length);
  return length;
}

function computeMinLength(node: SchemaNode, minLength: (node: SchemaNode) => number): number {
  switch (node.kind) {
    case 'any':
      return 1; // 0
    case 'never':
      return Number.POSITIVE_INFINITY;
    case 'literals':
      return node.values.reduce((best, bytes) => Math.min(best, bytes.length), Infinity);
    case 'string':
      return node.minLength > node.maxLength ? Infinity : 2 + node.minLength;
    case 'number': {
      const text = shortestNumberText(node);
      return text === undefined ? Infinity : text.length;
    }
    case 'array':
      if (node.minItems > node.maxItems) return Infinity;
      return node.minItems === 0
        ? 2
        : 2 + node.minItems * minLength(node.items) + (node.minItems - 1);
    case 'object': {
      let total = 2;
      let count = 0;
      node.required.forEach((isRequired, index) => {
        if (!isRequired) return;
        total += node.nameBytes[index]!.length + 3 + minLength(node.values[index]!);
        count++;
      });
      return total + Math.max(0, count - 1);
    }
    case 'union':
      return node.options.reduce((best, option) => Math.min(best, minLength(option)), Infinity);
  }
}

/** The shortest number text within a number node's bounds, or undefined when there is none. */
export function shortestNumberText(node: {
  integer: boolean;
  minimum: number;
  maximum: number;
}): string | undefined {
  const { minimum, maximum, integer } = node;
  if (minimum > maximum) return undefined;
  if (minimum <= 0 && maximum >= 0) return '0';
  const low = Math.ceil(minimum);
  const high = Math.floor(maximum);
  if (low <= high) return String(minimum > 0 ? low : high);
  if (integer) return undefined;
  const text = String(minimum > 0 ? minimum : maximum);
  return /e/i.test(text) ? undefined : text;
}
