import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toTemplateMessages, toTemplateTools } from './chat-template';
import {
  estimateLocalModelBytes,
  localWeightsBytes,
  oneThreadWeightsBytes,
  resolveModelLocation,
  sessionOptionsFor,
  toLoadProgress,
} from './load-model';
import { removeTemporaryDirectories, temporaryDirectory } from './test-fixture';

afterAll(removeTemporaryDirectories);

function fakeModelFolder(files: Record<string, number>): string {
  const root = temporaryDirectory('tinyllm-load-');
  const directory = path.join(root, 'm');
  mkdirSync(path.join(directory, 'onnx'), { recursive: true });
  writeFileSync(path.join(directory, 'config.json'), '{}');
  for (const [name, size] of Object.entries(files))
    writeFileSync(path.join(directory, name), Buffer.alloc(size));
  return directory;
}

describe('resolveModelLocation', () => {
  it('finds a model folder under modelsDir, or as a path', () => {
    const directory = fakeModelFolder({});
    const modelsDir = path.dirname(directory);
    expect(resolveModelLocation('m', { modelsDir, allowRemoteModels: false })).toEqual({
      kind: 'local',
      directory,
    });
    expect(
      resolveModelLocation(directory, { modelsDir: undefined, allowRemoteModels: false }),
    ).toEqual({ kind: 'local', directory });
  });

  it('uses the Hub only when remote models are allowed', () => {
    expect(
      resolveModelLocation('onnx-community/Qwen3-0.6B-ONNX', {
        modelsDir: undefined,
        allowRemoteModels: true,
      }),
    ).toEqual({ kind: 'hub', id: 'onnx-community/Qwen3-0.6B-ONNX' });
    expect(() =>
      resolveModelLocation('onnx-community/Qwen3-0.6B-ONNX', {
        modelsDir: tmpdir(),
        allowRemoteModels: false,
      }),
    ).toThrowError(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    // A path that does not exist is never sent to the Hub.
    expect(() =>
      resolveModelLocation('./missing-model', { modelsDir: undefined, allowRemoteModels: true }),
    ).toThrowError(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });
});

describe('estimateLocalModelBytes', () => {
  it('counts the ONNX file of the chosen dtype, its external data and the tokenizer', () => {
    const directory = fakeModelFolder({
      'tokenizer.json': 100,
      'onnx/model.onnx': 1000,
      'onnx/model_quantized.onnx': 300,
      'onnx/model_q4.onnx': 50,
      'onnx/model_q4.onnx_data': 200,
    });
    expect(estimateLocalModelBytes(directory, 'q8')).toBe(400);
    expect(estimateLocalModelBytes(directory, 'fp32')).toBe(1100);
    expect(estimateLocalModelBytes(directory, 'q4')).toBe(350);
    // Unknown dtype choice: the largest variant, so the budget errs on the safe side.
    expect(estimateLocalModelBytes(directory, undefined)).toBe(1100);
  });
});

describe('sessionOptionsFor', () => {
  const small = { weightsBytes: 4_326_710, device: undefined };

  it('runs a small local model on one intra-op thread unless told otherwise', () => {
    expect(sessionOptionsFor(undefined, small)).toEqual({ intraOpNumThreads: 1 });
    expect(sessionOptionsFor({ interOpNumThreads: 1 }, { ...small, device: 'cpu' })).toEqual({
      interOpNumThreads: 1,
      intraOpNumThreads: 1,
    });
    expect(sessionOptionsFor(undefined, { ...small, weightsBytes: oneThreadWeightsBytes })).toEqual(
      { intraOpNumThreads: 1 },
    );
  });

  it("keeps ONNX Runtime's choice for a thread count set (0 included), a larger model, another device or unknown weights", () => {
    expect(sessionOptionsFor({ intraOpNumThreads: 0 }, small)).toEqual({ intraOpNumThreads: 0 });
    expect(sessionOptionsFor({ intraOpNumThreads: 2 }, small)).toEqual({ intraOpNumThreads: 2 });
    expect(
      sessionOptionsFor(undefined, { ...small, weightsBytes: oneThreadWeightsBytes + 1 }),
    ).toBeUndefined();
    expect(sessionOptionsFor(undefined, { ...small, device: 'cuda' })).toBeUndefined();
    expect(sessionOptionsFor(undefined, { ...small, device: 'auto' })).toBeUndefined();
    expect(
      sessionOptionsFor(undefined, { weightsBytes: undefined, device: undefined }),
    ).toBeUndefined();
    expect(sessionOptionsFor(undefined, { weightsBytes: 0, device: undefined })).toBeUndefined();
  });

  it('sizes the weights of the dtype that loads, without the tokenizer', () => {
    const directory = fakeModelFolder({
      'tokenizer.json': 100,
      'onnx/model.onnx': 1000,
      'onnx/model_q4.onnx': 50,
      'onnx/model_q4.onnx_data': 200,
    });
    expect(localWeightsBytes(directory, 'q4')).toBe(250);
    expect(localWeightsBytes(directory, undefined)).toBe(1000);
  });
});

describe('toLoadProgress', () => {
  it('maps the library progress callback to load progress events', () => {
    expect(toLoadProgress({ status: 'initiate', name: 'm', file: 'config.json' })).toEqual({
      status: 'initiate',
      file: 'config.json',
    });
    expect(
      toLoadProgress({
        status: 'progress',
        file: 'onnx/model.onnx',
        loaded: 5,
        total: 10,
        progress: 50,
      }),
    ).toEqual({
      status: 'progress',
      file: 'onnx/model.onnx',
      loadedBytes: 5,
      totalBytes: 10,
      progress: 50,
    });
    expect(
      toLoadProgress({ status: 'progress_total', loaded: 7, total: 20, progress: 35, files: {} }),
    ).toEqual({ status: 'progress-total', loadedBytes: 7, totalBytes: 20, progress: 35 });
    expect(toLoadProgress({ status: 'ready', task: 'x', model: 'm' })).toBeUndefined();
  });
});

describe('chat template mapping', () => {
  it('maps tool calls with object arguments and tool results without ids', () => {
    expect(
      toTemplateMessages([
        { role: 'system', content: 'Be brief.' },
        {
          role: 'assistant',
          content: '',
          reasoning: 'not re-sent',
          toolCalls: [{ id: 'c1', name: 'calculator', arguments: { expression: '1+1' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'calculator', content: '{"result":2}' },
        { role: 'assistant', content: '1+1 = 2.', toolCalls: [] },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { type: 'function', function: { name: 'calculator', arguments: { expression: '1+1' } } },
        ],
      },
      { role: 'tool', content: '{"result":2}' },
      { role: 'assistant', content: '1+1 = 2.' },
    ]);
  });

  it('narrows tools by toolChoice: none hides them, a named tool hides the others', () => {
    const tools = [
      { name: 'a', description: 'A', parameters: { type: 'object' } },
      { name: 'b', parameters: { type: 'object' } },
    ];
    expect(toTemplateTools(tools, 'auto')).toEqual([
      {
        type: 'function',
        function: { name: 'a', description: 'A', parameters: { type: 'object' } },
      },
      { type: 'function', function: { name: 'b', parameters: { type: 'object' } } },
    ]);
    expect(toTemplateTools(tools, 'none')).toBeUndefined();
    expect(
      toTemplateTools(tools, { type: 'tool', name: 'b' })?.map((t) => t.function.name),
    ).toEqual(['b']);
    expect(toTemplateTools([], undefined)).toBeUndefined();
  });
});
