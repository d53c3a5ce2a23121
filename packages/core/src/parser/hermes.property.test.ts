import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvalidToolCall, ToolCall } from '../messages';
import { type HermesEvent, type HermesParserOptions, HermesToolCallParser } from './hermes';

interface Aggregate {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  invalidToolCalls: InvalidToolCall[];
  /** The order of events, deltas merged, so chunking cannot hide a reordering. */
  order: string[];
  eventCount: number;
}

function sequentialIds(): () => string {
  let next = 0;
  return () => `call_${next++}`;
}

/** Streams `chunks` through a fresh parser (deterministic ids) and aggregates its events. */
function run(chunks: readonly string[], options: HermesParserOptions = {}): Aggregate {
  const parser = new HermesToolCallParser({ generateId: sequentialIds(), ...options });
  const events: HermesEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.flush());
  const result: Aggregate = {
    text: '',
    reasoning: '',
    toolCalls: [],
    invalidToolCalls: [],
    order: [],
    eventCount: events.length,
  };
  for (const event of events) {
    if (result.order[result.order.length - 1] !== event.type || !event.type.endsWith('-delta'))
      result.order.push(event.type);
    switch (event.type) {
      case 'text-delta':
        expect(event.text).not.toBe('');
        result.text += event.text;
        break;
      case 'reasoning-delta':
        expect(event.text).not.toBe('');
        result.reasoning += event.text;
        break;
      case 'tool-call':
        result.toolCalls.push(event.toolCall);
        break;
      case 'tool-call-error':
        result.invalidToolCalls.push(event.invalidToolCall);
        break;
    }
  }
  return result;
}

/** What must not depend on chunking (the number of deltas may). */
function outcome({ eventCount: _eventCount, ...rest }: Aggregate): Omit<Aggregate, 'eventCount'> {
  return rest;
}

/** Splits `text` at the given code-unit offsets (any offset: inside tags, JSON, surrogate pairs). */
function split(text: string, cuts: readonly number[]): string[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let previous = 0;
  for (const offset of offsets) {
    chunks.push(text.slice(previous, offset));
    previous = offset;
  }
  chunks.push(text.slice(previous));
  return chunks;
}

// Pieces chosen to stress the tag matcher: partial tags, `<` in prose, HTML, multi-unit
// characters. Concatenated, they can also form real tags, which the generators filter out
// where a test needs well-formed input.
const fragment = fc.constantFrom(
  'a',
  'Hello',
  ' ',
  '\n',
  '<',
  '>',
  '/',
  'a < b',
  '<b>bold</b>',
  '<tool_c',
  '<tool_call',
  '</tool_call',
  '<thi',
  '<think',
  '</think',
  '</th',
  'call>',
  'nk>',
  '{"',
  '}',
  'é',
  '😀',
);
const prose = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));

const toolName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/);
const toolArguments = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 4,
});
const padding = fc.constantFrom('', '\n', ' ', '\n\n', '\t');

type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'think'; text: string }
  | { kind: 'tool-call'; source: string; name: string; arguments: Record<string, unknown> };

const textSegment = prose
  .filter((text) => text.length > 0)
  .map((text): Segment => ({ kind: 'text', text }));
const thinkSegment = prose
  .filter((text) => !text.includes('</think>'))
  .map((text): Segment => ({ kind: 'think', text }));
const toolCallSegment = fc
  .record({
    name: toolName,
    arguments: toolArguments,
    encoding: fc.constantFrom('object', 'string', 'parameters'),
    before: padding,
    after: padding,
  })
  .map(({ name, arguments: args, encoding, before, after }): Segment => {
    const payload =
      encoding === 'object'
        ? { name, arguments: args }
        : encoding === 'string'
          ? { name, arguments: JSON.stringify(args) }
          : { name, parameters: args };
    return {
      kind: 'tool-call',
      source: before + JSON.stringify(payload) + after,
      name,
      // What a JSON round trip yields (-0 becomes 0, and so on).
      arguments: JSON.parse(JSON.stringify(args)) as Record<string, unknown>,
    };
  })
  .filter((segment) => segment.kind === 'tool-call' && !segment.source.includes('</tool_call>'));

function render(segment: Segment): string {
  switch (segment.kind) {
    case 'text':
      return segment.text;
    case 'think':
      return `<think>${segment.text}</think>`;
    case 'tool-call':
      return `<tool_call>${segment.source}</tool_call>`;
  }
}

/** A well-formed reply: text, think blocks and tool calls in any order. */
const wellFormedReply = fc
  .array(fc.oneof(textSegment, thinkSegment, toolCallSegment), { maxLength: 8 })
  .map((segments) => ({ segments, reply: segments.map(render).join('') }))
  .filter(({ segments }) => {
    // Adjacent text segments may spell a tag between them; such a reply is not well formed.
    const text = segments.map((segment) => (segment.kind === 'text' ? segment.text : '|')).join('');
    return !text.includes('<tool_call>') && !text.includes('<think>');
  });

/** Any reply, including broken tool calls and unterminated blocks. */
const anyReply = fc
  .array(
    fc.oneof(
      wellFormedReply.map(({ reply }) => reply),
      prose,
      fc.constantFrom(
        '<tool_call>{"name": "broken", "arguments": {</tool_call>',
        '<tool_call>[1]</tool_call>',
        '<tool_call>{"arguments": {}}</tool_call>',
        '<tool_call>{"name": "x"',
        '<think>unterminated',
        '</think>',
        '<tool_call>',
      ),
      fc.string({ unit: 'binary', maxLength: 30 }),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

const cuts = fc.array(fc.nat(), { maxLength: 40 });
const options = fc.record(
  { parseReasoning: fc.boolean(), startInReasoning: fc.boolean() },
  { requiredKeys: [] },
);

describe('HermesToolCallParser properties', () => {
  it('gives the same result for any split of the input into chunks', () => {
    fc.assert(
      fc.property(anyReply, cuts, options, (reply, points, parserOptions) => {
        expect(outcome(run(split(reply, points), parserOptions))).toEqual(
          outcome(run([reply], parserOptions)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result streamed one code unit at a time', () => {
    fc.assert(
      fc.property(anyReply, options, (reply, parserOptions) => {
        const whole = outcome(run([reply], parserOptions));
        expect(outcome(run([...reply], parserOptions))).toEqual(whole);
        expect(outcome(run(reply.split(''), parserOptions))).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('never loses text: a well-formed reply yields its text, reasoning and calls exactly', () => {
    fc.assert(
      fc.property(wellFormedReply, cuts, ({ segments, reply }, points) => {
        const result = run(split(reply, points));
        const pick = (kind: 'text' | 'think'): string =>
          segments.map((segment) => (segment.kind === kind ? segment.text : '')).join('');
        expect(result.text).toBe(pick('text'));
        expect(result.reasoning).toBe(pick('think'));
        expect(result.invalidToolCalls).toEqual([]);
        expect(result.toolCalls.map(({ name, arguments: args }) => ({ name, args }))).toEqual(
          segments.flatMap((segment) =>
            segment.kind === 'tool-call' ? [{ name: segment.name, args: segment.arguments }] : [],
          ),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('passes text without tags through verbatim, however it is chunked', () => {
    const untagged = fc
      .oneof(prose, fc.string({ unit: 'binary' }))
      .filter((text) => !text.includes('<tool_call>'));
    fc.assert(
      fc.property(untagged, cuts, (text, points) => {
        const result = run(split(text, points), { parseReasoning: false });
        expect(result.text).toBe(text);
        expect(result.order).toEqual(text.length === 0 ? [] : ['text-delta']);
      }),
    );
  });

  it('holds back only a suffix that can still become a tag (low latency)', () => {
    const tag = '<tool_call>';
    /** The longest suffix of `text` that is a proper prefix of the tag. */
    const heldSuffix = (text: string): string => {
      for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
        if (tag.startsWith(text.slice(text.length - length))) return text.slice(-length);
      }
      return '';
    };
    fc.assert(
      fc.property(prose, cuts, (text, points) => {
        fc.pre(!text.includes(tag));
        const parser = new HermesToolCallParser({ parseReasoning: false });
        let input = '';
        let emitted = '';
        for (const chunk of split(text, points)) {
          input += chunk;
          for (const event of parser.push(chunk))
            if (event.type === 'text-delta') emitted += event.text;
          expect(emitted + heldSuffix(input)).toBe(input);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws or hangs on arbitrary strings and decoded random bytes', () => {
    const decoder = new TextDecoder();
    const arbitraryText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => decoder.decode(bytes)),
      anyReply,
    );
    fc.assert(
      fc.property(arbitraryText, cuts, options, (text, points, parserOptions) => {
        const chunks = split(text, points);
        const result = run(chunks, parserOptions);
        // Each event consumes at least one character of input, and flush adds at most two.
        expect(result.eventCount).toBeLessThanOrEqual(text.length + 2);
        // Nothing is invented: every output character came from the input.
        expect(result.text.length + result.reasoning.length).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 300 },
    );
  });
});
