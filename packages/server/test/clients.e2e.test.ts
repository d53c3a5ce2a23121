/**
 * Other clients of the same server: tinyllm's own OpenAI-compatible adapter (client → server →
 * local model, with core's tool loop) and the AI SDK's `@ai-sdk/openai-compatible` provider
 * under `ai` 5's streamText with tools and multiple steps.
 */
import { createOpenAICompatible as createAISDKProvider } from '@ai-sdk/openai-compatible';
import { TinyLLMError, runTools } from '@tinyllm/core';
import { calculator, tinyTools } from '@tinyllm/example-tools';
import { createOpenAICompatible } from '@tinyllm/providers/openai-compatible';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, modelId, openAITools, startLocalServer } from './local-server';

let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("tinyllm's openai-compatible adapter through the server", () => {
  it('runs the tool loop to the answer: 84', async () => {
    const remote = createOpenAICompatible({ baseURL: `${server.url}/v1`, name: 'tinyllm-serve' });
    const result = await runTools(
      remote(modelId),
      { messages: [{ role: 'user', content: 'What is 12 * 7?' }] },
      { tools: tinyTools },
    );
    expect(result.steps[0]?.response.toolCalls[0]?.name).toBe('calculator');
    expect(result.text).toContain('84');
    expect(result.usage.estimated).toBe(false);
    // Prompt caching, reported as OpenAI's prompt_tokens_details.cached_tokens and read back.
    const [call, answer] = result.steps.map((step) => step.response.usage);
    expect(answer?.cachedInputTokens).toBeGreaterThanOrEqual(call?.inputTokens ?? Infinity);
  });

  it('gets MODEL_NOT_FOUND for a model the server does not serve', async () => {
    const remote = createOpenAICompatible({ baseURL: `${server.url}/v1` });
    const error = await remote('missing')
      .chat({ messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'MODEL_NOT_FOUND')).toBe(true);
  });
});

describe("the AI SDK's openai-compatible provider through the server", () => {
  it('streams a calculator call and the answer over two steps', async () => {
    const provider = createAISDKProvider({
      name: 'tinyllm',
      baseURL: `${server.url}/v1`,
      includeUsage: true,
    });
    const definition = openAITools.find((entry) => entry.function.name === 'calculator');
    const result = streamText({
      model: provider(modelId),
      prompt: 'What is 12 * 7?',
      tools: {
        calculator: tool({
          description: definition?.function.description ?? '',
          inputSchema: jsonSchema<{ expression: string }>(definition?.function.parameters ?? {}),
          execute: async (input) => calculator.execute?.(input, {} as never),
        }),
      },
      stopWhen: stepCountIs(3),
    });
    const text = await result.text;
    const steps = await result.steps;
    expect(steps[0]?.toolCalls[0]?.toolName).toBe('calculator');
    expect(steps[0]?.finishReason).toBe('tool-calls');
    expect(text).toContain('84');
    expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
    // The AI SDK's provider reads the server's prompt_tokens_details.cached_tokens.
    expect(steps[1]?.usage.cachedInputTokens).toBeGreaterThanOrEqual(
      steps[0]?.usage.inputTokens ?? Infinity,
    );
  });
});
