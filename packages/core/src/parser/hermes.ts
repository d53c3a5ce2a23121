/**
 * The Hermes tool-call parser: turns the text a tool-use model emits (Qwen3, Hermes and their
 * fine-tunes) into text, reasoning and tool-call events.
 *
 * Those models write tool calls as text:
 *
 * ```text
 * <think>The user wants the weather.</think>
 * Let me check.
 * <tool_call>
 * {"name": "get_weather", "arguments": {"city": "Paris"}}
 * </tool_call>
 * ```
 *
 * Text semantics are deliberately simple: the text is everything outside the tags, verbatim
 * (including the newlines around tool calls). The parser never trims; consumers trim for display.
 */
import type { InvalidToolCall, ToolCall } from '../messages';

/** Options of {@link HermesToolCallParser} and {@link parseHermesText}. */
export interface HermesParserOptions {
  /** Parse `<think>…</think>` into reasoning (default true). When false, think tags are text. */
  parseReasoning?: boolean;
  /**
   * The prompt already opened a `<think>` block (Qwen3 thinking templates do): start in reasoning
   * mode. Without it, such a reply's reasoning and its closing `</think>` arrive as text, since a
   * lone `</think>` in text is not treated as a tag.
   */
  startInReasoning?: boolean;
  /** Id generator for tool calls (default: {@link createToolCallId}). */
  generateId?: () => string;
}

/** One event of the parser. Deltas are never empty. */
export type HermesEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'tool-call-error'; invalidToolCall: InvalidToolCall };

/** The aggregated result of {@link parseHermesText}. */
export interface HermesParseResult {
  /** Everything outside the tags, verbatim (not trimmed). */
  text: string;
  /** Everything inside `<think>` blocks, verbatim. */
  reasoning: string;
  toolCalls: ToolCall[];
  invalidToolCalls: InvalidToolCall[];
}

const toolCallOpen = '<tool_call>';
const toolCallClose = '</tool_call>';
const thinkOpen = '<think>';
const thinkClose = '</think>';

type Mode = 'text' | 'reasoning' | 'tool-call';

// The tags each mode listens for. Inside reasoning only `</think>` counts, so a model that
// thinks aloud about `<tool_call>` does not call a tool; inside a tool call only
// `</tool_call>` counts, so JSON strings may contain any other tag.
const textTagsWithReasoning: readonly string[] = [toolCallOpen, thinkOpen];
const textTagsWithoutReasoning: readonly string[] = [toolCallOpen];
const reasoningTags: readonly string[] = [thinkClose];
const toolCallTags: readonly string[] = [toolCallClose];

/**
 * An incremental parser of Hermes-style tool calls. Feed it the model's output with
 * {@link HermesToolCallParser.push} as chunks arrive (tags and JSON may be split anywhere),
 * then call {@link HermesToolCallParser.flush} once at the end.
 *
 * Tags are recognized by mode: in text, `<tool_call>` and `<think>`; inside `<think>`, only
 * `</think>` (a model musing about `<tool_call>` calls nothing); inside a tool call, only
 * `</tool_call>` (JSON strings may contain any other tag). Everything else is text, verbatim.
 *
 * Text that may still become a tag (a chunk ending in `<tool_c`) is held back; everything else
 * is emitted at once. Each push does work proportional to the chunk (plus at most one tag's
 * length held from the previous chunk), so a whole stream parses in O(n).
 *
 * @example
 * ```ts
 * const parser = new HermesToolCallParser();
 * for await (const chunk of tokens) for (const event of parser.push(chunk)) handle(event);
 * for (const event of parser.flush()) handle(event);
 * ```
 */
export class HermesToolCallParser {
  readonly #parseReasoning: boolean;
  readonly #startInReasoning: boolean;
  readonly #generateId: () => string;
  #mode: Mode;
  /** A suffix of the input that may be the start of a tag, at most one tag long. */
  #held = '';
  /** The body of the open tool call, in pieces: joined once when the call closes. */
  #toolCallParts: string[] = [];

  constructor(options: HermesParserOptions = {}) {
    this.#parseReasoning = options.parseReasoning ?? true;
    this.#startInReasoning = options.startInReasoning ?? false;
    this.#generateId = options.generateId ?? createToolCallId;
    this.#mode = this.#initialMode();
  }

  /** Parses the next chunk of model output and returns the events it completes. */
  push(chunk: string): HermesEvent[] {
    if (chunk.length === 0) return [];
    // Most chunks of a reply are plain text: no '<', nothing held back, so no tag can start or
    // end in them. One `indexOf` and the event, instead of the tag search below (this runs once
    // per token of every stream that parses tool calls).
    if (this.#held.length === 0 && this.#mode !== 'tool-call' && chunk.indexOf('<') === -1)
      return [
        this.#mode === 'text'
          ? { type: 'text-delta', text: chunk }
          : { type: 'reasoning-delta', text: chunk },
      ];
    const events: HermesEvent[] = [];
    // `held` is at most one tag long, so this concatenation is O(chunk), not O(stream).
    const data = this.#held.length === 0 ? chunk : this.#held + chunk;
    this.#held = '';
    let position = 0;
    while (position < data.length) {
      const tags = this.#tagsOfMode();
      const index = findTag(data, position, tags);
      this.#consume(data, position, index, events);
      const tag = matchedTag;
      if (tag === undefined) {
        // No complete tag: whatever is after `index` may still become one.
        if (index < data.length) this.#held = data.slice(index);
        break;
      }
      this.#enterTag(tag, events);
      position = index + tag.length;
    }
    return events;
  }

  /**
   * Ends the input: emits held-back text and reports an unterminated tool call. The parser is
   * then reset and can parse a new reply.
   */
  flush(): HermesEvent[] {
    const events: HermesEvent[] = [];
    const held = this.#held;
    this.#held = '';
    this.#consume(held, 0, held.length, events);
    if (this.#mode === 'tool-call') {
      const body = this.#takeToolCallBody();
      // An unterminated <think> needs nothing here: its content was already streamed.
      events.push({
        type: 'tool-call-error',
        invalidToolCall: withName(
          { raw: toolCallOpen + body, message: 'unterminated tool call' },
          guessName(body),
        ),
      });
    }
    this.#mode = this.#initialMode();
    return events;
  }

  #initialMode(): Mode {
    return this.#parseReasoning && this.#startInReasoning ? 'reasoning' : 'text';
  }

  #tagsOfMode(): readonly string[] {
    switch (this.#mode) {
      case 'text':
        return this.#parseReasoning ? textTagsWithReasoning : textTagsWithoutReasoning;
      case 'reasoning':
        return reasoningTags;
      case 'tool-call':
        return toolCallTags;
    }
  }

  /** Routes `data[start, end)` to the current mode's output. */
  #consume(data: string, start: number, end: number, events: HermesEvent[]): void {
    if (end <= start) return;
    const piece = start === 0 && end === data.length ? data : data.slice(start, end);
    switch (this.#mode) {
      case 'text':
        appendDelta(events, 'text-delta', piece);
        break;
      case 'reasoning':
        appendDelta(events, 'reasoning-delta', piece);
        break;
      case 'tool-call':
        this.#toolCallParts.push(piece);
        break;
    }
  }

  #enterTag(tag: string, events: HermesEvent[]): void {
    switch (tag) {
      case toolCallOpen:
        this.#mode = 'tool-call';
        this.#toolCallParts = [];
        break;
      case thinkOpen:
        this.#mode = 'reasoning';
        break;
      case thinkClose:
        this.#mode = 'text';
        break;
      case toolCallClose: {
        this.#mode = 'text';
        const body = this.#takeToolCallBody();
        events.push(this.#toolCallEvent(body));
        break;
      }
    }
  }

  #takeToolCallBody(): string {
    const parts = this.#toolCallParts;
    this.#toolCallParts = [];
    return parts.length === 1 ? parts[0]! : parts.join('');
  }

  #toolCallEvent(body: string): HermesEvent {
    // `raw` is the whole call as the model wrote it, tags included, so a consumer can show it or
    // put it back into the text and lose nothing.
    const raw = (): string => toolCallOpen + body + toolCallClose;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        type: 'tool-call-error',
        invalidToolCall: withName(
          { raw: raw(), message: `malformed JSON: ${reason}` },
          guessName(body),
        ),
      };
    }
    const payload = normalizeToolCallPayload(value);
    if ('error' in payload) {
      const name = isRecord(value) && typeof value['name'] === 'string' ? value['name'] : undefined;
      return {
        type: 'tool-call-error',
        invalidToolCall: withName({ raw: raw(), message: payload.error }, name),
      };
    }
    return {
      type: 'tool-call',
      toolCall: { id: this.#generateId(), name: payload.name, arguments: payload.arguments },
    };
  }
}

/** Parses a whole reply at once. Same semantics as streaming it through {@link HermesToolCallParser}. */
export function parseHermesText(text: string, options?: HermesParserOptions): HermesParseResult {
  const parser = new HermesToolCallParser(options);
  const textParts: string[] = [];
  const reasoningParts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const invalidToolCalls: InvalidToolCall[] = [];
  for (const event of [...parser.push(text), ...parser.flush()]) {
    switch (event.type) {
      case 'text-delta':
        textParts.push(event.text);
        break;
      case 'reasoning-delta':
        reasoningParts.push(event.text);
        break;
      case 'tool-call':
        toolCalls.push(event.toolCall);
        break;
      case 'tool-call-error':
        invalidToolCalls.push(event.invalidToolCall);
        break;
    }
  }
  return {
    text: textParts.join(''),
    reasoning: reasoningParts.join(''),
    toolCalls,
    invalidToolCalls,
  };
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random tool-call id: `call_` and 24 base62 characters (about 143 bits). */
export function createToolCallId(): string {
  let id = 'call_';
  let needed = 24;
  while (needed > 0) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    for (const byte of bytes) {
      // Rejection sampling: 248 = 4 × 62, so bytes below it map uniformly onto base62.
      if (byte >= 248) continue;
      id += base62[byte % 62];
      if (--needed === 0) break;
    }
  }
  return id;
}

/**
 * Normalizes one tool-call payload: `{ name, arguments }` where `arguments` is an object or a
 * JSON string of an object. Also accepts `parameters` as an alias of `arguments` (some
 * fine-tunes emit it) and the OpenAI shape `{ type: 'function', function: { name, arguments } }`.
 * Missing arguments (or an empty string) mean `{}`: models often omit them for tools without
 * parameters, and argument validation against the tool's schema happens later anyway.
 */
export function normalizeToolCallPayload(
  value: unknown,
): { name: string; arguments: Record<string, unknown> } | { error: string } {
  if (!isRecord(value)) {
    return { error: `tool call must be a JSON object, got ${describe(value)}` };
  }
  if (value['name'] === undefined && isRecord(value['function'])) {
    return normalizeToolCallPayload(value['function']);
  }
  const name = value['name'];
  if (typeof name !== 'string' || name.length === 0) {
    return {
      error:
        name === undefined
          ? 'tool call has no "name"'
          : `tool call "name" must be a non-empty string, got ${describe(name)}`,
    };
  }
  const rawArguments = value['arguments'] !== undefined ? value['arguments'] : value['parameters'];
  if (rawArguments === undefined) return { name, arguments: {} };
  if (isRecord(rawArguments)) return { name, arguments: rawArguments };
  if (typeof rawArguments === 'string') {
    if (/^\s*$/.test(rawArguments)) return { name, arguments: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawArguments);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { error: `tool call "arguments" is a string but not valid JSON: ${reason}` };
    }
    if (isRecord(parsed)) return { name, arguments: parsed };
    return { error: `tool call "arguments" must encode a JSON object, got ${describe(parsed)}` };
  }
  return {
    error: `tool call "arguments" must be an object or a JSON string, got ${describe(rawArguments)}`,
  };
}

// The tag `findTag` matched, returned beside the index instead of in a fresh object per call:
// this runs once per streamed chunk.
let matchedTag: string | undefined;

/**
 * The index of the first complete tag at or after `from` (stored in `matchedTag`), else where a
 * possible partial tag starts (`matchedTag` undefined), else `data.length`.
 */
function findTag(data: string, from: number, tags: readonly string[]): number {
  matchedTag = undefined;
  // Every tag starts with '<' and has no other '<', so jumping from '<' to '<' with indexOf
  // (native, fast) visits each character once.
  let index = data.indexOf('<', from);
  while (index !== -1) {
    for (const tag of tags) {
      if (data.startsWith(tag, index)) {
        matchedTag = tag;
        return index;
      }
    }
    if (isPartialTag(data, index, tags)) return index;
    index = data.indexOf('<', index + 1);
  }
  return data.length;
}

/** True when `data[index…]` runs to the end and is a proper prefix of one of `tags`. */
function isPartialTag(data: string, index: number, tags: readonly string[]): boolean {
  const length = data.length - index;
  for (const tag of tags) {
    if (length >= tag.length) continue;
    let matches = true;
    // Offset 0 is the '<' the caller found.
    for (let offset = 1; offset < length; offset++) {
      if (data.charCodeAt(index + offset) !== tag.charCodeAt(offset)) {
        matches = false;
        break;
      }
    }
    if (matches) return true;
  }
  return false;
}

/** Pushes a delta, merging it into the previous event when that is a delta of the same kind. */
function appendDelta(
  events: HermesEvent[],
  type: 'text-delta' | 'reasoning-delta',
  text: string,
): void {
  if (text.length === 0) return;
  const last = events[events.length - 1];
  if (last !== undefined && last.type === type) last.text += text;
  else events.push({ type, text });
}

// Best effort, so the tool loop can tell the model which call was broken.
const namePattern = /"name"\s*:\s*"((?:[^"\\\n]|\\.){1,200})"/;

function guessName(body: string): string | undefined {
  return namePattern.exec(body)?.[1];
}

function withName(invalid: InvalidToolCall, name: string | undefined): InvalidToolCall {
  return name === undefined || name.length === 0 ? invalid : { ...invalid, name };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
