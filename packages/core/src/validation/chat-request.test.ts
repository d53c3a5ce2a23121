import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../define-model';
import { TinyLLMError } from '../errors';
import { chatRequestSchema } from '../schemas/messages';
import { checkChatRequest } from './chat-request';

const valid = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Oslo?' },
    {
      role: 'assistant',
      content: '',
      reasoning: 'r',
      toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Oslo' } }],
    },
    { role: 'tool', toolCallId: 'c1', toolName: 'get_weather', content: '{}', isError: false },
  ],
  tools: [{ name: 'get_weather', description: 'd', parameters: { type: 'object' } }],
  toolChoice: { type: 'tool', name: 'get_weather' },
  responseFormat: { type: 'json', schema: { type: 'object' }, name: 'w', strict: true },
  providerOptions: { ollama: { keep_alive: '5m' } },
  maxOutputTokens: 64,
  temperature: 0.5,
  topP: 1,
  topK: 40,
  stop: ['\n\n'],
  seed: 7,
};

function issueAt(request: unknown): { path: string; message: string } | undefined {
  return checkChatRequest(request)[0];
}

describe('checkChatRequest', () => {
  it('accepts a request using every field', () => {
    expect(checkChatRequest(valid)).toEqual([]);
    expect(chatRequestSchema.safeParse(valid).success).toBe(true);
  });

  it('names an unknown top-level key and suggests the right one', () => {
    expect(issueAt({ ...valid, response_format: { type: 'json' } })).toEqual({
      path: 'response_format',
      message: 'unknown key "response_format" (did you mean "responseFormat"?)',
    });
    expect(issueAt({ ...valid, max_tokens: 5 })?.message).toContain('"maxOutputTokens"');
    expect(issueAt({ ...valid, temprature: 1 })?.message).toContain('"temperature"');
    expect(issueAt({ ...valid, banana: 1 })?.message).toBe('unknown key "banana"');
  });

  it('names unknown keys inside messages, tool calls and formats', () => {
    const request = {
      messages: [{ role: 'assistant', content: '', tool_calls: [] }],
    };
    expect(issueAt(request)).toEqual({
      path: 'messages[0].tool_calls',
      message: 'unknown key "tool_calls" (did you mean "toolCalls"?)',
    });
    expect(
      issueAt({ ...valid, responseFormat: { type: 'json', jsonSchema: {} } })?.message,
    ).toContain('did you mean "schema"');
  });

  it('keeps provider options, arguments and JSON Schemas free-form', () => {
    const request = {
      messages: [
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'a', name: 'b', arguments: { anything: { goes: 1 } } }],
        },
      ],
      providerOptions: { x: { whatever: true } },
      responseFormat: { type: 'json', schema: { 'x-custom': 1 } },
    };
    expect(checkChatRequest(request)).toEqual([]);
  });

  it('parseChatRequest throws INVALID_REQUEST with the path, the suggestion and every issue', () => {
    try {
      parseChatRequest({ messages: [{ role: 'user', content: 1 }], tool_choice: 'auto' });
      expect.unreachable();
    } catch (error) {
      expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
      const typed = error as TinyLLMError;
      expect(typed.path).toBe('messages[0].content');
      expect(typed.details?.issues).toEqual([
        { path: 'messages[0].content', message: 'expected a string, received number' },
        { path: 'tool_choice', message: 'unknown key "tool_choice" (did you mean "toolChoice"?)' },
      ]);
    }
  });
});

// Mutations of a valid request, each of which zod's schema (the source of the types) may
// accept or reject: the hand-written validator must reach the same verdict every time.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 100 }),
  fc.double({ min: -3, max: 3 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2.5),
  fc.string({ maxLength: 4 }),
  fc.constantFrom('', 'user', 'assistant', 'tool', 'system', 'auto', 'json', 'text', 'bad name'),
  fc.constant([]),
  fc.constant({}),
  fc.constant([{ role: 'user', content: 'x' }]),
);

function setAt(target: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = (
    Array.isArray(target)
      ? [...target]
      : typeof target === 'object' && target !== null
        ? { ...target }
        : {}
  ) as Record<string | number, unknown>;
  copy[head!] = setAt(copy[head!], rest, value);
  return copy;
}

const paths: ReadonlyArray<ReadonlyArray<string | number>> = [
  [],
  ['messages'],
  ['messages', 0],
  ['messages', 0, 'role'],
  ['messages', 0, 'content'],
  ['messages', 1, 'extra'],
  ['messages', 2, 'toolCalls'],
  ['messages', 2, 'toolCalls', 0, 'id'],
  ['messages', 2, 'toolCalls', 0, 'arguments'],
  ['messages', 3, 'toolCallId'],
  ['messages', 3, 'isError'],
  ['tools'],
  ['tools', 0, 'name'],
  ['tools', 0, 'parameters'],
  ['toolChoice'],
  ['toolChoice', 'type'],
  ['responseFormat'],
  ['responseFormat', 'type'],
  ['responseFormat', 'schema'],
  ['responseFormat', 'strict'],
  ['providerOptions'],
  ['providerOptions', 'ollama'],
  ['maxOutputTokens'],
  ['temperature'],
  ['topP'],
  ['topK'],
  ['stop'],
  ['stop', 0],
  ['seed'],
  ['unknownKey'],
];

describe('checkChatRequest agrees with chatRequestSchema', () => {
  it('on random mutations of a valid request', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { minLength: 1, maxLength: 3 }),
        (mutations) => {
          let request: unknown = valid;
          for (const [path, value] of mutations) request = setAt(request, path, value);
          const zodAccepts = chatRequestSchema.safeParse(request).success;
          expect(checkChatRequest(request).length === 0).toBe(zodAccepts);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
