/**
 * One suite for every `ai` major: the real package (installed side by side as `ai-v5`, `ai-v6`
 * and `ai-v7`, the last on Node 22+ only) drives `toLanguageModel()` over scripted models (exact
 * mapping) and over the shipped tiny model on real transformers.js (tool calls parsed from
 * `<tool_call>` text, abort).
 */
import { dirname } from 'node:path';
import { type ChatModel, TinyLLMError, type UsageEvent, withHooks } from '@tinyllm/core';
import { createScriptedModel } from '@tinyllm/core/testing';
import { calculator, tinyModelDir, toolsFile } from '@tinyllm/example-tools';
import { createModelManager, createTransformers } from '@tinyllm/providers/transformers';
import type * as AI from 'ai-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toLanguageModel } from '../src/index';

type Version = 'v2' | 'v3';

const calculatorDefinition = toolsFile.tools.find((entry) => entry.function.name === 'calculator');

function calculatorTool(ai: typeof AI) {
  return ai.tool({
    description: calculatorDefinition?.function.description ?? '',
    inputSchema: ai.jsonSchema<{ expression: string }>(
      calculatorDefinition?.function.parameters ?? {},
    ),
    execute: async (input) => calculator.execute?.(input, {} as never),
  });
}

export function describeAISDK(label: string, ai: typeof AI, version: Version): void {
  const wrap = (model: Parameters<typeof toLanguageModel>[0]) =>
    (version === 'v2'
      ? toLanguageModel(model, { specificationVersion: 'v2' })
      : toLanguageModel(model)) as unknown as AI.LanguageModel;

  describe(`${label} with scripted models`, () => {
    it('generateText: text, usage, finish reason and tinyllm metadata', async () => {
      const model = createScriptedModel({
        script: [{ text: 'Hello there', usage: { inputTokens: 7, outputTokens: 2 } }],
      });
      const result = await ai.generateText({ model: wrap(model), prompt: 'Hi', temperature: 0.3 });
      expect(result.text).toBe('Hello there');
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toMatchObject({ inputTokens: 7, outputTokens: 2, totalTokens: 9 });
      expect(result.providerMetadata?.['tinyllm']).toMatchObject({
        provider: 'scripted',
        usageEstimated: false,
      });
      expect(model.calls[0]).toMatchObject({
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.3,
      });
    });

    it('streamText: reasoning and text deltas in order, then finish', async () => {
      const model = createScriptedModel({
        script: [{ reasoning: ['think', 'ing'], text: ['Hel', 'lo'] }],
      });
      const result = ai.streamText({ model: wrap(model), prompt: 'Hi' });
      const seen: string[] = [];
      for await (const part of result.fullStream) {
        if (part.type === 'reasoning-delta' || part.type === 'text-delta') {
          seen.push(`${part.type}:${part.text}`);
        }
      }
      expect(seen).toEqual([
        'reasoning-delta:think',
        'reasoning-delta:ing',
        'text-delta:Hel',
        'text-delta:lo',
      ]);
      expect(await result.reasoningText).toBe('thinking');
      expect(await result.finishReason).toBe('stop');
    });

    it('runs tools over several steps, sending the results back as tool messages', async () => {
      const model = createScriptedModel({
        script: [
          {
            toolCalls: [{ id: 'call_1', name: 'calculator', arguments: { expression: '12 * 7' } }],
          },
          { text: '12 * 7 = 84' },
        ],
      });
      const result = ai.streamText({
        model: wrap(model),
        prompt: 'What is 12 * 7?',
        tools: { calculator: calculatorTool(ai) },
        stopWhen: ai.stepCountIs(3),
      });
      expect(await result.text).toBe('12 * 7 = 84');
      const steps = await result.steps;
      expect(steps).toHaveLength(2);
      expect(steps[0]?.finishReason).toBe('tool-calls');
      expect(steps[0]?.toolCalls[0]).toMatchObject({
        toolCallId: 'call_1',
        toolName: 'calculator',
        input: { expression: '12 * 7' },
      });
      expect(model.calls[0]?.tools?.[0]?.name).toBe('calculator');
      expect(model.calls[1]?.messages.slice(1)).toEqual([
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'calculator', arguments: { expression: '12 * 7' } }],
        },
        { role: 'tool', toolCallId: 'call_1', toolName: 'calculator', content: '{"result":84}' },
      ]);
    });

    it('generateObject and generateText with output pass the JSON schema as responseFormat', async () => {
      const scripted = createScriptedModel({
        script: [{ text: '{"answer":84}' }],
        repeat: true,
      });
      // Recorded before the model validates the request, so the assertion sees exactly what
      // the adapter sent (core's own schema owns what happens to `responseFormat` next).
      const requests: unknown[] = [];
      const model: ChatModel = {
        ...scripted,
        capabilities: scripted.capabilities,
        chat: (request, options) => {
          requests.push(request);
          return scripted.chat(request, options);
        },
        stream: (request, options) => {
          requests.push(request);
          return scripted.stream(request, options);
        },
      };
      const schema = z.object({ answer: z.number() });
      const { object } = await ai.generateObject({ model: wrap(model), schema, prompt: '12 * 7?' });
      expect(object).toEqual({ answer: 84 });
      expect(requests[0]).toMatchObject({
        responseFormat: {
          type: 'json',
          schema: { type: 'object', properties: { answer: { type: 'number' } } },
        },
      });
      const output = ai.Output.object({ schema });
      const result = await ai.generateText({
        model: wrap(model),
        prompt: '12 * 7?',
        ...(version === 'v2' ? { experimental_output: output } : { output }),
      } as Parameters<typeof ai.generateText>[0]);
      const value =
        version === 'v2'
          ? (result as unknown as { experimental_output: unknown }).experimental_output
          : result.output;
      expect(value).toEqual({ answer: 84 });
    });

    it('reports settings tinyllm cannot honour as warnings', async () => {
      const model = createScriptedModel({ script: [{ text: 'ok' }] });
      const result = await ai.generateText({
        model: wrap(model),
        prompt: 'Hi',
        presencePenalty: 0.5,
      });
      expect(JSON.stringify(result.warnings)).toContain('presencePenalty');
    });

    it('keeps typed error codes, in generateText and in streamText', async () => {
      const failing = () =>
        createScriptedModel({
          script: [{ error: { code: 'QUEUE_FULL', message: 'busy', retryAfterMs: 1000 } }],
        });
      const error = await ai
        .generateText({ model: wrap(failing()), prompt: 'Hi', maxRetries: 0 })
        .catch((caught: unknown) => caught);
      expect(TinyLLMError.hasCode(error, 'QUEUE_FULL')).toBe(true);
      const errors: unknown[] = [];
      const result = ai.streamText({
        model: wrap(failing()),
        prompt: 'Hi',
        maxRetries: 0,
        onError: ({ error: streamError }) => {
          errors.push(streamError);
        },
      });
      await result.consumeStream();
      expect(TinyLLMError.hasCode(errors[0], 'QUEUE_FULL')).toBe(true);
    });

    it('toUIMessageStreamResponse: read back by the chat transport and UI message reader', async () => {
      const model = createScriptedModel({
        script: [
          {
            toolCalls: [{ id: 'call_9', name: 'calculator', arguments: { expression: '12 * 7' } }],
          },
          { text: ['The answer', ' is 84.'] },
        ],
      });
      const handler = async (request: Request) => {
        const body = (await request.json()) as { messages: AI.UIMessage[] };
        const result = ai.streamText({
          model: wrap(model),
          messages: await ai.convertToModelMessages(body.messages),
          tools: { calculator: calculatorTool(ai) },
          stopWhen: ai.stepCountIs(3),
        });
        return result.toUIMessageStreamResponse();
      };
      const transport = new ai.DefaultChatTransport({
        api: 'http://local/api/chat',
        fetch: async (input, init) => handler(new Request(input as string, init)),
      });
      const chunks = await transport.sendMessages({
        chatId: 'chat-1',
        messageId: undefined,
        trigger: 'submit-message',
        abortSignal: undefined,
        messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'What is 12 * 7?' }] }],
      } as Parameters<typeof transport.sendMessages>[0]);
      let last: AI.UIMessage | undefined;
      for await (const message of ai.readUIMessageStream({ stream: chunks })) last = message;
      const text = last?.parts
        .filter((part) => part.type === 'text')
        .map((part) => (part as { text: string }).text)
        .join('');
      expect(text).toBe('The answer is 84.');
      const toolPart = last?.parts.find((part) => part.type === 'tool-calculator') as
        | { state: string; input: unknown; output: unknown }
        | undefined;
      expect(toolPart).toMatchObject({
        state: 'output-available',
        input: { expression: '12 * 7' },
        output: { result: 84 },
      });
    });
  });

  describe(`${label} with the shipped tiny model`, () => {
    const manager = createModelManager();
    const transformers = createTransformers({ modelsDir: dirname(tinyModelDir), manager });
    const usage: UsageEvent[] = [];
    const local = withHooks(transformers('tiny-tool-qwen', { defaultMaxOutputTokens: 96 }), {
      onUsage: (event) => usage.push(event),
    });
    const long = withHooks(
      transformers('tiny-tool-qwen', {
        defaultMaxOutputTokens: 400,
        generationOptions: { min_new_tokens: 300 },
      }),
      { onUsage: (event) => usage.push(event) },
    );

    beforeAll(async () => {
      await transformers('tiny-tool-qwen').load();
    }, 60_000);
    afterAll(async () => {
      await manager.dispose();
    });

    it('streamText with tools answers "What is 12 * 7?" with 84 through a calculator call', async () => {
      const result = ai.streamText({
        model: wrap(local),
        prompt: 'What is 12 * 7?',
        tools: { calculator: calculatorTool(ai) },
        stopWhen: ai.stepCountIs(3),
      });
      const text = await result.text;
      const steps = await result.steps;
      expect(steps[0]?.toolCalls[0]?.toolName).toBe('calculator');
      expect(steps[0]?.toolResults[0]?.output).toEqual({ result: 84 });
      expect(text).toContain('84');
      expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
      // Prompt caching: the second step's prompt starts with the whole first one.
      const answer = steps[1]?.usage as
        | { cachedInputTokens?: number; inputTokenDetails?: { cacheReadTokens?: number } }
        | undefined;
      const cacheRead =
        version === 'v2' ? answer?.cachedInputTokens : answer?.inputTokenDetails?.cacheReadTokens;
      expect(cacheRead).toBeGreaterThanOrEqual(steps[0]?.usage.inputTokens ?? Infinity);
    });

    it('an abort stops generation within a few tokens', async () => {
      const controller = new AbortController();
      const before = usage.length;
      let deltas = 0;
      const result = ai.streamText({
        model: wrap(long),
        prompt: 'Tell me a long story.',
        abortSignal: controller.signal,
        onError: () => {},
      });
      try {
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta' && ++deltas === 5) controller.abort();
        }
      } catch (error) {
        expect(String(error)).toMatch(/abort/i);
      }
      const start = Date.now();
      while (usage.length === before && Date.now() - start < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const event = usage.at(-1);
      expect(event?.errorCode).toBe('ABORTED');
      // min_new_tokens forces 300+ tokens: a handful proves the abort reached the model.
      expect(event?.outputTokens).toBeLessThan(100);
      while (manager.models().some((info) => info.activeRequests > 0)) {
        if (Date.now() - start > 10_000) throw new Error('the queue slot was not freed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });
}
