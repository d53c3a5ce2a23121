import { TinyLLMError } from '@tinyllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChatCompletionRequest } from './to-chat-request';

const user = { role: 'user', content: 'What is 12 * 7?' };

function refusal(body: unknown): TinyLLMError {
  try {
    parseChatCompletionRequest(body);
  } catch (error) {
    if (TinyLLMError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseChatCompletionRequest', () => {
  it('maps sampling, length, stop, seed and streaming fields', () => {
    const parsed = parseChatCompletionRequest({
      model: 'm',
      messages: [{ role: 'developer', content: 'Be brief.' }, user],
      max_completion_tokens: 64,
      max_tokens: 10,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(parsed).toEqual({
      model: 'm',
      stream: true,
      includeUsage: true,
      request: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is 12 * 7?' },
        ],
        maxOutputTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        stop: ['END'],
        seed: 7,
      },
    });
  });

  it('maps tools, tool_choice and a tool round trip (tool name from the call id)', () => {
    const parsed = parseChatCompletionRequest({
      model: 'm',
      messages: [
        user,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'calculator', arguments: '{"expression":"12 * 7"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"result":84}' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'calculator', parameters: { type: 'object', properties: {} } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'calculator' } },
    });
    expect(parsed.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'calculator', arguments: { expression: '12 * 7' } }],
      },
      { role: 'tool', toolCallId: 'call_1', toolName: 'calculator', content: '{"result":84}' },
    ]);
    expect(parsed.request.toolChoice).toEqual({ type: 'tool', name: 'calculator' });
    expect(parsed.request.tools?.[0]?.name).toBe('calculator');
  });

  it('maps response_format json_schema to the agreed responseFormat shape', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } } };
    const parsed = parseChatCompletionRequest({
      model: 'm',
      messages: [user],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema, strict: true },
      },
    });
    expect(parsed.request.responseFormat).toEqual({
      type: 'json',
      name: 'answer',
      schema,
      strict: true,
    });
    expect(
      parseChatCompletionRequest({
        model: 'm',
        messages: [user],
        response_format: { type: 'json_object' },
      }).request.responseFormat,
    ).toEqual({ type: 'json' });
  });

  it('joins text parts and refuses image parts by path', () => {
    const parsed = parseChatCompletionRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    expect(parsed.request.messages[0]).toEqual({ role: 'user', content: 'ab' });
    const error = refusal({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
    });
    expect(error.path).toBe('messages[0].content[0].type');
  });

  it.each([
    [{ model: 'm', messages: [user], temperature: 3 }, 'temperature'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ messages: [user] }, 'model'],
    [{ model: 'm', messages: [user], n: 2 }, 'n'],
    [
      { model: 'm', messages: [{ role: 'tool', tool_call_id: 'x', content: 'r' }] },
      'messages[0].tool_call_id',
    ],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      },
      'messages[0].tool_calls[0].function.arguments',
    ],
    [
      { model: 'm', messages: [user], tool_choice: { type: 'function', function: { name: 'x' } } },
      'tool_choice',
    ],
    [{ model: 'm', messages: [user], max_tokens: 0 }, 'max_tokens'],
  ])('refuses %j naming %s', (body, path) => {
    const error = refusal(body);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.path).toBe(path);
  });

  it('gives a result or an INVALID_REQUEST for any JSON body, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          parseChatCompletionRequest(body);
        } catch (error) {
          expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
        }
      }),
    );
  });
});
