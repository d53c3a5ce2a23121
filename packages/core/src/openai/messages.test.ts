import { describe, expect, it } from 'vitest';
import type { Message } from '../messages';
import type { OpenAIChatMessage } from './message-types';
import { fromOpenAIMessages, toOpenAIMessages } from './messages';

const conversation: Message[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Weather in Oslo?' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo' } }],
  },
  { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: '{"c":-3}' },
  { role: 'assistant', content: 'It is -3 °C.' },
];

const openai: OpenAIChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Weather in Oslo?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"c":-3}' },
  { role: 'assistant', content: 'It is -3 °C.' },
];

describe('OpenAI message converters', () => {
  it('converts to the OpenAI shape', () => {
    expect(toOpenAIMessages(conversation)).toEqual(openai);
  });

  it('converts back, recovering tool names from the calls they answer', () => {
    expect(fromOpenAIMessages(openai)).toEqual(conversation);
    expect(fromOpenAIMessages(toOpenAIMessages(conversation))).toEqual(conversation);
  });

  it('reads developer messages, text parts and reasoning_content', () => {
    expect(
      fromOpenAIMessages([
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: 'x', reasoning_content: 'because' },
      ]),
    ).toEqual([
      { role: 'system', content: 'ab' },
      { role: 'assistant', content: 'x', reasoning: 'because' },
    ]);
    expect(
      toOpenAIMessages([{ role: 'assistant', content: 'x', reasoning: 'r' }], {
        includeReasoning: true,
      }),
    ).toEqual([{ role: 'assistant', content: 'x', reasoning_content: 'r' }]);
  });

  it('names the path of what cannot be converted', () => {
    expect(() =>
      fromOpenAIMessages([
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', path: '[0].content[0].type' }));
    expect(() =>
      fromOpenAIMessages([
        {
          role: 'assistant',
          tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }],
        },
      ]),
    ).toThrow(expect.objectContaining({ path: '[0].tool_calls[0].function.arguments' }));
    expect(() => fromOpenAIMessages([{ role: 'tool', tool_call_id: 'nope', content: '' }])).toThrow(
      expect.objectContaining({ path: '[0].tool_call_id' }),
    );
  });

  it("puts the caller's path in front of every error path, as a server names `messages[i]`", () => {
    expect(() =>
      fromOpenAIMessages([{ role: 'tool', tool_call_id: 'nope', content: '' }], {
        path: 'messages',
      }),
    ).toThrow(expect.objectContaining({ path: 'messages[0].tool_call_id' }));
  });

  it('reads refusal parts as text (an assistant refusal sent back)', () => {
    expect(
      fromOpenAIMessages([
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
      ]),
    ).toEqual([{ role: 'assistant', content: 'I cannot.' }]);
  });
});
