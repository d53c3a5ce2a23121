/**
 * What the adapter sends to transformers.js, checked on a scripted runtime: generation options,
 * sampling and seed, the rendered tools, and reasoning opened by the prompt.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConformanceScenario } from '../testing/conformance';
import { createScriptedBackend, scriptedModelsDir } from './fake-library';
import { removeTemporaryDirectories } from './test-fixture';
import { type TransformersProvider, createTransformers } from './transformers-provider';

const answer = (chunks: string[]): ConformanceScenario => ({
  kind: 'text',
  chunks,
  finishReason: 'stop',
  usage: { inputTokens: 5, outputTokens: chunks.length },
});

afterAll(removeTemporaryDirectories);

let provider: TransformersProvider | undefined;
afterEach(async () => {
  await provider?.dispose();
  provider = undefined;
});

function scriptedModel(script: ConformanceScenario[], promptSuffix?: string) {
  const backend = createScriptedBackend(script, promptSuffix === undefined ? {} : { promptSuffix });
  provider = createTransformers({
    modelsDir: scriptedModelsDir(),
    importLibrary: async () => backend.library,
  });
  return { backend, model: provider('scripted') };
}

const weather = { name: 'get_weather', parameters: { type: 'object' } };

describe('transformers adapter → transformers.js', () => {
  it('always sets max_new_tokens (default 256), greedy unless a temperature is given', async () => {
    const { backend, model } = scriptedModel([answer(['a']), answer(['b'])]);
    await model.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(backend.generateCalls[0]).toMatchObject({ max_new_tokens: 256 });
    expect(backend.generateCalls[0]).not.toHaveProperty('do_sample');
    await model.chat({
      messages: [{ role: 'user', content: 'hi' }],
      maxOutputTokens: 9,
      temperature: 0,
    });
    expect(backend.generateCalls[1]).toMatchObject({ max_new_tokens: 9, do_sample: false });
    expect(backend.seeds).toEqual([]);
  });

  it('maps sampling options and seeds the library RNG before sampling', async () => {
    const { backend, model } = scriptedModel([answer(['a'])]);
    await model.chat({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.7,
      topK: 20,
      topP: 0.9,
      seed: 42,
      providerOptions: { transformers: { repetition_penalty: 1.1 } },
    });
    expect(backend.generateCalls[0]).toMatchObject({
      do_sample: true,
      temperature: 0.7,
      top_k: 20,
      top_p: 0.9,
      repetition_penalty: 1.1,
    });
    expect(backend.seeds).toEqual([42]);
  });

  it('sends tools to the template unless toolChoice is none', async () => {
    const { backend, model } = scriptedModel([answer(['a']), answer(['b'])]);
    const messages = [{ role: 'user' as const, content: 'weather?' }];
    await model.chat({ messages, tools: [weather] });
    expect(JSON.parse(backend.prompts[0]!).tools).toEqual([
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ]);
    await model.chat({ messages, tools: [weather], toolChoice: 'none' });
    expect(JSON.parse(backend.prompts[1]!).tools).toBeNull();
  });

  it('treats output as reasoning when the prompt opens a <think> block', async () => {
    const { model } = scriptedModel(
      [answer(['Let me', ' think.', '</think>', 'Hello!'])],
      '<think>\n',
    );
    const response = await model.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(response.reasoning).toBe('Let me think.');
    expect(response.text).toBe('Hello!');
  });
});
