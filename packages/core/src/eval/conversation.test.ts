import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatRequest, Message } from '../messages';
import { createScriptedModel } from '../testing';
import { tool } from '../tools';
import { evaluateArithmetic } from './arithmetic';
import {
  evaluateConversations,
  formatConversationMetrics,
  parseConversationCases,
} from './conversation';

const calculator = tool({
  name: 'calculator',
  parameters: z.object({ expression: z.string() }),
  execute: ({ expression }) => ({ result: evaluateArithmetic(expression) }),
});
const weather: Record<string, string> = { Paris: 'sunny', Berlin: 'cloudy' };
const getWeather = tool({
  name: 'get_weather',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, condition: weather[city] ?? 'unknown' }),
});

const cases = parseConversationCases(
  [
    {
      id: 'conv-1',
      turns: [
        {
          user: 'what is 12 times 7?',
          kind: 'first',
          expected: {
            tool: 'calculator',
            arguments: { expression: '12 * 7' },
            match: { expression: 'numeric-eval' },
            answerIncludes: ['84'],
          },
        },
        {
          user: 'double that',
          kind: 'follow-up',
          expected: {
            tool: 'calculator',
            arguments: { expression: '84 * 2' },
            match: { expression: 'numeric-eval' },
            answerIncludes: ['168'],
          },
        },
        {
          user: 'weather in Paris?',
          kind: 'tool-switch',
          expected: {
            tool: 'get_weather',
            arguments: { city: 'Paris' },
            answerIncludes: ['sunny'],
          },
        },
        {
          user: 'and in Berlin?',
          kind: 'follow-up',
          expected: {
            tool: 'get_weather',
            arguments: { city: 'Berlin' },
            answerIncludes: ['cloudy'],
          },
        },
        {
          user: 'thanks',
          kind: 'social',
          expected: { tool: null, arguments: null, match: null, answerIncludes: [] },
        },
      ],
    },
    {
      id: 'conv-2',
      system: 'Be brief.',
      history: 'text',
      turns: [
        {
          user: 'weather in Berlin?',
          kind: 'first',
          expected: {
            tool: 'get_weather',
            arguments: { city: 'Berlin' },
            answerIncludes: ['cloudy'],
          },
        },
        {
          user: 'and in Paris?',
          kind: 'follow-up',
          expected: {
            tool: 'get_weather',
            arguments: { city: 'Paris' },
            answerIncludes: ['sunny'],
          },
        },
      ],
    },
  ]
    .map((entry) => JSON.stringify(entry))
    .join('\n'),
);

const lastUser = (messages: readonly Message[]) =>
  [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';

/**
 * A scripted policy that needs the history for follow-ups: "double that" doubles the last number
 * an earlier answer gave, "and in X?" asks for the weather only after a weather turn. With
 * `forgetful`, it drops the history and answers follow-ups without a tool.
 */
function policy(forgetful: boolean) {
  return (request: ChatRequest) => {
    const messages = request.messages;
    const last = messages.at(-1)!;
    if (last.role === 'tool') return { text: `Result: ${last.content}` };
    const question = lastUser(messages);
    const earlier = messages.slice(0, -1).filter((message) => message.role === 'assistant');
    const lastAnswer = earlier.at(-1)?.content ?? '';
    if (/times/.test(question))
      return { toolCalls: [{ name: 'calculator', arguments: { expression: '12*7' } }] };
    if (/double/.test(question) && !forgetful) {
      const previous = /"result":(\d+)/.exec(lastAnswer)?.[1];
      return previous
        ? { toolCalls: [{ name: 'calculator', arguments: { expression: `${previous} * 2` } }] }
        : { text: 'Double what?' };
    }
    const city = /(Paris|Berlin)/.exec(question)?.[1];
    if (city && (/weather/.test(question) || (!forgetful && /condition/.test(lastAnswer))))
      return { toolCalls: [{ name: 'get_weather', arguments: { city } }] };
    return { text: question === 'thanks' ? "You're welcome!" : 'Sorry?' };
  };
}

describe('evaluateConversations', () => {
  it('scores every turn with the model’s own replies fed back', async () => {
    const requests: ChatRequest[] = [];
    const base = policy(false);
    const model = createScriptedModel({
      script: [
        (request) => {
          requests.push(request);
          return base(request);
        },
      ],
      repeat: true,
    });
    const { metrics, results } = await evaluateConversations(model, cases, {
      tools: [calculator, getWeather],
    });
    expect(results.map((result) => result.correct)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(metrics).toMatchObject({
      turn_accuracy: 1,
      tool_accuracy: 1,
      argument_accuracy: 1,
      answer_accuracy: 1,
      conversation_accuracy: 1,
      conversations: 2,
      turns: 7,
      errors: 0,
    });
    expect(metrics.by_kind['follow-up']).toEqual({
      turns: 3,
      turn_accuracy: 1,
      turns_on_correct_history: 3,
      turn_accuracy_on_correct_history: 1,
    });
    expect(metrics).toMatchObject({
      turns_on_correct_history: 7,
      turn_accuracy_on_correct_history: 1,
    });
    // Full history: the fourth turn's first call sees the earlier tool calls and results.
    const berlin = requests.find((request) => lastUser(request.messages) === 'and in Berlin?')!;
    expect(berlin.messages.filter((message) => message.role === 'tool')).toHaveLength(3);
    // Text history: only the system prompt, user messages and answers.
    const paris = requests.find((request) => lastUser(request.messages) === 'and in Paris?')!;
    expect(paris.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(formatConversationMetrics(metrics)).toMatch(/follow-up\s+1\.000 \(3 turns\)/);
    expect(formatConversationMetrics(metrics)).toMatch(
      /turn_accuracy_on_correct_history\s+1\.000 \(7 turns\)/,
    );
  });

  it('fails the turns that need the history when the model ignores it', async () => {
    const model = createScriptedModel({ script: [policy(true)], repeat: true });
    const { metrics, results } = await evaluateConversations(model, cases, {
      tools: [calculator, getWeather],
    });
    expect(results.filter((result) => !result.correct).map((result) => result.kind)).toEqual([
      'follow-up',
      'follow-up',
      'follow-up',
    ]);
    expect(metrics.by_kind['follow-up']?.turn_accuracy).toBe(0);
    expect(metrics.by_kind.first?.turn_accuracy).toBe(1);
    expect(metrics.turn_accuracy).toBeCloseTo(4 / 7);
    expect(metrics.conversation_accuracy).toBe(0);
  });

  it('tells a turn’s own mistakes from the ones it inherited from an earlier wrong turn', async () => {
    // The first answer is wrong (12 * 8 = 96); "double that" then doubles the model's own 96, as
    // a chat would, and misses the reference's 84 * 2: wrong over all turns, and left out of the
    // turns on a correct history, as is every later turn of that conversation.
    let calls = 0;
    const model = createScriptedModel({
      script: [
        (request) => {
          calls++;
          if (calls === 1)
            return { toolCalls: [{ name: 'calculator', arguments: { expression: '12 * 8' } }] };
          return policy(false)(request);
        },
      ],
      repeat: true,
    });
    const { metrics, results } = await evaluateConversations(model, cases, {
      tools: [calculator, getWeather],
    });
    expect(results.map((result) => [result.correct, result.historyCorrect])).toEqual([
      [false, true],
      [false, false],
      [true, false],
      [true, false],
      [true, false],
      [true, true],
      [true, true],
    ]);
    expect(results[1]).toMatchObject({ calledArguments: { expression: '96 * 2' } });
    expect(metrics.turn_accuracy).toBeCloseTo(5 / 7);
    expect(metrics).toMatchObject({ turns_on_correct_history: 3 });
    expect(metrics.turn_accuracy_on_correct_history).toBeCloseTo(2 / 3);
    expect(metrics.by_kind['follow-up']).toMatchObject({
      turns: 3,
      turns_on_correct_history: 1,
      turn_accuracy_on_correct_history: 1,
    });
  });

  it('records a failing turn as an error and goes on with the conversation', async () => {
    let calls = 0;
    const model = createScriptedModel({
      script: [
        (request) => {
          calls++;
          return calls === 1
            ? { error: { code: 'GENERATION_FAILED', message: 'boom' } }
            : policy(false)(request);
        },
      ],
      repeat: true,
    });
    const { metrics, results } = await evaluateConversations(model, cases.slice(1), {
      tools: [calculator, getWeather],
    });
    expect(results[0]).toMatchObject({ correct: false, error: { code: 'GENERATION_FAILED' } });
    expect(metrics.errors).toBe(1);
    expect(metrics.turns).toBe(2);
  });

  it('stops at an abort instead of recording it as a failed turn', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = createScriptedModel({ script: [policy(false)], repeat: true });
    const run = evaluateConversations(model, cases, {
      tools: [calculator, getWeather],
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects malformed conversation files naming the line', () => {
    expect(() => parseConversationCases('{"id":"x","turns":[]}')).toThrow(/line 1: turns/);
    expect(() => parseConversationCases('\n{oops')).toThrow(/line 2/);
  });
});
