import { describe, expect, it } from 'vitest';
import {
  type HermesEvent,
  type HermesParserOptions,
  HermesToolCallParser,
  createToolCallId,
  normalizeToolCallPayload,
  parseHermesText,
} from './hermes';

function sequentialIds(): () => string {
  let next = 0;
  return () => `call_${next++}`;
}

/** Streams `chunks` through a parser, returning every event in order. */
function streamEvents(chunks: readonly string[], options: HermesParserOptions = {}): HermesEvent[] {
  const parser = new HermesToolCallParser({ generateId: sequentialIds(), ...options });
  const events: HermesEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.flush());
  return events;
}

/** Merges adjacent deltas so event lists compare independently of chunking. */
function merged(events: readonly HermesEvent[]): HermesEvent[] {
  const out: HermesEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (
      last !== undefined &&
      (event.type === 'text-delta' || event.type === 'reasoning-delta') &&
      last.type === event.type
    ) {
      out[out.length - 1] = { type: event.type, text: last.text + event.text };
    } else out.push(event);
  }
  return out;
}

const qwenReply = [
  '<think>\nThe user wants the weather in Paris and Rome.\n</think>\n\n',
  'I will check both cities.\n',
  '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n',
  '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome", "unit": "c"}}\n</tool_call>',
].join('');

describe('parseHermesText', () => {
  it('parses several tool calls with text and reasoning around them, keeping text verbatim', () => {
    const result = parseHermesText(qwenReply, { generateId: sequentialIds() });
    expect(result).toEqual({
      text: '\n\nI will check both cities.\n\n',
      reasoning: '\nThe user wants the weather in Paris and Rome.\n',
      toolCalls: [
        { id: 'call_0', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_1', name: 'get_weather', arguments: { city: 'Rome', unit: 'c' } },
      ],
      invalidToolCalls: [],
    });
  });

  it('returns plain text untouched when there are no tags', () => {
    const text = '  Hello!\n  No tools needed.  \n';
    expect(parseHermesText(text)).toEqual({
      text,
      reasoning: '',
      toolCalls: [],
      invalidToolCalls: [],
    });
  });

  it('passes `<` characters that are not tags through unchanged', () => {
    const text =
      'if a < b and b <= c then <b>bold</b> <tool> <think </tool_call> </think> <<tool_call';
    expect(parseHermesText(text).text).toBe(text);
    expect(
      merged(streamEvents([...text])).map((event) =>
        event.type === 'text-delta' ? event.text : '',
      ),
    ).toEqual([text]);
  });

  it('accepts arguments given as a JSON string', () => {
    const result = parseHermesText(
      '<tool_call>{"name": "search", "arguments": "{\\"query\\": \\"tiny llm\\", \\"limit\\": 3}"}</tool_call>',
      { generateId: sequentialIds() },
    );
    expect(result.toolCalls).toEqual([
      { id: 'call_0', name: 'search', arguments: { query: 'tiny llm', limit: 3 } },
    ]);
  });

  it('accepts `parameters` as an alias of `arguments`', () => {
    const result = parseHermesText('<tool_call>{"name": "f", "parameters": {"x": 1}}</tool_call>', {
      generateId: sequentialIds(),
    });
    expect(result.toolCalls).toEqual([{ id: 'call_0', name: 'f', arguments: { x: 1 } }]);
  });

  it('turns malformed JSON into an invalid tool call that keeps the raw text and the name', () => {
    const raw = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}\n</tool_call>';
    const result = parseHermesText(`Before ${raw} after`);
    expect(result.text).toBe('Before  after');
    expect(result.toolCalls).toEqual([]);
    expect(result.invalidToolCalls).toHaveLength(1);
    expect(result.invalidToolCalls[0]).toMatchObject({ raw, name: 'get_weather' });
    expect(result.invalidToolCalls[0]!.message).toMatch(/^malformed JSON: /);
  });

  it.each([
    ['a JSON array', '[1, 2]', /must be a JSON object, got an array/, undefined],
    ['a JSON string', '"get_weather"', /must be a JSON object, got a string/, undefined],
    ['no name', '{"arguments": {}}', /has no "name"/, undefined],
    ['an empty name', '{"name": "", "arguments": {}}', /non-empty string/, undefined],
    ['a numeric name', '{"name": 7, "arguments": {}}', /non-empty string, got a number/, undefined],
    ['array arguments', '{"name": "f", "arguments": [1]}', /got an array/, 'f'],
    ['numeric arguments', '{"name": "f", "arguments": 3}', /got a number/, 'f'],
    ['null arguments', '{"name": "f", "arguments": null}', /got null/, 'f'],
    [
      'string arguments that are not JSON',
      '{"name": "f", "arguments": "{x"}',
      /not valid JSON/,
      'f',
    ],
    [
      'string arguments of a non-object',
      '{"name": "f", "arguments": "[1]"}',
      /encode a JSON object/,
      'f',
    ],
  ])('rejects a payload with %s as a tool-call error', (_label, body, message, name) => {
    const raw = `<tool_call>${body}</tool_call>`;
    const result = parseHermesText(raw);
    expect(result.toolCalls).toEqual([]);
    expect(result.invalidToolCalls).toEqual([
      { raw, message: expect.stringMatching(message), ...(name ? { name } : {}) },
    ]);
  });

  it('reports an unterminated tool call at the end with its raw text', () => {
    const result = parseHermesText('Calling.\n<tool_call>\n{"name": "get_weather", "argum');
    expect(result.text).toBe('Calling.\n');
    expect(result.invalidToolCalls).toEqual([
      {
        raw: '<tool_call>\n{"name": "get_weather", "argum',
        message: 'unterminated tool call',
        name: 'get_weather',
      },
    ]);
  });

  it('keeps reasoning of an unterminated <think> block', () => {
    expect(parseHermesText('<think>still thinking')).toEqual({
      text: '',
      reasoning: 'still thinking',
      toolCalls: [],
      invalidToolCalls: [],
    });
  });

  it('does not call tools from inside <think>', () => {
    const result = parseHermesText(
      '<think>I could use <tool_call>{"name": "x"}</tool_call></think>Done.',
    );
    expect(result.reasoning).toBe('I could use <tool_call>{"name": "x"}</tool_call>');
    expect(result.text).toBe('Done.');
    expect(result.toolCalls).toEqual([]);
  });

  it('keeps other tags inside tool-call JSON strings', () => {
    const result = parseHermesText(
      '<tool_call>{"name": "write", "arguments": {"html": "<think><b>hi</b><tool_call>"}}</tool_call>',
      { generateId: sequentialIds() },
    );
    expect(result.toolCalls).toEqual([
      { id: 'call_0', name: 'write', arguments: { html: '<think><b>hi</b><tool_call>' } },
    ]);
    expect(result.text).toBe('');
  });

  it('starts in reasoning mode when the prompt opened <think>', () => {
    const result = parseHermesText('the user said hi</think>\n\nHello!', {
      startInReasoning: true,
    });
    expect(result.reasoning).toBe('the user said hi');
    expect(result.text).toBe('\n\nHello!');
  });

  it('treats think tags as text when parseReasoning is false', () => {
    const text = '<think>hidden?</think>Hello';
    const result = parseHermesText(text, { parseReasoning: false, startInReasoning: true });
    expect(result.text).toBe(text);
    expect(result.reasoning).toBe('');
  });

  it('generates call_ ids by default', () => {
    const result = parseHermesText(
      '<tool_call>{"name": "a"}</tool_call><tool_call>{"name": "b"}</tool_call>',
    );
    const [first, second] = result.toolCalls;
    expect(first?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(second?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(first?.id).not.toBe(second?.id);
  });
});

describe('HermesToolCallParser streaming', () => {
  it('gives the same events when tags and JSON are split anywhere', () => {
    const whole = merged(streamEvents([qwenReply]));
    for (let first = 1; first < qwenReply.length; first += 7) {
      for (const second of [first + 1, first + 3, first + 11]) {
        const chunks = [
          qwenReply.slice(0, first),
          qwenReply.slice(first, second),
          qwenReply.slice(second),
        ];
        expect(merged(streamEvents(chunks))).toEqual(whole);
      }
    }
    expect(merged(streamEvents([...qwenReply]))).toEqual(whole);
  });

  it('holds back a possible tag start only while it can still become a tag', () => {
    const parser = new HermesToolCallParser({ generateId: sequentialIds() });
    expect(parser.push('Let me look <tool_c')).toEqual([
      { type: 'text-delta', text: 'Let me look ' },
    ]);
    expect(parser.push('all>{"name": "lo')).toEqual([]);
    expect(parser.push('ok"}</tool_')).toEqual([]);
    expect(parser.push('call> ok <thi')).toEqual([
      { type: 'tool-call', toolCall: { id: 'call_0', name: 'look', arguments: {} } },
      { type: 'text-delta', text: ' ok ' },
    ]);
    // `<thin` can no longer become `<think>`: released at once.
    expect(parser.push('n ice')).toEqual([{ type: 'text-delta', text: '<thin ice' }]);
    expect(parser.push('<')).toEqual([]);
    expect(parser.flush()).toEqual([{ type: 'text-delta', text: '<' }]);
  });

  it('streams reasoning incrementally, before </think> arrives', () => {
    const parser = new HermesToolCallParser();
    expect(parser.push('<think>Step one')).toEqual([{ type: 'reasoning-delta', text: 'Step one' }]);
    expect(parser.push(', step two</th')).toEqual([
      { type: 'reasoning-delta', text: ', step two' },
    ]);
    expect(parser.push('ink>Answer')).toEqual([{ type: 'text-delta', text: 'Answer' }]);
    expect(parser.flush()).toEqual([]);
  });

  it('never emits an empty delta', () => {
    const events = streamEvents([
      '<think>',
      '</think>',
      '',
      '<tool_call>',
      '{"name":"a"}',
      '</tool_call>',
    ]);
    for (const event of events) {
      if (event.type === 'text-delta' || event.type === 'reasoning-delta')
        expect(event.text.length).toBeGreaterThan(0);
    }
    expect(events.map((event) => event.type)).toEqual(['tool-call']);
  });

  it('can parse a second reply after flush', () => {
    const parser = new HermesToolCallParser({ startInReasoning: true });
    expect(parser.push('a</think>b<tool_call>{')).toEqual([
      { type: 'reasoning-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
    ]);
    expect(parser.flush()).toEqual([
      {
        type: 'tool-call-error',
        invalidToolCall: { raw: '<tool_call>{', message: 'unterminated tool call' },
      },
    ]);
    expect(parser.push('c')).toEqual([{ type: 'reasoning-delta', text: 'c' }]);
  });

  it('parses a long tool call streamed in tiny chunks without quadratic work', () => {
    const big = 'x'.repeat(2_000_000);
    const reply = `<tool_call>{"name": "store", "arguments": {"data": "${big}"}}</tool_call>`;
    const parser = new HermesToolCallParser();
    const events: HermesEvent[] = [];
    // No timed assertion (figures live in bench/): a quadratic parser, re-joining or re-scanning
    // the body on each of these 500k pushes, copies ~10^12 characters and hits the test timeout,
    // while a linear one takes well under a second.
    for (let index = 0; index < reply.length; index += 4)
      events.push(...parser.push(reply.slice(index, index + 4)));
    events.push(...parser.flush());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'tool-call', toolCall: { arguments: { data: big } } });
  });
});

describe('normalizeToolCallPayload', () => {
  it('accepts object and string arguments', () => {
    expect(normalizeToolCallPayload({ name: 'f', arguments: { a: 1 } })).toEqual({
      name: 'f',
      arguments: { a: 1 },
    });
    expect(normalizeToolCallPayload({ name: 'f', arguments: '{"a":1}' })).toEqual({
      name: 'f',
      arguments: { a: 1 },
    });
  });

  it('treats missing or blank arguments as no arguments', () => {
    expect(normalizeToolCallPayload({ name: 'now' })).toEqual({ name: 'now', arguments: {} });
    expect(normalizeToolCallPayload({ name: 'now', arguments: ' ' })).toEqual({
      name: 'now',
      arguments: {},
    });
  });

  it('prefers arguments over parameters', () => {
    expect(
      normalizeToolCallPayload({ name: 'f', arguments: { a: 1 }, parameters: { b: 2 } }),
    ).toEqual({
      name: 'f',
      arguments: { a: 1 },
    });
  });

  it('unwraps the OpenAI function shape', () => {
    expect(
      normalizeToolCallPayload({ type: 'function', function: { name: 'f', arguments: '{"a":1}' } }),
    ).toEqual({ name: 'f', arguments: { a: 1 } });
  });

  it.each([null, 3, 'f', [], true])('rejects %j', (value) => {
    expect(normalizeToolCallPayload(value)).toEqual({ error: expect.any(String) });
  });
});

describe('createToolCallId', () => {
  it('returns distinct call_ ids of 24 base62 characters', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createToolCallId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^call_[0-9A-Za-z]{24}$/);
  });
});
