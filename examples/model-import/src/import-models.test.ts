/**
 * Against local servers that speak the documented wire formats: the Hub's model-info API and
 * `resolve/…/config.json`, an Inference Endpoint's OpenAI-style `/v1/chat/completions` (SSE),
 * and Ollama's `/api/tags` and `/api/chat` (NDJSON). Asserts on what was sent as well as stored.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage, createRegistry } from '@tinyllm/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatWith, importHubModel, registerOllamaModels } from './import-models';

interface Seen {
  method: string;
  url: string;
  body: Record<string, unknown> | undefined;
}

async function startServer(
  handle: (seen: Seen, response: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const entry = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
    seen.push(entry);
    handle(entry, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const json = (response: ServerResponse, status: number, value: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const modelInfo = {
  _id: '6650',
  id: 'my-org/qwen3-tools',
  sha,
  pipeline_tag: 'text-generation',
  tags: ['transformers', 'safetensors', 'qwen3', 'text-generation', 'license:apache-2.0'],
  cardData: {
    license: 'apache-2.0',
    base_model: 'Qwen/Qwen3-0.6B',
    datasets: ['my-org/tool-calls'],
  },
  gated: false,
  private: false,
  safetensors: { parameters: { BF16: 596049920 }, total: 596049920 },
  config: { model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] },
};

let hub: Awaited<ReturnType<typeof startServer>>;
let endpoint: Awaited<ReturnType<typeof startServer>>;
let ollama: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  hub = await startServer((seen, response) => {
    if (seen.url === '/api/models/my-org/qwen3-tools') json(response, 200, modelInfo);
    else if (seen.url === `/my-org/qwen3-tools/resolve/${sha}/config.json`) {
      json(response, 200, { model_type: 'qwen3', max_position_embeddings: 40960 });
    } else json(response, 404, { error: 'Repository not found' });
  });
  endpoint = await startServer((seen, response) => {
    if (!seen.url.endsWith('/chat/completions')) return json(response, 404, { error: 'not found' });
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'tgi',
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      })}\n\n`;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(
      chunk({ role: 'assistant', content: 'Hello' }, null) +
        chunk({ content: ' from TGI!' }, null) +
        chunk({}, 'stop', { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }) +
        'data: [DONE]\n\n',
    );
  });
  ollama = await startServer((seen, response) => {
    if (seen.url === '/api/tags') {
      json(response, 200, {
        models: [
          {
            name: 'qwen3:0.6b',
            model: 'qwen3:0.6b',
            modified_at: '2026-11-01T10:00:00Z',
            size: 522653767,
            digest: '7df6b6e09427',
            details: {
              family: 'qwen3',
              parameter_size: '751.63M',
              quantization_level: 'Q4_K_M',
              format: 'gguf',
            },
          },
          {
            name: 'smollm2:135m',
            model: 'smollm2:135m',
            size: 270898672,
            details: { family: 'llama' },
          },
        ],
      });
    } else if (seen.url === '/api/chat') {
      const line = (value: unknown) => `${JSON.stringify(value)}\n`;
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end(
        line({
          model: seen.body?.model,
          message: { role: 'assistant', content: 'Hi from ' },
          done: false,
        }) +
          line({
            model: seen.body?.model,
            message: { role: 'assistant', content: 'Ollama' },
            done: false,
          }) +
          line({
            model: seen.body?.model,
            message: { role: 'assistant', content: '' },
            done: true,
            done_reason: 'stop',
            prompt_eval_count: 11,
            eval_count: 3,
            total_duration: 120_000_000,
            eval_duration: 30_000_000,
          }),
      );
    } else json(response, 404, { error: 'not found' });
  });
});

afterAll(async () => {
  for (const { server } of [hub, endpoint, ollama]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const newRegistry = () => createRegistry({ storage: createMemoryStorage(), hubUrl: hub.url });

describe('importHubModel', () => {
  it('registers the Hub model with its provenance and tests its connection', async () => {
    const registry = newRegistry();
    const { record, connection } = await importHubModel(registry, 'my-org/qwen3-tools', {
      endpointUrl: endpoint.url,
    });
    expect(record).toMatchObject({
      name: 'qwen3-tools',
      provider: 'huggingface',
      modelId: 'my-org/qwen3-tools',
      baseUrl: endpoint.url,
      contextLength: 40960,
    });
    expect(record.provenance).toMatchObject({
      baseModel: 'Qwen/Qwen3-0.6B',
      trainingDataset: 'my-org/tool-calls',
      source: {
        type: 'huggingface-hub',
        repoId: 'my-org/qwen3-tools',
        revision: sha,
        license: 'apache-2.0',
        parameterCount: 596049920,
      },
    });
    expect(connection.ok).toBe(true);
    expect(hub.seen.map((entry) => entry.url)).toEqual([
      '/api/models/my-org/qwen3-tools',
      `/my-org/qwen3-tools/resolve/${sha}/config.json`,
    ]);
    // The connection test is a one-token request.
    const ping = endpoint.seen.at(-1)?.body;
    expect(ping).toMatchObject({ model: 'my-org/qwen3-tools', max_tokens: 1, stream: true });
  });

  it('chats with the imported model through its endpoint', async () => {
    const registry = newRegistry();
    await importHubModel(registry, 'my-org/qwen3-tools', { endpointUrl: endpoint.url });
    const response = await chatWith(registry, 'qwen3-tools', 'Hello!');
    expect(response.text).toBe('Hello from TGI!');
    expect(response.usage).toMatchObject({ inputTokens: 9, outputTokens: 4 });
    expect(endpoint.seen.at(-1)?.body?.messages).toEqual([{ role: 'user', content: 'Hello!' }]);
  });

  it('reports a missing repository as MODEL_NOT_FOUND', async () => {
    await expect(importHubModel(newRegistry(), 'my-org/missing')).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
  });
});

describe('registerOllamaModels', () => {
  it("registers every model of the server's list once, and chats with one", async () => {
    const registry = newRegistry();
    const added = await registerOllamaModels(registry, ollama.url);
    expect(added.map((record) => [record.name, record.modelId, record.baseUrl])).toEqual([
      ['ollama-qwen3-0.6b', 'qwen3:0.6b', ollama.url],
      ['ollama-smollm2-135m', 'smollm2:135m', ollama.url],
    ]);
    expect(added[0]?.description).toBe('qwen3 751.63M Q4_K_M');
    // Registering again adds nothing.
    expect(await registerOllamaModels(registry, ollama.url)).toEqual([]);

    const response = await chatWith(registry, 'ollama-qwen3-0.6b', 'Hello!');
    expect(response.text).toBe('Hi from Ollama');
    expect(response.usage).toMatchObject({ inputTokens: 11, outputTokens: 3, estimated: false });
    const sent = ollama.seen.at(-1)?.body;
    expect(sent).toMatchObject({ model: 'qwen3:0.6b', stream: true });
    expect(sent?.messages).toEqual([{ role: 'user', content: 'Hello!' }]);
  });
});
