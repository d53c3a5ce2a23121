/**
 * Context overflow: unit tests of the exchange split and the trimming rule, then the real
 * provider on the fixture model (`models/tiny-tool-qwen`) with a window small enough to overflow.
 */
import type { ChatRequest, Message } from '@tinyllm/core';
import { TinyLLMError } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fitToContext, splitExchanges } from './context-overflow';
import { fixtureModelId, fixtureTools, modelsDir } from './test-fixture';
import { createTransformers } from './transformers-provider';

const toolTurn = (question: string, expression: string, result: number, id: string): Message[] => [
  { role: 'user', content: question },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id, name: 'calculator', arguments: { expression } }],
  },
  { role: 'tool', toolCallId: id, toolName: 'calculator', content: JSON.stringify({ result }) },
  { role: 'assistant', content: `${expression} = ${result}.` },
];

const history: Message[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  ...toolTurn('what is 12 times 7?', '12 * 7', 84, 'a'),
  { role: 'user', content: 'hello' },
  { role: 'assistant', content: 'Hello! I can calculate, convert units and check the weather.' },
  ...toolTurn('what is 9 plus 8?', '9 + 8', 17, 'b'),
];

describe('splitExchanges', () => {
  it('keeps leading system messages apart and starts an exchange at every user message', () => {
    const { head, exchanges } = splitExchanges(history);
    expect(head.map((message) => message.role)).toEqual(['system']);
    expect(exchanges.map((exchange) => exchange.map((message) => message.role))).toEqual([
      ['user', 'assistant', 'tool', 'assistant'],
      ['user', 'assistant'],
      ['user', 'assistant', 'tool', 'assistant'],
    ]);
  });

  it('puts messages before the first user message into the first exchange', () => {
    const { head, exchanges } = splitExchanges([
      { role: 'assistant', content: 'Hi, ask me anything.' },
      { role: 'user', content: 'hi' },
    ]);
    expect(head).toEqual([]);
    expect(exchanges.map((exchange) => exchange.length)).toEqual([1, 1]);
  });
});

describe('fitToContext', () => {
  // One "token" per character of content, 10 per message of overhead.
  const encode = (messages: readonly Message[]) => ({
    messages,
    inputTokens: messages.reduce((sum, message) => sum + 10 + message.content.length, 0),
  });
  const fit = (
    messages: readonly Message[],
    contextLength: number,
    overflow: 'trim-oldest' | 'error',
  ) =>
    fitToContext({
      messages,
      encode,
      contextLength,
      maxOutputTokens: 20,
      overflow,
      provider: 'transformers',
      modelId: 'test',
    });
  const full = encode(history).inputTokens;

  it('changes nothing when the conversation fits with room for the reply', () => {
    const fitted = fit(history, full + 20, 'trim-oldest');
    expect(fitted.droppedMessages).toBe(0);
    expect(fitted.messages).toBe(history);
  });

  it('drops the oldest exchanges whole until the reply fits, never the system prompt', () => {
    const fitted = fit(history, full + 19, 'trim-oldest');
    expect(fitted.droppedMessages).toBe(4);
    expect(fitted.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    const newest = fit(history, 150, 'trim-oldest');
    expect(newest.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    // Whatever the window, a tool result never loses the call it answers.
    for (let window = 120; window <= full + 20; window += 7) {
      const roles = fit(history, window, 'trim-oldest').messages.map((message) => message.role);
      expect(roles[1]).toBe('user');
    }
  });

  it('fails with CONTEXT_LENGTH_EXCEEDED when the newest exchange alone fills the window, or at once with error', () => {
    expect(() => fit(history, 100, 'trim-oldest')).toThrow(
      /only the system prompt, the tools and the newest message/,
    );
    let error: unknown;
    try {
      fit(history, full, 'error');
    } catch (caught) {
      error = caught;
    }
    expect(TinyLLMError.hasCode(error, 'CONTEXT_LENGTH_EXCEEDED')).toBe(true);
    // `error` keeps the old rule: a prompt that fits without room for the reply still runs.
    expect(fit(history, full + 1, 'error').droppedMessages).toBe(0);
  });
});

describe('contextOverflow on the fixture model', () => {
  const transformers = createTransformers({ modelsDir });
  afterAll(() => transformers.dispose());
  const tools = fixtureTools();
  // System + tools is 440 tokens and the newest question about 20: 560 leaves room for a 64-token
  // reply with the newest exchange only, not with one more.
  const model = transformers(fixtureModelId, { contextLength: 560 });
  const conversation: Message[] = [
    ...history.slice(1),
    { role: 'user', content: "what's the weather in Paris?" },
  ];
  const request = (messages: Message[]): ChatRequest => ({
    messages,
    tools,
    maxOutputTokens: 64,
    temperature: 0,
  });

  it('trims the oldest exchanges by default and answers the newest message', async () => {
    const alone = await model.chat(request(conversation.slice(-1)));
    const trimmed = await model.chat(request(conversation));
    expect(trimmed.toolCalls.map((call) => [call.name, call.arguments])).toEqual([
      ['get_weather', { city: 'Paris' }],
    ]);
    // Exactly the prompt of the newest message alone: everything older was dropped.
    expect(trimmed.usage.inputTokens).toBe(alone.usage.inputTokens);
    expect(trimmed.usage.inputTokens).toBeLessThan(560 - 64);
  });

  it('keeps the tool call of the current turn with its result', async () => {
    const current = toolTurn('what is 12 times 7?', '12 * 7', 84, 'c').slice(0, 3);
    const response = await model.chat(request([...history.slice(1), ...current]));
    expect(response.toolCalls).toEqual([]);
    expect(response.text).toContain('84');
    const alone = await model.chat(request(current));
    expect(response.usage.inputTokens).toBe(alone.usage.inputTokens);
  });

  it("fails with CONTEXT_LENGTH_EXCEEDED with contextOverflow 'error'", async () => {
    const strict = transformers(fixtureModelId, { contextLength: 560, contextOverflow: 'error' });
    const error = await strict.chat(request(conversation)).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'CONTEXT_LENGTH_EXCEEDED')).toBe(true);
  });

  it('fails with CONTEXT_LENGTH_EXCEEDED when the newest message alone overflows', async () => {
    const long = { role: 'user' as const, content: 'what is 1 plus 2? '.repeat(40) };
    const error = await model
      .chat(request([...conversation, long]))
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'CONTEXT_LENGTH_EXCEEDED')).toBe(true);
    expect((error as TinyLLMError).details).toMatchObject({ contextLength: 560 });
  });
});
