import { createScriptedModel } from '@tinyllm/core/testing';
import { tinyTools } from '@tinyllm/example-tools';
import { createModelManager } from '@tinyllm/providers/transformers';
import { createMemoryStorage, createRegistry } from '@tinyllm/registry';
import { describe, expect, it } from 'vitest';
import { ChatSession, ensureDefaultModel } from './session';

// Unused by the scripted models below; the session needs one for local models.
const manager = createModelManager();

async function setup(script: Parameters<typeof createScriptedModel>[0]['script']) {
  const registry = createRegistry({ storage: createMemoryStorage() });
  await registry.models.register({
    name: 'scripted',
    provider: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:9/v1',
    modelId: 'scripted-model',
  });
  const model = createScriptedModel({ script });
  let output = '';
  const session = new ChatSession({
    registry,
    manager,
    output: { write: (text) => (output += text) },
    tools: tinyTools,
    createModel: async () => model,
  });
  await session.useModel('scripted');
  return { session, model, registry, read: () => output };
}

describe('ChatSession', () => {
  it('runs the tool and keeps the conversation across messages', async () => {
    const { session, model, read } = await setup([
      {
        toolCalls: [{ name: 'calculator', arguments: { expression: '12 * 7' } }],
        usage: { inputTokens: 50, outputTokens: 9 },
      },
      { text: ['12 * 7 ', '= 84.'], usage: { inputTokens: 70, outputTokens: 6 } },
      { text: 'You are welcome.', usage: { inputTokens: 90, outputTokens: 4 } },
    ]);
    await session.send('what is 12 times 7?', new AbortController().signal);
    expect(read()).toContain('[tool call] calculator({"expression":"12 * 7"})');
    expect(read()).toContain('[tool result] {"result":84}');
    expect(read()).toContain('assistant> 12 * 7 = 84.');
    expect(read()).toMatch(/usage: 120 in \+ 15 out tokens/);
    await session.send('thanks', new AbortController().signal);
    // user, assistant (tool call), tool, assistant, user
    expect(model.calls[2]?.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    session.printUsage();
    expect(read()).toContain('session: 2 replies (0 stopped), 210 in + 19 out tokens');
  });

  it('an abort stops the reply and leaves the conversation as it was', async () => {
    const { session, model, read } = await setup([
      { text: ['a', 'b', 'c', 'd', 'e', 'f'], chunkDelayMs: 100 },
      { text: 'short' },
    ]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await session.send('long story', controller.signal);
    expect(read()).toContain('(stopped)');
    expect(read()).not.toContain('abcdef');
    await session.send('hi', new AbortController().signal);
    expect(model.calls[1]?.messages).toEqual([{ role: 'user', content: 'hi' }]);
    session.printUsage();
    expect(read()).toContain('session: 1 replies (1 stopped)');
  });

  it('/clear forgets the conversation', async () => {
    const { session, model } = await setup([{ text: 'one' }, { text: 'two' }]);
    await session.send('first', new AbortController().signal);
    session.clear();
    await session.send('second', new AbortController().signal);
    expect(model.calls[1]?.messages).toEqual([{ role: 'user', content: 'second' }]);
  });

  it('refuses an unknown model and lists models with the current one marked', async () => {
    const { session, read } = await setup([]);
    await expect(session.useModel('nope')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await session.printModels();
    expect(read()).toContain('* 1. scripted  (openai-compatible: scripted-model)');
  });
});

describe('ensureDefaultModel', () => {
  it('registers the tiny model in an empty registry only', async () => {
    const registry = createRegistry({ storage: createMemoryStorage() });
    await ensureDefaultModel(registry);
    await ensureDefaultModel(registry);
    const { items } = await registry.models.list();
    expect(items.map((record) => [record.name, record.provider])).toEqual([
      ['tiny-tool-qwen', 'transformers'],
    ]);
  });
});
