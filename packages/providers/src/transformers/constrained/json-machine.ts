/**
 * A byte-level JSON state machine for a compiled schema: which bytes may come next, whether the
 * text so far is a complete valid value, and the fewest bytes that complete it.
 *
 * A state is a set of parser stacks (a union keeps one stack per alternative until the bytes
 * tell them apart). Stacks are immutable linked frames, so branching is cheap and a state's key
 * and completion cost are computed once per frame. The grammar is JSON without exponents and
 * with at most {@link maxWhitespace} whitespace bytes in a row: every text it accepts is JSON.
 */
import type { CompiledSchema, SchemaNode } from './schema-compile';
import { shortestNumberText } from './schema-compile';

/**
 * Longest run of whitespace between tokens of the JSON text. A bound keeps a model from padding
 * forever; it must still hold pretty-printed JSON: a newline and 2-space indents 31 levels deep
 * (16 cut a model's own valid text at depth 8, found by the property test).
 */
export const maxWhitespace = 64;
/** Most digits of an integer part, and of a fraction. */
const maxDigits = 15;

type ObjectNode = Extract<SchemaNode, { kind: 'object' }>;
type ArrayNode = Extract<SchemaNode, { kind: 'array' }>;
type StringNode = Extract<SchemaNode, { kind: 'string' }>;
type NumberNode = Extract<SchemaNode, { kind: 'number' }>;
type LiteralsNode = Extract<SchemaNode, { kind: 'literals' }>;

/**
 * The outermost frame: an optional literal before the value (`<tool_call>`), the value, an
 * optional literal after it; `repeat` allows another round after whitespace.
 */
interface RootFrame {
  t: 'root';
  phase: 'pre' | 'before' | 'after' | 'post' | 'done';
  pos: number;
  ws: number;
}
interface ObjectFrame {
  t: 'object';
  node: ObjectNode;
  /** `key`: a key frame is on top of this one and accounts for the rest of the object. */
  phase: 'open' | 'key' | 'colon' | 'value' | 'after' | 'comma';
  /** '1' per declared property already written. */
  seen: string;
  /** Property whose value comes next (-1: an additional property). */
  prop: number;
  ws: number;
}
interface KeyFrame {
  t: 'key';
  node: ObjectNode;
  seen: string;
  /** Declared names still matching the key's bytes so far. */
  candidates: number[];
  pos: number;
  esc: number;
  pending: number;
  range: number;
  guard: number;
}
interface ArrayFrame {
  t: 'array';
  node: ArrayNode;
  phase: 'open' | 'after' | 'comma';
  count: number;
  ws: number;
}
interface StringFrame {
  t: 'string';
  node: StringNode;
  length: number;
  /** 0: none; -1: after a backslash; 1-4: hex digits still due after `\u`. */
  esc: number;
  /** UTF-8 continuation bytes still due. */
  pending: number;
  /** Range of the next continuation byte after E0, ED, F0, F4 (no overlong or surrogate forms). */
  range: number;
  /** Bytes of the suffix (`</tool_call>`) the string ends with: it may never hold all of it. */
  guard: number;
}
interface NumberFrame {
  t: 'number';
  node: NumberNode;
  phase: 'start' | 'sign' | 'zero' | 'int' | 'dot' | 'frac';
  negative: boolean;
  digits: string;
  fraction: string;
}
interface LiteralFrame {
  t: 'literal';
  node: LiteralsNode;
  candidates: number[];
  pos: number;
}

type Frame =
  | RootFrame
  | ObjectFrame
  | KeyFrame
  | ArrayFrame
  | StringFrame
  | NumberFrame
  | LiteralFrame;

/** See {@link JsonMachine.stringContent}. */
export interface StringContent {
  room: number;
  due: number;
  base: number;
  names?: Uint8Array[];
  pos?: number;
}

/** Whether a token's bytes go on spelling one of a key's candidate names from `pos`. */
export function spellsName(bytes: Uint8Array, content: StringContent): boolean {
  const { names, pos = 0 } = content;
  if (!names) return false;
  for (const name of names) {
    if (bytes.length > name.length - pos) continue;
    let index = 0;
    while (index < bytes.length && name[pos + index] === bytes[index]) index++;
    if (index === bytes.length) return true;
  }
  return false;
}

/** An immutable parser stack: the top frame and the continuation under it. */
export interface Stack {
  readonly frame: Frame;
  readonly parent: Stack | undefined;
  key: string | undefined;
  cost: number | undefined;
}

/** The empty state (no stack left): shared, since dead bytes are most of a mask's steps. */
const none: Stack[] = Object.freeze([]) as unknown as Stack[];

// Every stack is made with all four fields, so memoizing `key` and `cost` later does not change
// its hidden class: stacks of one shape keep the machine's property accesses monomorphic.
function push(frame: Frame, parent: Stack | undefined): Stack {
  return { frame, parent, key: undefined, cost: undefined };
}

function one(parent: Stack | undefined, frame: Frame): Stack[] {
  return [{ frame, parent, key: undefined, cost: undefined }];
}

const isWhitespace = (byte: number): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;
const isHex = (byte: number): boolean =>
  isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
const escapable = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x75]);

const anyObject: ObjectNode = {
  kind: 'object',
  id: -1,
  names: [],
  nameBytes: [],
  values: [],
  required: [],
  additional: { kind: 'any', id: -2 },
};
const anyArray: ArrayNode = {
  kind: 'array',
  id: -3,
  items: { kind: 'any', id: -2 },
  minItems: 0,
  maxItems: Number.POSITIVE_INFINITY,
};
const anyString: StringNode = {
  kind: 'string',
  id: -4,
  minLength: 0,
  maxLength: Number.POSITIVE_INFINITY,
};
const anyNumber: NumberNode = {
  kind: 'number',
  id: -5,
  integer: false,
  minimum: Number.NEGATIVE_INFINITY,
  maximum: Number.POSITIVE_INFINITY,
};
const encoder = new TextEncoder();
const anyLiteral: LiteralsNode = {
  kind: 'literals',
  id: -6,
  values: ['true', 'false', 'null'].map((text) => encoder.encode(text)),
};

/** Byte tables of {@link JsonMachine.firstBytes}. */
function byteTable(...groups: string[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const group of groups) for (const byte of encoder.encode(group)) table[byte] = 1;
  return table;
}
const whitespaceBytes = ' \n\r\t';
/** Every byte a value of any kind may start with. */
const valueStartBytes = '{["-0123456789tfn';
const objectFirstBytes: Record<ObjectFrame['phase'], Uint8Array> = {
  open: byteTable(whitespaceBytes, '"}'),
  key: byteTable(),
  colon: byteTable(whitespaceBytes, ':'),
  value: byteTable(whitespaceBytes, valueStartBytes),
  after: byteTable(whitespaceBytes, ',}'),
  comma: byteTable(whitespaceBytes, '"'),
};
const numberFirstBytes = byteTable('-0123456789.');
const arrayFirstBytes: Record<ArrayFrame['phase'], Uint8Array> = {
  open: byteTable(whitespaceBytes, ']', valueStartBytes),
  after: byteTable(whitespaceBytes, ',]'),
  comma: byteTable(whitespaceBytes, valueStartBytes),
};

/** The byte-level machine of one compiled schema, inside an optional prefix and suffix. */
export class JsonMachine {
  readonly schema: CompiledSchema;
  readonly prefix: Uint8Array;
  readonly suffix: Uint8Array;
  readonly repeat: boolean;

  constructor(
    schema: CompiledSchema,
    options: { prefix?: string; suffix?: string; repeat?: boolean } = {},
  ) {
    this.schema = schema;
    this.prefix = encoder.encode(options.prefix ?? '');
    this.suffix = encoder.encode(options.suffix ?? '');
    this.repeat = options.repeat ?? false;
  }

  /** The state before any byte (or, with `afterPrefix`, once the prefix has been written). */
  initial(afterPrefix = false): Stack[] {
    const phase = afterPrefix || this.prefix.length === 0 ? 'before' : 'pre';
    return [push({ t: 'root', phase, pos: 0, ws: 0 }, undefined)];
  }

  /** The state after one more byte (empty: the byte leaves the grammar). */
  step(state: readonly Stack[], byte: number): Stack[] {
    if (state.length === 1) return this.#step(state[0]!, byte);
    let next: Stack[] = [];
    for (const stack of state) {
      const results = this.#step(stack, byte);
      if (results.length > 0) next = next.length === 0 ? results : next.concat(results);
    }
    return next;
  }

  /** Drops alternatives that reached the same state (done per token, not per byte: keys cost). */
  dedupe(state: Stack[]): Stack[] {
    if (state.length < 2) return state;
    const keys = new Set<string>();
    return state.filter((stack) => {
      const key = this.key(stack);
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    });
  }

  /** True when the text so far is complete: generation may end here. */
  accepts(state: readonly Stack[]): boolean {
    for (const stack of state) if (this.#accepts(stack)) return true;
    return false;
  }

  /** True when the outermost value and its suffix are written (a tool call is closed). */
  finished(state: readonly Stack[]): boolean {
    for (const stack of state) {
      const frame = stack.frame;
      if (stack.parent === undefined && frame.t === 'root' && frame.phase === 'done') return true;
    }
    return false;
  }

  /** Fewest bytes that complete the text (0 when it may end here). */
  cost(state: readonly Stack[]): number {
    let best = Number.POSITIVE_INFINITY;
    for (const stack of state) best = Math.min(best, this.#stackCost(stack));
    return best;
  }

  /**
   * When the state is inside a string (or a free object key) with nothing pending, what plain
   * string content may still be added: `room` UTF-16 units, of which `due` are still required,
   * each costing `base` plus what is still due after it. In a key that may still become a
   * declared name, `names` are the candidate names and `pos` the bytes of them written: plain
   * content that goes on spelling one of them costs what the name does; any other leaves a
   * free key.
   */
  stringContent(state: readonly Stack[]): StringContent | undefined {
    if (state.length !== 1) return undefined;
    const stack = state[0]!;
    const frame = stack.frame;
    if (frame.t !== 'string' && frame.t !== 'key') return undefined;
    if (frame.esc !== 0 || frame.pending !== 0 || frame.guard !== 0) return undefined;
    if (frame.t === 'string') {
      const due = Math.max(0, frame.node.minLength - frame.length);
      return { room: frame.node.maxLength - frame.length, due, base: this.#stackCost(stack) - due };
    }
    const { node } = frame;
    if (node.additional === undefined || node.additional.kind === 'never') return undefined;
    const base =
      2 +
      this.schema.minLength(node.additional) +
      this.#requiredRest(node, frame.seen).bytes +
      1 +
      (stack.parent ? this.#stackCost(stack.parent) : 0);
    if (frame.candidates.length === 0) return { room: Number.POSITIVE_INFINITY, due: 0, base };
    const names = frame.candidates.map((index) => node.nameBytes[index]!);
    return { room: Number.POSITIVE_INFINITY, due: 0, base, names, pos: frame.pos };
  }

  /**
   * The bytes that may follow a state, as a 256-entry table of 0/1 (a superset), for states
   * whose top frame takes every byte itself (an object or array between values); undefined
   * where any byte may. Walks of the vocabulary skip the other bytes without stepping: at the
   * trie's root that is most of a walk.
   */
  firstBytes(state: readonly Stack[]): Uint8Array | undefined {
    return state.length === 1 ? this.#firstBytes(state[0]!) : undefined;
  }

  #firstBytes(stack: Stack): Uint8Array | undefined {
    const frame = stack.frame;
    switch (frame.t) {
      case 'object':
        return objectFirstBytes[frame.phase];
      case 'array':
        return arrayFirstBytes[frame.phase];
      case 'key': {
        // A key of an object without free keys: only the next byte of a candidate name, or
        // the quote that ends one.
        const free = frame.node.additional !== undefined && frame.node.additional.kind !== 'never';
        if (free || frame.esc !== 0 || frame.pending !== 0) return undefined;
        const table = new Uint8Array(256);
        table[0x22] = 1;
        for (const index of frame.candidates) {
          const name = frame.node.nameBytes[index]!;
          if (frame.pos < name.length) table[name[frame.pos]!] = 1;
        }
        return table;
      }
      case 'number':
        return this.#orParent(numberFirstBytes, numberCanEnd(frame), stack);
      case 'literal': {
        const table = new Uint8Array(256);
        for (const index of frame.candidates) {
          const value = frame.node.values[index]!;
          if (frame.pos < value.length) table[value[frame.pos]!] = 1;
        }
        return this.#orParent(table, literalCanEnd(frame), stack);
      }
      default:
        return undefined;
    }
  }

  /** A value's own bytes, and where it may end here, those of the frame under it. */
  #orParent(own: Uint8Array, canEnd: boolean, stack: Stack): Uint8Array | undefined {
    if (!canEnd) return own;
    const parent = stack.parent ? this.#firstBytes(stack.parent) : undefined;
    if (!parent) return undefined;
    const table = new Uint8Array(256);
    for (let byte = 0; byte < 256; byte++) table[byte] = own[byte]! | parent[byte]!;
    return table;
  }

  /**
   * For a state whose top frame has whitespace written since its last token, the same state
   * without it, and how much whitespace it may still take: its tokens are the other state's,
   * but those opening with more whitespace than that.
   */
  withoutWhitespace(state: readonly Stack[]): { state: Stack[]; room: number } | undefined {
    if (state.length !== 1) return undefined;
    const { frame, parent } = state[0]!;
    if (frame.t !== 'root' && frame.t !== 'object' && frame.t !== 'array') return undefined;
    if (frame.ws === 0) return undefined;
    return { state: [push({ ...frame, ws: 0 }, parent)], room: maxWhitespace - frame.ws };
  }

  /** A string identifying the state (equal keys: equal futures). */
  stateKey(state: readonly Stack[]): string {
    if (state.length === 1) return this.key(state[0]!);
    return [...new Set(state.map((stack) => this.key(stack)))].sort().join('|');
  }

  key(stack: Stack): string {
    if (stack.key !== undefined) return stack.key;
    const own = frameKey(stack.frame);
    const key = stack.parent ? `${own};${this.key(stack.parent)}` : own;
    stack.key = key;
    return key;
  }

  #stackCost(stack: Stack): number {
    if (stack.cost !== undefined) return stack.cost;
    const cost = this.#frameCost(stack.frame) + (stack.parent ? this.#stackCost(stack.parent) : 0);
    stack.cost = cost;
    return cost;
  }

  #accepts(stack: Stack): boolean {
    const frame = stack.frame;
    switch (frame.t) {
      case 'number':
        return numberCanEnd(frame) && stack.parent !== undefined && this.#accepts(stack.parent);
      case 'literal':
        return literalCanEnd(frame) && stack.parent !== undefined && this.#accepts(stack.parent);
      case 'root':
        if (this.suffix.length === 0) return frame.phase === 'after';
        return frame.phase === 'done';
      default:
        return false;
    }
  }

  #step(stack: Stack, byte: number): Stack[] {
    const frame = stack.frame;
    const parent = stack.parent;
    switch (frame.t) {
      case 'root':
        return this.#stepRoot(frame, byte);
      case 'object':
        return this.#stepObject(frame, parent, byte);
      case 'key':
        return this.#stepKey(frame, parent!, byte);
      case 'array':
        return this.#stepArray(frame, parent, byte);
      case 'string': {
        const next = stepString(frame, byte, this.suffix);
        if (next === 'close') return parent ? [parent] : none;
        return next ? [push(next, parent)] : none;
      }
      case 'number': {
        const next = stepNumber(frame, byte);
        if (next) return [push(next, parent)];
        return numberCanEnd(frame) && parent ? this.#step(parent, byte) : none;
      }
      case 'literal': {
        const candidates = frame.candidates.filter(
          (index) => frame.node.values[index]![frame.pos] === byte,
        );
        if (candidates.length === 0)
          return literalCanEnd(frame) && parent ? this.#step(parent, byte) : none;
        const next: LiteralFrame = { ...frame, candidates, pos: frame.pos + 1 };
        // Done when no candidate goes on: the value ends with this byte.
        if (candidates.every((index) => frame.node.values[index]!.length === next.pos))
          return parent ? [parent] : none;
        return [push(next, parent)];
      }
    }
  }

  #stepRoot(frame: RootFrame, byte: number): Stack[] {
    switch (frame.phase) {
      case 'pre':
        if (this.prefix[frame.pos] !== byte) return none;
        return frame.pos + 1 === this.prefix.length
          ? one(undefined, { t: 'root', phase: 'before', pos: 0, ws: 0 })
          : one(undefined, { ...frame, pos: frame.pos + 1 });
      case 'before':
        if (isWhitespace(byte))
          return frame.ws < maxWhitespace ? one(undefined, { ...frame, ws: frame.ws + 1 }) : none;
        return this.#startValue(
          this.schema.root,
          byte,
          push({ t: 'root', phase: 'after', pos: 0, ws: 0 }, undefined),
        );
      case 'after':
        if (isWhitespace(byte))
          return frame.ws < maxWhitespace ? one(undefined, { ...frame, ws: frame.ws + 1 }) : none;
        if (this.suffix.length > 0 && this.suffix[0] === byte)
          return this.suffix.length === 1
            ? one(undefined, { t: 'root', phase: 'done', pos: 0, ws: 0 })
            : one(undefined, { t: 'root', phase: 'post', pos: 1, ws: 0 });
        return none;
      case 'post':
        if (this.suffix[frame.pos] !== byte) return none;
        return frame.pos + 1 === this.suffix.length
          ? one(undefined, { t: 'root', phase: 'done', pos: 0, ws: 0 })
          : one(undefined, { ...frame, pos: frame.pos + 1 });
      case 'done':
        if (!this.repeat) return none;
        if (isWhitespace(byte))
          return frame.ws < maxWhitespace ? one(undefined, { ...frame, ws: frame.ws + 1 }) : none;
        if (this.prefix[0] !== byte) return none;
        return this.prefix.length === 1
          ? one(undefined, { t: 'root', phase: 'before', pos: 0, ws: 0 })
          : one(undefined, { t: 'root', phase: 'pre', pos: 1, ws: 0 });
    }
  }

  #startValue(node: SchemaNode, byte: number, continuation: Stack): Stack[] {
    switch (node.kind) {
      case 'never':
        return none;
      case 'union': {
        const results: Stack[] = [];
        for (const option of node.options)
          results.push(...this.#startValue(option, byte, continuation));
        return results;
      }
      case 'any':
        if (byte === 0x7b) return this.#startValue(anyObject, byte, continuation);
        if (byte === 0x5b) return this.#startValue(anyArray, byte, continuation);
        if (byte === 0x22) return this.#startValue(anyString, byte, continuation);
        if (byte === 0x2d || isDigit(byte)) return this.#startValue(anyNumber, byte, continuation);
        return this.#startValue(anyLiteral, byte, continuation);
      case 'object':
        if (byte !== 0x7b) return none;
        return [
          push(
            {
              t: 'object',
              node,
              phase: 'open',
              seen: '0'.repeat(node.names.length),
              prop: -1,
              ws: 0,
            },
            continuation,
          ),
        ];
      case 'array':
        if (byte !== 0x5b) return none;
        return [push({ t: 'array', node, phase: 'open', count: 0, ws: 0 }, continuation)];
      case 'string':
        if (byte !== 0x22) return none;
        return [
          push(
            { t: 'string', node, length: 0, esc: 0, pending: 0, range: 0, guard: 0 },
            continuation,
          ),
        ];
      case 'number': {
        const start: NumberFrame = {
          t: 'number',
          node,
          phase: 'start',
          negative: false,
          digits: '',
          fraction: '',
        };
        const next = stepNumber(start, byte);
        return next ? [push(next, continuation)] : none;
      }
      case 'literals': {
        const frame: LiteralFrame = {
          t: 'literal',
          node,
          candidates: node.values.map((_, index) => index),
          pos: 0,
        };
        return this.#step(push(frame, continuation), byte);
      }
    }
  }

  /** Whether another key may follow in an object. */
  #moreKeys(frame: { node: ObjectNode; seen: string }): boolean {
    if (frame.node.additional && frame.node.additional.kind !== 'never') return true;
    for (let index = 0; index < frame.node.names.length; index++)
      if (frame.seen[index] === '0' && frame.node.values[index]!.kind !== 'never') return true;
    return false;
  }

  #requiredDone(frame: { node: ObjectNode; seen: string }): boolean {
    return frame.node.required.every(
      (isRequired, index) => !isRequired || frame.seen[index] === '1',
    );
  }

  #stepObject(frame: ObjectFrame, parent: Stack | undefined, byte: number): Stack[] {
    if (isWhitespace(byte))
      return frame.ws < maxWhitespace ? one(parent, { ...frame, ws: frame.ws + 1 }) : none;
    switch (frame.phase) {
      case 'open':
      case 'comma':
        if (byte === 0x22 && this.#moreKeys(frame)) {
          const key: KeyFrame = {
            t: 'key',
            node: frame.node,
            seen: frame.seen,
            candidates: frame.node.names.map((_, index) => index),
            pos: 0,
            esc: 0,
            pending: 0,
            range: 0,
            guard: 0,
          };
          return [push(key, push({ ...frame, phase: 'key', ws: 0 }, parent))];
        }
        if (byte === 0x7d && frame.phase === 'open' && this.#requiredDone(frame))
          return parent ? [parent] : none;
        return none;
      case 'key':
        return none;
      case 'colon':
        return byte === 0x3a ? one(parent, { ...frame, phase: 'value', ws: 0 }) : none;
      case 'value': {
        const node = frame.prop >= 0 ? frame.node.values[frame.prop]! : frame.node.additional!;
        const seen =
          frame.prop >= 0
            ? `${frame.seen.slice(0, frame.prop)}1${frame.seen.slice(frame.prop + 1)}`
            : frame.seen;
        return this.#startValue(
          node,
          byte,
          push({ ...frame, phase: 'after', seen, prop: -1, ws: 0 }, parent),
        );
      }
      case 'after':
        if (byte === 0x2c && this.#moreKeys(frame))
          return one(parent, { ...frame, phase: 'comma', ws: 0 });
        if (byte === 0x7d && this.#requiredDone(frame)) return parent ? [parent] : none;
        return none;
    }
  }

  #stepKey(frame: KeyFrame, parent: Stack, byte: number): Stack[] {
    const free = frame.node.additional !== undefined && frame.node.additional.kind !== 'never';
    const objectFrame = parent.frame as ObjectFrame;
    if (byte === 0x22 && frame.esc === 0 && frame.pending === 0) {
      const exact = frame.candidates.find(
        (index) => frame.node.nameBytes[index]!.length === frame.pos,
      );
      if (exact !== undefined) {
        if (frame.seen[exact] === '1' || frame.node.values[exact]!.kind === 'never') return none;
        return [push({ ...objectFrame, phase: 'colon', prop: exact, ws: 0 }, parent.parent)];
      }
      return free
        ? [push({ ...objectFrame, phase: 'colon', prop: -1, ws: 0 }, parent.parent)]
        : none;
    }
    const open = openCandidates(frame, byte, free);
    if (!free && open.length === 0) return none;
    // Plain ASCII with no escape or UTF-8 sequence open (nearly every byte of a key, and masks
    // step every key byte of the vocabulary): only the suffix guard to track.
    if (frame.esc === 0 && frame.pending === 0 && byte >= 0x20 && byte < 0x7f && byte !== 0x5c) {
      const suffix = this.suffix;
      let guard = frame.guard;
      if (suffix.length > 0) {
        guard = suffix[frame.guard] === byte ? frame.guard + 1 : suffix[0] === byte ? 1 : 0;
        if (guard === suffix.length) return none;
      }
      return [push(nextKey(frame, open, 0, 0, frame.range, guard), parent)];
    }
    // Escapes and UTF-8 are tracked for declared names too: `\"` inside a name is no end.
    const next = stepString(
      {
        t: 'string',
        node: anyString,
        length: 0,
        esc: frame.esc,
        pending: frame.pending,
        range: frame.range,
        guard: frame.guard,
      },
      byte,
      this.suffix,
    );
    if (!next || next === 'close') return none;
    const { esc, pending, range, guard } = next;
    return [push(nextKey(frame, open, esc, pending, range, guard), parent)];
  }

  #stepArray(frame: ArrayFrame, parent: Stack | undefined, byte: number): Stack[] {
    if (isWhitespace(byte))
      return frame.ws < maxWhitespace ? one(parent, { ...frame, ws: frame.ws + 1 }) : none;
    const { node } = frame;
    switch (frame.phase) {
      case 'open':
      case 'comma':
        if (byte === 0x5d && frame.phase === 'open' && node.minItems === 0)
          return parent ? [parent] : none;
        if (frame.count >= node.maxItems) return none;
        return this.#startValue(
          node.items,
          byte,
          push({ ...frame, phase: 'after', count: frame.count + 1, ws: 0 }, parent),
        );
      case 'after':
        if (byte === 0x2c && frame.count < node.maxItems)
          return one(parent, { ...frame, phase: 'comma', ws: 0 });
        if (byte === 0x5d && frame.count >= node.minItems) return parent ? [parent] : none;
        return none;
    }
  }

  #frameCost(frame: Frame): number {
    const { minLength } = this.schema;
    switch (frame.t) {
      case 'root':
        switch (frame.phase) {
          case 'pre':
            return (
              this.prefix.length - frame.pos + minLength(this.schema.root) + this.suffix.length
            );
          case 'before':
            return minLength(this.schema.root) + this.suffix.length;
          case 'after':
            return this.suffix.length;
          case 'post':
            return this.suffix.length - frame.pos;
          case 'done':
            return 0;
        }
        return 0;
      case 'object':
        return this.#objectCost(frame);
      case 'key':
        return this.#keyCost(frame);
      case 'array': {
        const { node } = frame;
        const item = minLength(node.items);
        const due = Math.max(0, node.minItems - frame.count);
        if (frame.phase === 'open') return due === 0 ? 1 : due * item + (due - 1) + 1;
        if (frame.phase === 'after') return due * (item + 1) + 1;
        const needed = Math.max(1, due);
        return needed * item + (needed - 1) + 1;
      }
      case 'string': {
        const escapeDue = frame.esc === -1 ? 1 : frame.esc;
        return frame.pending + escapeDue + Math.max(0, frame.node.minLength - frame.length) + 1;
      }
      case 'number':
        return numberCost(frame);
      case 'literal':
        if (literalCanEnd(frame)) return 0;
        return frame.candidates.reduce(
          (best, index) => Math.min(best, frame.node.values[index]!.length - frame.pos),
          Number.POSITIVE_INFINITY,
        );
    }
  }

  /** Bytes to write the required properties not yet written, each as `,"name":value`. */
  #requiredRest(node: ObjectNode, seen: string, skip = -1): { bytes: number; count: number } {
    let bytes = 0;
    let count = 0;
    for (let index = 0; index < node.names.length; index++) {
      if (index === skip || !node.required[index] || seen[index] === '1') continue;
      bytes += 1 + node.nameBytes[index]!.length + 3 + this.schema.minLength(node.values[index]!);
      count++;
    }
    return { bytes, count };
  }

  #objectCost(frame: ObjectFrame): number {
    const { node } = frame;
    const rest = this.#requiredRest(node, frame.seen);
    switch (frame.phase) {
      case 'key':
        return 0;
      case 'after':
        return rest.bytes + 1;
      case 'open':
        return rest.count > 0 ? rest.bytes - 1 + 1 : 1;
      case 'comma': {
        if (rest.count > 0) return rest.bytes - 1 + 1;
        // A comma was written: some key must follow.
        let best = node.additional ? 2 + 1 + this.schema.minLength(node.additional) : Infinity;
        for (let index = 0; index < node.names.length; index++) {
          if (frame.seen[index] === '1') continue;
          best = Math.min(
            best,
            node.nameBytes[index]!.length + 3 + this.schema.minLength(node.values[index]!),
          );
        }
        return best + 1;
      }
      case 'colon':
      case 'value': {
        const value = frame.prop >= 0 ? node.values[frame.prop]! : node.additional!;
        const after = this.#requiredRest(node, frame.seen, frame.prop);
        return (frame.phase === 'colon' ? 1 : 0) + this.schema.minLength(value) + after.bytes + 1;
      }
    }
  }

  /** Cost of a key: its rest, `:`, the value and the rest of the object (see phase `key`). */
  #keyCost(frame: KeyFrame): number {
    const { node } = frame;
    const { minLength } = this.schema;
    let best = Infinity;
    if (node.additional && node.additional.kind !== 'never') {
      const escapeDue = frame.esc === -1 ? 1 : frame.esc;
      best =
        frame.pending +
        escapeDue +
        2 +
        minLength(node.additional) +
        this.#requiredRest(node, frame.seen).bytes +
        1;
    }
    for (const index of frame.candidates) {
      if (frame.seen[index] === '1') continue;
      const cost =
        node.nameBytes[index]!.length -
        frame.pos +
        2 +
        minLength(node.values[index]!) +
        this.#requiredRest(node, frame.seen, index).bytes +
        1;
      best = Math.min(best, cost);
    }
    return best;
  }
}

/**
 * The declared names a key's next byte keeps (unseen ones only, unless any key may follow). One
 * pass, and the same array back when every name stays: masks step every key byte of the
 * vocabulary, so this is on the hot path.
 */
function openCandidates(frame: KeyFrame, byte: number, free: boolean): number[] {
  const { candidates, pos, seen } = frame;
  const names = frame.node.nameBytes;
  let kept: number[] | undefined;
  for (let slot = 0; slot < candidates.length; slot++) {
    const index = candidates[slot]!;
    const stays = names[index]![pos] === byte && (free || seen.charCodeAt(index) === 0x30);
    if (stays) kept?.push(index);
    else kept ??= candidates.slice(0, slot);
  }
  return kept ?? candidates;
}

/** A key frame one byte on; every key frame has the same fields in the same order. */
function nextKey(
  frame: KeyFrame,
  candidates: number[],
  esc: number,
  pending: number,
  range: number,
  guard: number,
): KeyFrame {
  return {
    t: 'key',
    node: frame.node,
    seen: frame.seen,
    candidates,
    pos: frame.pos + 1,
    esc,
    pending,
    range,
    guard,
  };
}

function frameKey(frame: Frame): string {
  switch (frame.t) {
    case 'root':
      return `R${frame.phase}${frame.pos},${frame.ws}`;
    case 'object':
      return `O${frame.node.id}${frame.phase}${frame.seen},${frame.prop},${frame.ws}`;
    case 'key':
      return `K${frame.node.id},${frame.seen},${frame.candidates.join('.')},${
        frame.candidates.length > 0 ? frame.pos : ''
      },${frame.esc},${frame.pending}${frame.range},${frame.guard}`;
    case 'array': {
      const { node } = frame;
      const count =
        node.maxItems === Number.POSITIVE_INFINITY
          ? Math.min(frame.count, node.minItems)
          : frame.count;
      return `A${node.id}${frame.phase}${count},${frame.ws}`;
    }
    case 'string': {
      const { node } = frame;
      const length =
        node.maxLength === Number.POSITIVE_INFINITY
          ? Math.min(frame.length, node.minLength)
          : frame.length;
      return `S${node.id},${length},${frame.esc},${frame.pending}${frame.range},${frame.guard}`;
    }
    case 'number': {
      const { node } = frame;
      const bounded =
        node.minimum !== Number.NEGATIVE_INFINITY || node.maximum !== Number.POSITIVE_INFINITY;
      const digits = bounded
        ? `${frame.digits}.${frame.fraction}`
        : `${frame.digits.length}.${frame.fraction.length}`;
      return `N${node.id}${frame.phase}${frame.negative ? '-' : ''}${digits}`;
    }
    case 'literal':
      return `L${frame.node.id},${frame.candidates.join('.')},${frame.pos}`;
  }
}

function stepString(
  frame: StringFrame,
  byte: number,
  suffix: Uint8Array,
): StringFrame | 'close' | undefined {
  const next = stepStringBytes(frame, byte);
  if (next === undefined || next === 'close' || suffix.length === 0) return next;
  // Inside a tool call the parser ends the call at the first `</tool_call>`, even in a string.
  const guard = suffix[frame.guard] === byte ? frame.guard + 1 : suffix[0] === byte ? 1 : 0;
  if (guard === suffix.length) return undefined;
  return guard === next.guard ? next : { ...next, guard };
}

function stepStringBytes(frame: StringFrame, byte: number): StringFrame | 'close' | undefined {
  const { node } = frame;
  if (frame.esc === -1) {
    if (!escapable.has(byte)) return undefined;
    return { ...frame, esc: byte === 0x75 ? 4 : 0 };
  }
  if (frame.esc > 0) return isHex(byte) ? { ...frame, esc: frame.esc - 1 } : undefined;
  if (frame.pending > 0) {
    const [low, high] = continuationRanges[frame.range]!;
    return byte >= low && byte <= high
      ? { ...frame, pending: frame.pending - 1, range: 0 }
      : undefined;
  }
  if (byte === 0x22) return frame.length >= node.minLength ? 'close' : undefined;
  if (byte < 0x20) return undefined;
  // Lengths count characters (code points), as JSON Schema defines minLength/maxLength and as
  // zod 4 and ajv measure them: a 4-byte character is 1, though JavaScript's .length says 2.
  if (frame.length + 1 > node.maxLength) return undefined;
  if (byte === 0x5c) return { ...frame, length: frame.length + 1, esc: -1 };
  if (byte < 0x80) return { ...frame, length: frame.length + 1 };
  if (byte >= 0xc2 && byte <= 0xdf) return { ...frame, length: frame.length + 1, pending: 1 };
  if (byte >= 0xe0 && byte <= 0xef) {
    const range = byte === 0xe0 ? 1 : byte === 0xed ? 2 : 0;
    return { ...frame, length: frame.length + 1, pending: 2, range };
  }
  if (byte >= 0xf0 && byte <= 0xf4) {
    const range = byte === 0xf0 ? 3 : byte === 0xf4 ? 4 : 0;
    return { ...frame, length: frame.length + 1, pending: 3, range };
  }
  return undefined;
}

// Well-formed UTF-8 (RFC 3629): the first continuation byte after E0, ED, F0 and F4 is narrower.
const continuationRanges: ReadonlyArray<readonly [number, number]> = [
  [0x80, 0xbf],
  [0xa0, 0xbf],
  [0x80, 0x9f],
  [0x90, 0xbf],
  [0x80, 0x8f],
];

const isBounded = (node: NumberNode): boolean =>
  node.minimum !== Number.NEGATIVE_INFINITY || node.maximum !== Number.POSITIVE_INFINITY;

function stepNumber(frame: NumberFrame, byte: number): NumberFrame | undefined {
  let next: NumberFrame | undefined;
  switch (frame.phase) {
    case 'start':
      if (byte === 0x2d) next = { ...frame, phase: 'sign', negative: true };
      else if (byte === 0x30) next = { ...frame, phase: 'zero', digits: '0' };
      else if (isDigit(byte)) next = { ...frame, phase: 'int', digits: String.fromCharCode(byte) };
      break;
    case 'sign':
      if (byte === 0x30) next = { ...frame, phase: 'zero', digits: '0' };
      else if (isDigit(byte)) next = { ...frame, phase: 'int', digits: String.fromCharCode(byte) };
      break;
    case 'zero':
    case 'int':
      if (frame.phase === 'int' && isDigit(byte) && frame.digits.length < maxDigits)
        next = { ...frame, digits: frame.digits + String.fromCharCode(byte) };
      else if (byte === 0x2e && !frame.node.integer) next = { ...frame, phase: 'dot' };
      break;
    case 'dot':
    case 'frac':
      if (isDigit(byte) && frame.fraction.length < maxDigits)
        next = { ...frame, phase: 'frac', fraction: frame.fraction + String.fromCharCode(byte) };
      break;
  }
  if (next && isBounded(next.node) && !numberFeasible(next)) return undefined;
  return next;
}

function numberValue(frame: NumberFrame): number {
  const text = `${frame.negative ? '-' : ''}${frame.digits || '0'}${frame.fraction ? `.${frame.fraction}` : ''}`;
  return Number(text);
}

function numberCanEnd(frame: NumberFrame): boolean {
  if (frame.phase !== 'zero' && frame.phase !== 'int' && frame.phase !== 'frac') return false;
  const value = numberValue(frame);
  return value >= frame.node.minimum && value <= frame.node.maximum;
}

/** Whether some number starting with the frame's text lies within the node's bounds. */
function numberFeasible(frame: NumberFrame): boolean {
  const { node } = frame;
  const sign = frame.negative ? -1 : 1;
  // Magnitudes in [low, high] (or [low, high) when `open`), signed, against the bounds.
  const test = (low: number, high: number, open = false): boolean => {
    if (sign > 0) {
      const lower = Math.max(low, node.minimum);
      const upper = Math.min(high, node.maximum);
      if (lower > upper || (open && lower >= high)) return false;
      return !node.integer || Math.ceil(lower) <= Math.floor(upper);
    }
    const lower = Math.max(-high, node.minimum);
    const upper = Math.min(-low, node.maximum);
    if (lower > upper || (open && upper <= -high)) return false;
    return !node.integer || Math.ceil(lower) <= Math.floor(upper);
  };
  switch (frame.phase) {
    case 'start':
      return true;
    case 'sign':
      return test(0, Number.POSITIVE_INFINITY);
    case 'zero':
      return test(0, node.integer ? 0 : 1);
    case 'int': {
      const value = Number(frame.digits);
      for (let extra = 0; frame.digits.length + extra <= maxDigits; extra++) {
        const scale = 10 ** extra;
        if (
          node.integer
            ? test(value * scale, (value + 1) * scale - 1)
            : test(value * scale, (value + 1) * scale, true)
        )
          return true;
      }
      return false;
    }
    case 'dot':
    case 'frac': {
      const low = Number(`${frame.digits}.${frame.fraction || '0'}`);
      // `2.` and `2.4` go on with at least one digit, or may end: [low, low + 10^-digits).
      return (
        test(low, low + 10 ** -frame.fraction.length, true) ||
        (frame.phase === 'frac' && test(low, low))
      );
    }
  }
}

/** Fewest bytes that end the number within bounds (0 when it may end now). */
function numberCost(frame: NumberFrame): number {
  if (numberCanEnd(frame)) return 0;
  if (frame.phase === 'start') {
    const text = shortestNumberText(frame.node);
    return text === undefined ? Infinity : text.length;
  }
  // Iterative deepening over the next bytes; feasibility pruning keeps the tree thin.
  const alphabet = [0x2e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39];
  const search = (current: NumberFrame, depth: number): boolean => {
    if (numberCanEnd(current)) return true;
    if (depth === 0) return false;
    for (const byte of alphabet) {
      const next = stepNumber(current, byte);
      if (next && search(next, depth - 1)) return true;
    }
    return false;
  };
  for (let depth = 1; depth <= 2 * maxDigits + 1; depth++) if (search(frame, depth)) return depth;
  return Infinity;
}

function literalCanEnd(frame: LiteralFrame): boolean {
  return frame.candidates.some((index) => frame.node.values[index]!.length === frame.pos);
}
