import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineChatModel } from '../define-model';
import type { Message, ToolCall } from '../messages';
import { tool } from '../tools';
import { evaluateArithmetic } from './arithmetic';
import { evaluateToolUse, formatToolUseMetrics, parseToolUseCases } from './evaluate';

const calculator = tool({
  name: 'calculator',
  parameters: z.object({ expression: z.string() }),
  execute: ({ expression }) => ({ result: evaluateArithmetic(expression) }),
});

/** A fake "model" with a fixed policy, to check the scoring (not a model). */
function policyModel(policy: (question: string) => ToolCall | string) {
  return defineChatModel({
    provider: 'test',
    modelId: 'policy',
    capabilities: { streaming: true, tools: true },
    async *doStream(request) {
      const messages: Message[] = request.messages;
      const last = messages.at(-1)!;
      if (last.role === 'tool') {
        yield { type: 'text-delta', text: `The result is ${JSON.parse(last.content).result}.` };
        return;
      }
      const decision = policy(last.content);
      if (typeof decision === 'string') yield { type: 'text-delta', text: decision };
      else yield { type: 'tool-call', toolCall: decision };
    },
  });
}

const cases = parseToolUseCases(
  [
    {
      id: 'c1',
      messages: [{ role: 'user', content: '12 times 7' }],
      expected: {
        tool: 'calculator',
        arguments: { expression: '12 * 7' },
        match: { expression: 'numeric-eval' },
        answerIncludes: ['84'],
      },
    },
    {
      id: 'c2',
      messages: [{ role: 'user', content: '2 plus 2' }],
      expected: {
        tool: 'calculator',
        arguments: { expression: '2 + 2' },
        match: { expression: 'numeric-eval' },
        answerIncludes: ['4'],
      },
    },
    { id: 'n1', messages: [{ role: 'user', content: 'hello' }], expected: { tool: null } },
    {
      id: 'n2',
      messages: [{ role: 'user', content: 'who wrote Hamlet?' }],
      expected: { tool: null },
    },
  ]
    .map((entry) => JSON.stringify(entry))
    .join('\n'),
);

describe('evaluateToolUse', () => {
  it('scores a perfect policy 1.0 on every metric', async () => {
    const model = policyModel((question) => {
      if (question.includes('times'))
        return { id: 'a', name: 'calculator', arguments: { expression: '12*7' } };
      if (question.includes('plus'))
        return { id: 'b', name: 'calculator', arguments: { expression: '(2)+2' } };
      return 'Hi! I can only calculate.';
    });
    const { metrics, results } = await evaluateToolUse(model, cases, { tools: [calculator] });
    expect(metrics).toMatchObject({
      tool_accuracy: 1,
      argument_accuracy: 1,
      answer_accuracy: 1,
      no_tool_accuracy: 1,
      cases: 4,
      errors: 0,
    });
    expect(results[0]?.answer).toBe('The result is 84.');
    expect(formatToolUseMetrics(metrics)).toContain('tool_accuracy');
  });

  it('penalizes wrong tools, wrong arguments and needless tool calls separately', async () => {
    const model = policyModel((question) => {
      if (question.includes('times'))
        return { id: 'a', name: 'calculator', arguments: { expression: '12*8' } };
      if (question.includes('plus')) return 'I think it is 4';
      return { id: 'c', name: 'calculator', arguments: { expression: '1' } };
    });
    const { metrics } = await evaluateToolUse(model, cases, { tools: [calculator] });
    expect(metrics.tool_accuracy).toBe(0.5);
    expect(metrics.argument_accuracy).toBe(0);
    expect(metrics.no_tool_accuracy).toBe(0);
    // c1 answered 96 (wrong), c2 answered "4" without a tool (answer right), n1/n2 called a tool.
    expect(metrics.answer_accuracy).toBe(0.25);
  });

  it('rejects malformed case files naming the line', () => {
    expect(() => parseToolUseCases('{"id":"x"}\nnot json')).toThrow(/line 1/);
    expect(() => parseToolUseCases('\n\n{oops')).toThrow(/line 3/);
  });
});

describe('evaluateArithmetic', () => {
  it('evaluates arithmetic with precedence and parentheses', () => {
    expect(evaluateArithmetic('12 * (3 + 4)')).toBe(84);
    expect(evaluateArithmetic('-2.5 * 4 - 1')).toBe(-11);
    expect(evaluateArithmetic('10 / 4')).toBe(2.5);
    expect(evaluateArithmetic('2 +')).toBeUndefined();
    expect(evaluateArithmetic('process.exit()')).toBeUndefined();
    expect(evaluateArithmetic('1/0')).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const value = evaluateArithmetic(text);
        return value === undefined || Number.isFinite(value);
      }),
    );
  });
});
