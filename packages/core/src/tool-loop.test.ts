import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineChatModel } from './define-model';
import { TinyLLMError } from './errors';
import type { ChatRequest, Message, ToolCall } from './messages';
import type { ProviderStreamEvent } from './model';
import { runTools, streamTools, type ToolLoopEvent } from './tool-loop';
import { tool } from './tools';

/** A model whose reply is computed from the conversation, recording every request. */
function reactiveModel(
  reply: (messages: Message[], call: number) => { text?: string; toolCalls?: ToolCall[] },
) {
  const requests: ChatRequest[] = [];
  const model = defineChatModel({
    provider: 'test',
    modelId: 'reactive',
    capabilities: { streaming: true, tools: true },
    async *doStream(request): AsyncGenerator<ProviderStreamEvent> {
      requests.push(request);
      const { text, toolCalls = [] } = reply(request.messages, requests.length);
      if (text) yield { type: 'text-delta', text };
      for (const toolCall of toolCalls) yield { type: 'tool-call', toolCall };
      yield { type: 'finish', finishReason: toolCalls.length ? 'tool-calls' : 'stop' };
    },
  });
  return { model, requests };
}

const calculator = tool({
  name: 'calculator',
  description: 'Evaluates + and * of two numbers',
  parameters: z.object({ a: z.number(), b: z.number(), op: z.enum(['+', '*']) }),
  execute: ({ a, b, op }) => ({ result: op === '+' ? a + b : a * b }),
});

const request: ChatRequest = { messages: [{ role: 'user', content: 'What is 6*7?' }] };

describe('runTools', () => {
  it('runs the tool, feeds the result back and returns the answer', async () => {
    const { model, requests } = reactiveModel((messages) => {
      const last = messages.at(-1)!;
      if (last.role === 'tool')
        return { text: `The answer is ${JSON.parse(last.content).result}.` };
      return { toolCalls: [{ id: 'c1', name: 'calculator', arguments: { a: 6, b: 7, op: '*' } }] };
    });
    const steps: number[] = [];
    const result = await runTools(model, request, {
      tools: [calculator],
      onStep: (step) => steps.push(step.step),
    });
    expect(result.text).toBe('The answer is 42.');
    expect(result.stoppedBy).toBe('answer');
    expect(steps).toEqual([1, 2]);
    expect(result.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(result.messages[2]).toEqual({
      role: 'tool',
      toolCallId: 'c1',
      toolName: 'calculator',
      content: '{"result":42}',
    });
    // The model saw the tool definitions and, in step 2, the assistant call and the tool result.
    expect(requests[0]!.tools?.[0]?.name).toBe('calculator');
    expect(requests[1]!.messages).toHaveLength(3);
    expect(result.usage.totalTokens).toBe(
      result.steps[0]!.response.usage.totalTokens + result.steps[1]!.response.usage.totalTokens,
    );
  });

  it('runs independent calls of one step in parallel, keeping the model order', async () => {
    const order: string[] = [];
    const slow = tool({
      name: 'slow',
      parameters: z.object({ id: z.string(), ms: z.number() }),
      execute: async ({ id, ms }) => {
        order.push(`start ${id}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`end ${id}`);
        return id;
      },
    });
    const { model } = reactiveModel((messages) =>
      messages.at(-1)!.role === 'tool'
        ? { text: 'done' }
        : {
            toolCalls: [
              { id: 'a', name: 'slow', arguments: { id: 'a', ms: 60 } },
              { id: 'b', name: 'slow', arguments: { id: 'b', ms: 10 } },
            ],
          },
    );
    const result = await runTools(model, request, { tools: { slow } });
    expect(order).toEqual(['start a', 'start b', 'end b', 'end a']);
    expect(result.steps[0]!.toolResults.map((entry) => entry.content)).toEqual(['a', 'b']);
  });

  it('reports invalid arguments and unknown tools back to the model instead of running them', async () => {
    let executed = 0;
    const counted = tool({
      name: 'calculator',
      parameters: z.object({ a: z.number() }),
      execute: () => {
        executed++;
        return 1;
      },
    });
    const { model } = reactiveModel((messages) =>
      messages.at(-1)!.role === 'tool'
        ? { text: 'sorry' }
        : {
            toolCalls: [
              { id: 'x', name: 'calculator', arguments: { a: 'not a number' } },
              { id: 'y', name: 'missing_tool', arguments: {} },
            ],
          },
    );
    const result = await runTools(model, request, { tools: [counted] });
    expect(executed).toBe(0);
    const [invalid, unknown] = result.steps[0]!.toolResults;
    expect(invalid).toMatchObject({
      isError: true,
      error: { code: 'INVALID_TOOL_ARGUMENTS', path: 'a' },
    });
    expect(unknown?.error?.message).toContain('unknown tool "missing_tool"');
    expect(JSON.parse(unknown!.content).error).toContain('missing_tool');
    expect(result.messages.filter((message) => message.role === 'tool')).toHaveLength(2);
  });

  it('turns a throwing tool into an error result, or throws with onToolError: throw', async () => {
    const broken = tool({
      name: 'broken',
      parameters: z.object({}),
      execute: () => {
        throw new Error('disk on fire');
      },
    });
    const script = (messages: Message[]) =>
      messages.at(-1)!.role === 'tool'
        ? { text: 'ok' }
        : { toolCalls: [{ id: 'b', name: 'broken', arguments: {} }] };
    const reported = await runTools(reactiveModel(script).model, request, { tools: [broken] });
    expect(reported.steps[0]!.toolResults[0]).toMatchObject({
      isError: true,
      error: { code: 'TOOL_EXECUTION_FAILED' },
    });
    expect(reported.steps[0]!.toolResults[0]!.content).toContain('disk on fire');
    await expect(
      runTools(reactiveModel(script).model, request, { tools: [broken], onToolError: 'throw' }),
    ).rejects.toMatchObject({
      code: 'TOOL_EXECUTION_FAILED',
    });
  });

  it('uses the generic executor for tools without execute', async () => {
    const declared = tool({ name: 'ui_tool', parameters: z.object({ n: z.number() }) });
    const { model } = reactiveModel((messages) =>
      messages.at(-1)!.role === 'tool'
        ? { text: messages.at(-1)!.content }
        : { toolCalls: [{ id: 'u', name: 'ui_tool', arguments: { n: 2 } }] },
    );
    const result = await runTools(model, request, {
      tools: [declared],
      execute: (call) => `ran ${call.name} ${call.arguments.n}`,
    });
    expect(result.text).toBe('ran ui_tool 2');
  });

  it('stops at maxSteps without executing the last calls', async () => {
    let executions = 0;
    const loop = tool({
      name: 'loop',
      parameters: z.object({}),
      execute: () => {
        executions++;
        return 'again';
      },
    });
    const { model, requests } = reactiveModel(() => ({
      toolCalls: [{ id: 'l', name: 'loop', arguments: {} }],
    }));
    const result = await runTools(model, request, { tools: [loop], maxSteps: 3 });
    expect(result.stoppedBy).toBe('max-steps');
    expect(requests).toHaveLength(3);
    expect(executions).toBe(2);
    await expect(runTools(model, request, { tools: [loop], maxSteps: 0 })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
  });

  it('streams every step as events', async () => {
    const { model } = reactiveModel((messages) =>
      messages.at(-1)!.role === 'tool'
        ? { text: 'It is 13.' }
        : { toolCalls: [{ id: 'c', name: 'calculator', arguments: { a: 6, b: 7, op: '+' } }] },
    );
    const events: ToolLoopEvent[] = [];
    const iterator = streamTools(model, request, { tools: [calculator] });
    let next = await iterator.next();
    while (!next.done) {
      events.push(next.value);
      next = await iterator.next();
    }
    expect(events.map((event) => `${event.step}:${event.type}`)).toEqual([
      '1:step-start',
      '1:tool-call',
      '1:finish',
      '1:tool-result',
      '1:step-finish',
      '2:step-start',
      '2:text-delta',
      '2:finish',
      '2:step-finish',
    ]);
    expect(next.value.text).toBe('It is 13.');
  });

  it('aborts while a tool runs', async () => {
    const controller = new AbortController();
    const hanging = tool({
      name: 'hang',
      parameters: z.object({}),
      execute: (_args, { signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
        ),
    });
    const { model } = reactiveModel(() => ({
      toolCalls: [{ id: 'h', name: 'hang', arguments: {} }],
    }));
    setTimeout(() => controller.abort(), 30);
    const error = await runTools(model, request, {
      tools: [hanging],
      signal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'ABORTED')).toBe(true);
  });
});
