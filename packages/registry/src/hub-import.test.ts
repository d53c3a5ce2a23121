import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TinyLLMError } from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from './registry';
import { createMemoryStorage } from './storage/memory/index';

// A local server speaking the Hub's documented shapes.
const modelInfo = {
  _id: '6650',
  id: 'acme/qwen3-tools',
  sha: '3f1c0d2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d',
  pipeline_tag: 'text-generation',
  tags: ['transformers', 'safetensors', 'qwen3', 'text-generation'],
  cardData: {
    license: 'apache-2.0',
    base_model: ['Qwen/Qwen3-0.6B'],
    datasets: ['acme/tool-calls'],
  },
  gated: false,
  private: false,
  safetensors: { parameters: { BF16: 596049920, F32: 1024 }, total: 596050944 },
  config: { model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] },
};
const requests: Array<{ url: string; authorization: string | undefined }> = [];

function startHub(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const url = request.url ?? '';
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (
      url === '/api/models/acme/qwen3-tools' ||
      url.startsWith('/api/models/acme/qwen3-tools/revision/')
    ) {
      return json(200, modelInfo);
    }
    if (url === `/acme/qwen3-tools/resolve/${modelInfo.sha}/config.json`) {
      return json(200, {
        architectures: ['Qwen3ForCausalLM'],
        max_position_embeddings: 40960,
        model_type: 'qwen3',
      });
    }
    if (url === '/api/models/acme/private') {
      return request.headers.authorization === 'Bearer hf_goodtoken123'
        ? json(200, {
            ...modelInfo,
            id: 'acme/private',
            private: true,
            sha: 'abc',
            cardData: undefined,
            safetensors: undefined,
          })
        : json(401, { error: 'Invalid credentials in Authorization header' });
    }
    if (url === '/acme/private/resolve/abc/config.json')
      return json(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    if (url === '/api/models/meta/gated')
      return json(
        403,
        { error: 'Access to model meta/gated is restricted.' },
        { 'x-error-code': 'GatedRepo' },
      );
    if (url === '/api/models/acme/garbage') return json(200, { sha: 1 });
    return json(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

let hub: { server: Server; url: string };
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => new Promise<void>((done) => hub.server.close(() => done())));

const open = () =>
  createRegistry({
    storage: createMemoryStorage(),
    hubUrl: hub.url,
    validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
  });

async function errorOf(promise: Promise<unknown>): Promise<TinyLLMError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TinyLLMError.isInstance(error))
    throw new Error(`expected a TinyLLMError, got ${String(error)}`);
  return error;
}

describe('importFromHub', () => {
  it('registers a model with its provenance from model info and config.json', async () => {
    requests.length = 0;
    const registry = open();
    const record = await registry.importFromHub('acme/qwen3-tools', { token: 'hf_secrettoken42' });
    expect(record).toMatchObject({
      name: 'qwen3-tools',
      provider: 'huggingface',
      modelId: 'acme/qwen3-tools',
      contextLength: 40960,
      tags: ['text-generation'],
      provenance: {
        baseModel: 'Qwen/Qwen3-0.6B',
        trainingDataset: 'acme/tool-calls',
        version: 1,
        source: {
          type: 'huggingface-hub',
          repoId: 'acme/qwen3-tools',
          revision: modelInfo.sha,
          license: 'apache-2.0',
          pipelineTag: 'text-generation',
          parameterCount: 596049920 + 1024,
          gated: false,
          private: false,
        },
      },
    });
    // What the client sent: the documented paths and the bearer token.
    expect(requests).toEqual([
      { url: '/api/models/acme/qwen3-tools', authorization: 'Bearer hf_secrettoken42' },
      {
        url: `/acme/qwen3-tools/resolve/${modelInfo.sha}/config.json`,
        authorization: 'Bearer hf_secrettoken42',
      },
    ]);
  });

  it('creates name-v2 on re-import and keeps both', async () => {
    const registry = open();
    await registry.importFromHub('acme/qwen3-tools');
    const second = await registry.importFromHub('acme/qwen3-tools', {
      revision: 'main',
      overrides: { provenance: { trainingMethod: 'sft' } },
    });
    expect(second).toMatchObject({
      name: 'qwen3-tools-v2',
      provenance: { version: 2, trainingMethod: 'sft' },
    });
    expect(requests.at(-2)?.url).toBe('/api/models/acme/qwen3-tools/revision/main');
    expect((await registry.models.versions('qwen3-tools')).map((model) => model.name)).toEqual([
      'qwen3-tools',
      'qwen3-tools-v2',
    ]);
  });

  it('imports a private repo with a token, tolerating a missing config.json', async () => {
    const record = await open().importFromHub('acme/private', { token: 'hf_goodtoken123' });
    expect(record).toMatchObject({
      contextLength: null,
      provenance: { source: { private: true, parameterCount: null, license: null } },
    });
  });

  it('maps 401, 403 (gated), 404, bad payloads and network failures to typed errors', async () => {
    const registry = open();
    const unauthorized = await errorOf(
      registry.importFromHub('acme/private', { token: 'hf_badtoken999' }),
    );
    expect(unauthorized).toMatchObject({
      code: 'AUTH_FAILED',
      status: 401,
      details: { reason: 'unauthorized' },
    });
    expect(JSON.stringify(unauthorized.toJSON())).not.toContain('hf_badtoken999');
    expect(await errorOf(registry.importFromHub('meta/gated'))).toMatchObject({
      code: 'AUTH_FAILED',
      status: 403,
      details: { reason: 'gated' },
    });
    expect(await errorOf(registry.importFromHub('acme/missing'))).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      status: 404,
      details: { hubErrorCode: 'RepoNotFound' },
    });
    expect((await errorOf(registry.importFromHub('acme/garbage'))).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    expect(await errorOf(registry.importFromHub('../etc/passwd'))).toMatchObject({
      code: 'INVALID_REQUEST',
      path: 'repoId',
    });
    const offline = createRegistry({
      storage: createMemoryStorage(),
      hubUrl: 'http://127.0.0.1:1',
      validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
    });
    const network = await errorOf(offline.importFromHub('acme/qwen3-tools'));
    expect(network).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
    expect((await registry.models.list()).total).toBe(0);
  });
});
