import { TinyLLMError } from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAISseServer, startOpenAISseServer } from '../../test/servers/openai-sse-server';
import { createOpenAICompatible } from './index';

let server: OpenAISseServer;
beforeAll(async () => {
  server = await startOpenAISseServer();
});
afterAll(() => server.close());

const schema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};
const reply = (text: string) => ({
  kind: 'text' as const,
  chunks: [text.slice(0, 5), text.slice(5)],
  finishReason: 'stop' as const,
  usage: { inputTokens: 3, outputTokens: 5 },
});

describe('openai-compatible: responseFormat → response_format', () => {
  const vllm = () => createOpenAICompatible({ baseURL: `${server.url}/v1` })('Qwen/Qwen3-0.6B');

  it('a schema is sent as json_schema with name, description, schema and strict', async () => {
    server.script([reply('{"city":"Oslo"}')]);
    const response = await vllm().chat({
      messages: [{ role: 'user', content: 'Where?' }],
      responseFormat: {
        type: 'json',
        schema,
        name: 'city answer',
        description: 'The city asked about',
        strict: true,
      },
    });
    expect(JSON.parse(response.text)).toEqual({ city: 'Oslo' });
    expect(server.chatRequests().at(-1)?.['response_format']).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'city_answer',
        description: 'The city asked about',
        schema,
        strict: true,
      },
    });
  });

  it('JSON without a schema is json_object; text sends nothing', async () => {
    server.script([reply('{"a":1}'), reply('hello')]);
    await vllm().chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json' },
    });
    expect(server.chatRequests().at(-1)?.['response_format']).toEqual({ type: 'json_object' });
    await vllm().chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'text' },
    });
    expect(server.chatRequests().at(-1)).not.toHaveProperty('response_format');
  });

  it('the server refuses a response_format off the documented shape (it checks what it gets)', async () => {
    server.script([reply('{}')]);
    const error = await vllm()
      .chat({
        messages: [{ role: 'user', content: 'x' }],
        providerOptions: {
          'openai-compatible': {
            response_format: { type: 'json_schema', json_schema: { schema } },
          },
        },
      })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'INVALID_REQUEST')).toBe(true);
    expect(String((error as Error).message)).toMatch(/json_schema\.name/);
  });

  it("capabilities: 'requested' by default, 'enforced' when the server is declared to enforce", () => {
    const provider = createOpenAICompatible({ baseURL: `${server.url}/v1` });
    expect(provider('m').capabilities.structuredOutput).toBe('requested');
    expect(provider('m', { structuredOutput: 'enforced' }).capabilities.structuredOutput).toBe(
      'enforced',
    );
  });
});
