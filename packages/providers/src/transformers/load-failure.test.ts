/**
 * Issue 16 item 11: a model folder that is there but cannot be loaded is MODEL_LOAD_FAILED
 * (with the cause, not retryable), and the dtype is picked from the files present.
 */
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createTransformers } from './index';
import { availableDtypes, resolveLocalDtype } from './load-model';
import { fixtureDir, removeTemporaryDirectories, temporaryDirectory } from './test-fixture';

afterAll(removeTemporaryDirectories);

/** A model folder with the fixture's config and tokenizer and the given ONNX files. */
function modelFolder(onnx: Record<string, string | Buffer | 'fixture'>): string {
  const models = temporaryDirectory('tinyllm-load-');
  const directory = path.join(models, 'm');
  mkdirSync(path.join(directory, 'onnx'), { recursive: true });
  for (const file of [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ])
    copyFileSync(path.join(fixtureDir, file), path.join(directory, file));
  for (const [name, content] of Object.entries(onnx)) {
    const target = path.join(directory, 'onnx', name);
    if (content === 'fixture') symlinkSync(path.join(fixtureDir, 'onnx', 'model.onnx'), target);
    else writeFileSync(target, content);
  }
  return models;
}

const hello = { messages: [{ role: 'user' as const, content: 'hello' }], maxOutputTokens: 4 };

describe('transformers: loading failures', () => {
  it('a corrupt model.onnx is MODEL_LOAD_FAILED with the cause, not MODEL_NOT_FOUND', async () => {
    const transformers = createTransformers({
      modelsDir: modelFolder({ 'model.onnx': Buffer.from('this is not an onnx graph') }),
    });
    try {
      const error = await transformers('m')
        .chat(hello)
        .catch((caught: unknown) => caught);
      expect(TinyLLMError.hasCode(error, 'MODEL_LOAD_FAILED')).toBe(true);
      expect((error as TinyLLMError).retryable).toBe(false);
      expect((error as TinyLLMError).cause).toBeDefined();
    } finally {
      await transformers.dispose();
    }
  }, 60_000);

  it('an explicit dtype without its file names the `dtype` option and the dtypes present', async () => {
    const transformers = createTransformers({
      modelsDir: modelFolder({ 'model.onnx': 'fixture' }),
    });
    try {
      const error = await transformers('m', { dtype: 'q8' })
        .chat(hello)
        .catch((caught: unknown) => caught);
      expect(TinyLLMError.hasCode(error, 'MODEL_LOAD_FAILED')).toBe(true);
      expect((error as TinyLLMError).path).toBe('dtype');
      expect((error as Error).message).toMatch(/model_quantized\.onnx.*"fp32".*`dtype`/);
    } finally {
      await transformers.dispose();
    }
  }, 60_000);

  it('without a dtype, the one whose file is present is used (a q8-only folder loads)', async () => {
    const models = modelFolder({ 'model_quantized.onnx': 'fixture' });
    expect(availableDtypes(path.join(models, 'm'))).toEqual(['q8']);
    // The fixture's config names fp32, which is absent: the file present wins.
    expect(resolveLocalDtype(path.join(models, 'm'), undefined, 'm')).toBe('q8');
    expect(resolveLocalDtype(fixtureDir, undefined, 'm')).toBe('fp32');
    const transformers = createTransformers({ modelsDir: models });
    try {
      const response = await transformers('m').chat(hello);
      expect(response.usage.outputTokens).toBeGreaterThan(0);
    } finally {
      await transformers.dispose();
    }
  }, 60_000);
});
