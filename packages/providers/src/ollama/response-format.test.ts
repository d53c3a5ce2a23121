import { TinyLLMError } from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OllamaTestServer, startOllamaServer } from '../../test/servers/ollama-server';
import { createOllama } from './index';

let server: OllamaTestServer;
beforeAll(async () => {
  server = await startOllamaServer();
});
afterAll(() => server.close());

const schema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};
const reply = (text: string) => ({
  kind: 'text' as const,
  chunks: [text],
  finishReason: 'stop' as const,
  usage: { inputTokens: 3, outputTokens: 5 },
});
const lastBody = () => JSON.parse(server.server.lastRequest()?.body ?? '{}');

describe('ollama: responseFormat → format', () => {
  const model = () => createOllama({ baseURL: server.url })('qwen3:0.6b');

  it('a schema is sent as `format: <JSON Schema>`, JSON without one as `format: "json"`', async () => {
    server.script([reply('{"city":"Oslo"}'), reply('{}'), reply('hi')]);
    const response = await model().chat({
      messages: [{ role: 'user', content: 'Where?' }],
      responseFormat: { type: 'json', schema, name: 'ignored by ollama' },
    });
    expect(JSON.parse(response.text)).toEqual({ city: 'Oslo' });
    expect(lastBody().format).toEqual(schema);
    await model().chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json' },
    });
    expect(lastBody().format).toBe('json');
    await model().chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'text' },
    });
    expect(lastBody()).not.toHaveProperty('format');
  });

  it('the server refuses a format off the documented shape', async () => {
    server.script([reply('{}')]);
    const error = await model()
      .chat({
        messages: [{ role: 'user', content: 'x' }],
        providerOptions: { ollama: { format: 42 } },
      })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/format/);
  });

  it("capabilities: Ollama enforces the schema ('enforced')", () => {
    expect(model().capabilities.structuredOutput).toBe('enforced');
  });
});
