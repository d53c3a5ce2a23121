import { describe, expect, it } from 'vitest';
import { TinyLLMError } from '../errors';
import type { ChatModel } from '../model';
import { createScriptedModel } from '../testing/index';
import { createRouter } from './router';

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const answering = (text: string) => createScriptedModel({ script: [{ text }], repeat: true });

describe('router with a model resolver', () => {
  it('looks a name up on every request, so a moved pointer applies to the next call', async () => {
    const models: Record<string, ChatModel> = { 'tools@production': answering('v1') };
    const lookups: string[] = [];
    const router = createRouter({
      models: {},
      resolveModel: (name) => {
        lookups.push(name);
        return models[name];
      },
    });
    expect((await router.chat('tools@production', request)).text).toBe('v1');
    models['tools@production'] = answering('v2'); // a promotion, no restart
    expect((await router.chat('tools@production', request)).text).toBe('v2');
    expect(lookups).toEqual(['tools@production', 'tools@production']);
  });

  it('prefers configured models, falls back to resolved ones, and types unknown names', async () => {
    const router = createRouter({
      models: {
        local: createScriptedModel({
          script: [{ error: { code: 'PROVIDER_UNAVAILABLE', message: 'down' } }],
          repeat: true,
        }),
      },
      fallbacks: { local: ['remote@production'] },
      retry: { maxRetries: 0 },
      resolveModel: async (name) =>
        name === 'remote@production' ? answering('remote') : undefined,
    });
    expect((await router.chat('local', request)).text).toBe('remote');
    const error = await router.chat('missing@production', request).catch((caught) => caught);
    expect(TinyLLMError.hasCode(error, 'MODEL_NOT_FOUND')).toBe(true);
    expect((error as TinyLLMError).message).toContain('missing@production');
  });

  it('turns a throwing resolver into a typed error', async () => {
    const router = createRouter({
      models: {},
      resolveModel: () => {
        throw new Error('registry unreachable');
      },
    });
    const error = await router.chat('x', request).catch((caught) => caught);
    expect(TinyLLMError.isInstance(error)).toBe(true);
    expect((error as TinyLLMError).message).toContain('registry unreachable');
  });

  it('without a resolver, a fallback must be configured', () => {
    expect(() => createRouter({ models: {}, fallbacks: { a: ['b'] } })).toThrow(TinyLLMError);
  });
});
