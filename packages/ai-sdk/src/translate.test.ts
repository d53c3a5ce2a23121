import { TinyLLMError } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { toChatRequest } from './call-options';
import { toMessages, toolResultContent } from './prompt';
import { v2, v3 } from './spec-version';
import { PartWriter } from './stream-parts';

describe('prompt translation', () => {
  it('maps every role, joining text parts and keeping tool calls and results', () => {
    const messages = toMessages([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is ' },
          { type: 'text', text: '12 * 7?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'use the tool' },
          {
            type: 'tool-call',
            toolCallId: 'c1',
            toolName: 'calculator',
            input: { expression: '12*7' },
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'calculator',
            output: { type: 'json', value: { result: 84 } },
          },
        ],
      },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 12 * 7?' },
      {
        role: 'assistant',
        content: '',
        reasoning: 'use the tool',
        toolCalls: [{ id: 'c1', name: 'calculator', arguments: { expression: '12*7' } }],
      },
      { role: 'tool', toolCallId: 'c1', toolName: 'calculator', content: '{"result":84}' },
    ]);
  });

  it('marks failed tool results and refuses files by path', () => {
    expect(toolResultContent({ type: 'error-text', value: 'boom' })).toEqual({
      content: 'boom',
      isError: true,
    });
    expect(toolResultContent({ type: 'execution-denied', reason: 'no' })).toEqual({
      content: '{"error":"no"}',
      isError: true,
    });
    let error: unknown;
    try {
      toMessages([
        { role: 'user', content: [{ type: 'file', data: 'AAAA', mediaType: 'image/png' }] },
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as TinyLLMError).path).toBe('prompt[0].content[0]');
  });
});

describe('call options', () => {
  it('maps sampling, tools, tool choice and JSON output; lists what it cannot honour', () => {
    const { request, unsupported } = toChatRequest({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      maxOutputTokens: 32,
      stopSequences: ['END'],
      topK: 5,
      seed: 1,
      presencePenalty: 1,
      tools: [
        { type: 'function', name: 'calculator', inputSchema: { type: 'object' } },
        { type: 'provider', id: 'openai.web_search', name: 'web_search', args: {} },
      ],
      toolChoice: { type: 'tool', toolName: 'calculator' },
      responseFormat: { type: 'json', schema: { type: 'object' }, name: 'answer' },
    });
    expect(request).toMatchObject({
      maxOutputTokens: 32,
      stop: ['END'],
      topK: 5,
      seed: 1,
      tools: [{ name: 'calculator', parameters: { type: 'object' } }],
      toolChoice: { type: 'tool', name: 'calculator' },
      responseFormat: { type: 'json', schema: { type: 'object' }, name: 'answer' },
    });
    expect(
      unsupported.map((entry) => (entry.kind === 'tool' ? entry.name : entry.setting)),
    ).toEqual(['web_search', 'presencePenalty']);
  });
});

describe('stream parts', () => {
  const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7, estimated: true };

  it('opens and closes text and reasoning blocks and maps finish per spec version', () => {
    const writer = new PartWriter({ provider: 'p', modelId: 'm' }, v3);
    const parts = [
      ...writer.write({ type: 'reasoning-delta', text: 'r' }),
      ...writer.write({ type: 'text-delta', text: 'a' }),
      ...writer.write({ type: 'text-delta', text: 'b' }),
      ...writer.write({ type: 'tool-call', toolCall: { id: 'c', name: 'f', arguments: { x: 1 } } }),
      ...writer.write({
        type: 'finish',
        finishReason: 'tool-calls',
        usage,
        timings: { totalMs: 5 },
      }),
    ];
    expect(parts.map((part) => part.type)).toEqual([
      'reasoning-start',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
      'finish',
    ]);
    expect(parts.at(-1)).toMatchObject({
      finishReason: { unified: 'tool-calls', raw: 'tool-calls' },
      usage: { inputTokens: { total: 3 }, outputTokens: { total: 4 }, raw: { estimated: true } },
      providerMetadata: { tinyllm: { usageEstimated: true, totalMs: 5 } },
    });
    expect(v2.usage(usage)).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
    expect(v2.finishReason('content-filter')).toBe('content-filter');
  });

  it('hands an unreadable named tool call to the SDK as written', () => {
    const writer = new PartWriter({ provider: 'p', modelId: 'm' }, v2);
    expect(
      writer.write({
        type: 'tool-call-error',
        invalidToolCall: { raw: '{"expression": 12*', message: 'bad JSON', name: 'calculator' },
      }),
    ).toEqual([
      {
        type: 'tool-call',
        toolCallId: 'invalid_0',
        toolName: 'calculator',
        input: '{"expression": 12*',
      },
    ]);
  });
});
