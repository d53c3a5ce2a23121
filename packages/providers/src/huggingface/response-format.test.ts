import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAISseServer, startOpenAISseServer } from '../../test/servers/openai-sse-server';
import { createHuggingFace, huggingFaceRouterURL } from './index';

const token = 'hf_testtoken0123456789';
let router: OpenAISseServer;
let tgi: OpenAISseServer;
beforeAll(async () => {
  router = await startOpenAISseServer({
    flavor: 'hf-router',
    jsonRoutes: {
      '/api/models/Qwen/Qwen3-0.6B': {
        id: 'Qwen/Qwen3-0.6B',
        inferenceProviderMapping: {
          'hf-inference': { status: 'live', providerId: 'Qwen/Qwen3-0.6B', task: 'conversational' },
        },
      },
    },
  });
  tgi = await startOpenAISseServer({ flavor: 'tgi', dataPrefix: 'data:' });
});
afterAll(async () => {
  await router.close();
  await tgi.close();
});

const localFetch =
  (server: OpenAISseServer): typeof fetch =>
  (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(
      url.replace(huggingFaceRouterURL, server.url).replace('https://huggingface.co', server.url),
      init,
    );
  };

const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
const reply = (text: string) => ({
  kind: 'text' as const,
  chunks: [text],
  finishReason: 'stop' as const,
  usage: { inputTokens: 3, outputTokens: 5 },
});

describe('huggingface: responseFormat → response_format (router and TGI)', () => {
  it('the router gets json_schema as @huggingface/tasks ChatCompletionInputGrammarType documents it', async () => {
    router.script([reply('{"n":3}')]);
    const model = createHuggingFace({ apiKey: token, fetch: localFetch(router) })(
      'Qwen/Qwen3-0.6B',
    );
    const response = await model.chat({
      messages: [{ role: 'user', content: 'Count' }],
      responseFormat: { type: 'json', schema, name: 'count', strict: true },
    });
    expect(JSON.parse(response.text)).toEqual({ n: 3 });
    expect(router.chatRequests().at(-1)?.['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'count', schema, strict: true },
    });
    expect(model.capabilities.structuredOutput).toBe('requested');
  });

  it('a TGI endpoint gets the same shape, and json_object without a schema', async () => {
    tgi.script([reply('{"n":1}'), reply('{}')]);
    const model = createHuggingFace({ apiKey: token, endpointUrl: tgi.url })('tgi', {
      structuredOutput: 'enforced',
    });
    await model.chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json', schema },
    });
    expect(tgi.chatRequests().at(-1)?.['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema },
    });
    await model.chat({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json' },
    });
    expect(tgi.chatRequests().at(-1)?.['response_format']).toEqual({ type: 'json_object' });
    expect(model.capabilities.structuredOutput).toBe('enforced');
  });
});
