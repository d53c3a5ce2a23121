/**
 * Real inference on the fixture model (`models/tiny-tool-qwen`, a tiny Qwen2 trained for tool
 * use). Greedy decoding is deterministic, so answers can be asserted exactly where it matters.
 * Models load from local files only: nothing here touches the network.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type ChatRequest, TinyLLMError, type ToolCall } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { toTemplateMessages, toTemplateTools } from './chat-template';
import { type ModelManagerEvent, createModelManager } from './model-manager';
import {
  aliasModelsDir,
  fixtureDir,
  fixtureModelId,
  fixtureReference,
  fixtureTools,
  modelsDir,
  observeRuntime,
  removeTemporaryDirectories,
} from './test-fixture';
import { createTransformers } from './transformers-provider';

if (!existsSync(path.join(fixtureDir, 'onnx', 'model.onnx'))) {
  throw new Error(
    `The fixture model is missing at ${fixtureDir}: train it with training/train_tiny_tool_model.py (see training/README.md).`,
  );
}

const tools = fixtureTools();
// The fixture model was trained only on prompts that carry its tool list (as an app's prompts
// do); without it the model is out of distribution, so every request here carries the tools.
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content }],
  tools,
  ...extra,
});

async function errorOf(promise: Promise<unknown>): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    expect(TinyLLMError.isInstance(error), String(error)).toBe(true);
    return error as TinyLLMError;
  }
  throw new Error('expected a rejection');
}

// One provider for the tests that only need a loaded model, so the model loads once.
const shared = createTransformers({ modelsDir });
const model = shared(fixtureModelId);
afterAll(async () => {
  await shared.dispose();
  removeTemporaryDirectories();
});

describe('transformers adapter on the fixture model', () => {
  it('renders core messages and tools exactly like the reference chat template', async () => {
    const { runtime, release } = await model.acquireRuntime();
    try {
      const toolCall: ToolCall = {
        id: 'call_1',
        name: 'calculator',
        arguments: { expression: '12 * 7' },
      };
      const conversation = [
        { role: 'user' as const, content: 'what is 12 times 7?' },
        { role: 'assistant' as const, content: '', toolCalls: [toolCall] },
        {
          role: 'tool' as const,
          toolCallId: 'call_1',
          toolName: 'calculator',
          content: '{"result":84}',
        },
      ];
      const reference = fixtureReference().chat_template_tests;
      const cases = [
        { messages: conversation.slice(0, 1), withTools: true, expected: reference[0]! },
        { messages: conversation, withTools: true, expected: reference[1]! },
        {
          messages: [{ role: 'user' as const, content: 'hi' }],
          withTools: false,
          expected: reference[3]!,
        },
      ];
      for (const { messages, withTools, expected } of cases) {
        const templateTools = withTools ? toTemplateTools(tools, 'auto') : undefined;
        const text = runtime.tokenizer.apply_chat_template(toTemplateMessages(messages), {
          ...(templateTools ? { tools: templateTools } : {}),
          add_generation_prompt: true,
          tokenize: false,
        });
        expect(text).toBe(expected.text);
        const ids = runtime.tokenizer(text as string, { add_special_tokens: false })
          .input_ids as unknown as { data: BigInt64Array };
        expect(Array.from(ids.data, Number)).toEqual(expected.input_ids);
      }
    } finally {
      release();
    }
  });

  it('computes what PyTorch computed: reference logits, then greedy generation through the KV cache', async () => {
    // The ONNX graph is built node by node from ONNX Runtime's contrib operators
    // (training/export_lean_onnx.py); reference.json holds the training script's PyTorch figures.
    const reference = fixtureReference();
    const { runtime, release } = await model.acquireRuntime();
    try {
      const prompt = reference.chat_template_tests[reference.logits_test.prompt_index]!;
      const inputs = runtime.tokenizer(prompt.text, { add_special_tokens: false });
      const forward = runtime.model as unknown as (
        inputs: unknown,
      ) => Promise<{ logits: { data: Float32Array; dims: number[] } }>;
      const { logits } = await forward(inputs);
      const vocabulary = logits.dims[2]!;
      const last = Array.from(logits.data.subarray((prompt.input_ids.length - 1) * vocabulary));
      reference.logits_test.last_position_logits_first8.forEach((expected, index) => {
        expect(Math.abs(last[index]! - expected), `logit ${index}`).toBeLessThan(1e-3);
      });
      expect(last.indexOf(Math.max(...last))).toBe(reference.logits_test.greedy_next_token_id);

      const generation = reference.greedy_generation_test;
      const generationPrompt = reference.chat_template_tests[generation.prompt_index]!;
      const output = (await runtime.model.generate({
        ...runtime.tokenizer(generationPrompt.text, { add_special_tokens: false }),
        max_new_tokens: generation.max_new_tokens,
        do_sample: false,
      })) as { data: BigInt64Array };
      const newIds = Array.from(output.data, Number).slice(generationPrompt.input_ids.length);
      expect(newIds).toEqual(generation.new_token_ids);
    } finally {
      release();
    }
  });

  it('tokenizes like the training script (its pre-tokenizer spells capitalised words by letter)', async () => {
    const { runtime, release } = await model.acquireRuntime();
    try {
      const tests = fixtureReference().tokenizer_tests;
      expect(tests.length).toBeGreaterThan(10);
      for (const { text, input_ids } of tests) {
        const ids = runtime.tokenizer(text, { add_special_tokens: false }).input_ids as unknown as {
          data: BigInt64Array;
        };
        expect(Array.from(ids.data, Number), text).toEqual(input_ids);
        expect(runtime.tokenizer.decode(input_ids), text).toBe(text);
      }
    } finally {
      release();
    }
  });

  it('chats with exact token usage from the tokenizer', async () => {
    // Without tools, so the prompt is reference prompt 3 (the model's reply to it is not the
    // point here: this test is about usage).
    const plain = ask('hi', { tools: undefined, maxOutputTokens: 48 });
    const response = await model.chat(plain);
    expect(response.text.trim().length).toBeGreaterThan(0);
    expect(response.provider).toBe('transformers');
    expect(response.modelId).toBe(fixtureModelId);
    expect(['stop', 'length']).toContain(response.finishReason);
    // Usage counts the prompt's exact tokens.
    expect(response.usage.inputTokens).toBe(
      fixtureReference().chat_template_tests[3]!.input_ids.length,
    );
    expect(response.usage.estimated).toBe(false);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    expect(response.usage.outputTokens).toBeLessThanOrEqual(48);
    expect(response.usage.totalTokens).toBe(
      response.usage.inputTokens + response.usage.outputTokens,
    );
    // Greedy decoding is deterministic.
    const again = await model.chat(plain);
    expect(again.text).toBe(response.text);
  });

  it('streams tokens as they are generated, and the deltas add up to the answer', async () => {
    const { runtime, release } = await model.acquireRuntime();
    const observed = observeRuntime(runtime);
    release();
    const stream = model.stream(ask('hi', { maxOutputTokens: 48 }));
    const deltas: string[] = [];
    let tokensAtFirstDelta = -1;
    for await (const event of stream) {
      if (event.type === 'text-delta') {
        if (deltas.length === 0) tokensAtFirstDelta = observed.generations.at(-1)!.tokens;
        deltas.push(event.text);
      }
    }
    const response = await stream.finalResponse();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(response.text);
    // The first delta arrived while generation was still running, not after it ended.
    expect(tokensAtFirstDelta).toBeLessThan(response.usage.outputTokens);
    expect(response.timings.timeToFirstTokenMs).toBeLessThan(response.timings.totalMs);
  });

  it('calls the tools it was trained on, with parsed arguments, and answers from the result', async () => {
    const weather = await model.chat(ask("what's the weather in Paris?", { tools }));
    expect(weather.finishReason).toBe('tool-calls');
    expect(weather.toolCalls).toHaveLength(1);
    expect(weather.toolCalls[0]).toMatchObject({
      name: 'get_weather',
      arguments: { city: 'Paris' },
    });
    expect(weather.toolCalls[0]!.id.length).toBeGreaterThan(0);
    expect(weather.invalidToolCalls).toEqual([]);

    const question = ask('what is 12 times 7?', { tools });
    const calculation = await model.chat(question);
    expect(calculation.toolCalls).toHaveLength(1);
    const call = calculation.toolCalls[0]!;
    expect(call.name).toBe('calculator');
    expect(String(call.arguments['expression']).replace(/\s/g, '')).toBe('12*7');

    const answer = await model.chat({
      ...question,
      messages: [
        ...question.messages,
        { role: 'assistant', content: calculation.text, toolCalls: calculation.toolCalls },
        { role: 'tool', toolCallId: call.id, toolName: 'calculator', content: '{"result":84}' },
      ],
    });
    expect(answer.finishReason).toBe('stop');
    expect(answer.toolCalls).toEqual([]);
    expect(answer.text).toContain('84');
  });

  it('abort stops generation within one token step', async () => {
    const { runtime, release } = await model.acquireRuntime();
    const observed = observeRuntime(runtime);
    release();
    const controller = new AbortController();
    // min_new_tokens keeps the model from ending on its own before we abort.
    const request = ask('hi', {
      maxOutputTokens: 200,
      providerOptions: { transformers: { min_new_tokens: 200 } },
    });
    let abortedAt = 0;
    let deltas = 0;
    const ended = observed.nextGenerationEnd();
    const error = await errorOf(
      (async () => {
        for await (const event of model.stream(request, { signal: controller.signal })) {
          if (event.type === 'text-delta' && ++deltas === 3) {
            abortedAt = performance.now();
            controller.abort();
          }
        }
      })(),
    );
    expect(error.code).toBe('ABORTED');
    const endedAt = await ended;
    const generation = observed.generations.at(-1)!;
    expect(generation.tokensAfter(abortedAt)).toBeLessThanOrEqual(1);
    expect(generation.tokens).toBeLessThan(20);
    expect(endedAt - abortedAt).toBeLessThan(100);
    // The model is free again: the next request runs at once.
    const next = await model.chat(ask('hi', { maxOutputTokens: 4 }));
    expect(next.usage.outputTokens).toBeGreaterThan(0);
  });

  it('honours maxOutputTokens (finish reason length) and stop sequences', async () => {
    const short = await model.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(short.finishReason).toBe('length');
    expect(short.usage.outputTokens).toBe(2);

    // Greedy decoding is deterministic: a stop sequence taken from the middle of the full
    // answer must cut the same answer right before it.
    const question = ask('hi', { maxOutputTokens: 48 });
    const full = await model.chat(question);
    expect(full.text.length).toBeGreaterThanOrEqual(4);
    const stop = full.text.slice(Math.floor(full.text.length / 2)).slice(0, 2);
    const stopped = await model.chat({ ...question, stop: [stop] });
    expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.usage.outputTokens).toBeLessThan(full.usage.outputTokens);
  });

  it('samples with temperature and is reproducible with a seed', async () => {
    const request = ask('hi', { maxOutputTokens: 16, temperature: 1.5, topK: 50, seed: 7 });
    const first = await model.chat(request);
    const second = await model.chat(request);
    expect(second.text).toBe(first.text);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
  });

  it('rejects a prompt longer than the context window with CONTEXT_LENGTH_EXCEEDED', async () => {
    const tiny = shared(fixtureModelId, { contextLength: 8 });
    expect(tiny.capabilities.contextLength).toBe(8);
    const error = await errorOf(tiny.chat(ask('what is the weather like in Paris today?')));
    expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(error.details).toMatchObject({ contextLength: 8 });
  });

  it('fails with MODEL_NOT_FOUND for an unknown model without touching the network', async () => {
    const error = await errorOf(shared('no-such-model').chat(ask('hi')));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/allowRemoteModels/);
  });

  it('names the package to install when transformers.js is missing', async () => {
    const missing = createTransformers({
      modelsDir,
      importLibrary: () =>
        Promise.reject(
          Object.assign(new Error("Cannot find package '@huggingface/transformers'"), {
            code: 'ERR_MODULE_NOT_FOUND',
          }),
        ),
    });
    const error = await errorOf(missing(fixtureModelId).chat(ask('hi')));
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toContain('npm install @huggingface/transformers');
    await missing.dispose();
  });

  it('hands sessionOptions to ONNX Runtime (model over provider), as another model in memory', async () => {
    // The real library, with its model loader observed: what reaches transformers.js.
    const sessionOptionsSeen: unknown[] = [];
    const observed = createTransformers({
      modelsDir,
      sessionOptions: { intraOpNumThreads: 2, interOpNumThreads: 1 },
      importLibrary: observingSessionOptions(sessionOptionsSeen),
    });
    try {
      const oneThread = observed(fixtureModelId, { sessionOptions: { intraOpNumThreads: 1 } });
      const response = await oneThread.chat(ask('what is 12 times 7?'));
      expect(response.toolCalls[0]?.name).toBe('calculator');
      expect(sessionOptionsSeen).toEqual([{ intraOpNumThreads: 1, interOpNumThreads: 1 }]);
      // The provider's options alone make another entry in the manager: a second load.
      await observed(fixtureModelId).chat(ask('hello!'));
      expect(sessionOptionsSeen).toEqual([
        { intraOpNumThreads: 1, interOpNumThreads: 1 },
        { intraOpNumThreads: 2, interOpNumThreads: 1 },
      ]);
      expect(observed.manager.models().length).toBe(2);
    } finally {
      await observed.dispose();
    }
  });

  it('loads the shipped model (4.3 MB of weights) on one intra-op thread by default', async () => {
    const sessionOptionsSeen: unknown[] = [];
    const observed = createTransformers({
      modelsDir,
      importLibrary: observingSessionOptions(sessionOptionsSeen),
    });
    try {
      const response = await observed(fixtureModelId).chat(ask('what is 12 times 7?'));
      expect(response.toolCalls[0]?.name).toBe('calculator');
      // `0` asks for ONNX Runtime's own choice, as another model in the manager.
      await observed(fixtureModelId, { sessionOptions: { intraOpNumThreads: 0 } }).chat(
        ask('hello!'),
      );
      expect(sessionOptionsSeen).toEqual([{ intraOpNumThreads: 1 }, { intraOpNumThreads: 0 }]);
    } finally {
      await observed.dispose();
    }
  });

  it('rejects a thread count that is not a whole number with INVALID_CONFIG naming the field', () => {
    let thrown: unknown;
    try {
      shared(fixtureModelId, { sessionOptions: { intraOpNumThreads: 1.5 } });
    } catch (error) {
      thrown = error;
    }
    expect(TinyLLMError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({
      code: 'INVALID_CONFIG',
      path: 'sessionOptions.intraOpNumThreads',
    });
    expect((thrown as Error).message).toContain('sessionOptions.intraOpNumThreads');
  });
});

/** The real library, with its model loader observed: the session options that reach it. */
function observingSessionOptions(seen: unknown[]): () => Promise<unknown> {
  return async () => {
    const library = (await import('@huggingface/transformers')) as Record<string, unknown>;
    const causalLM = library['AutoModelForCausalLM'] as {
      from_pretrained(id: string, options: Record<string, unknown>): Promise<unknown>;
    };
    return {
      ...library,
      AutoModelForCausalLM: {
        from_pretrained: (id: string, options: Record<string, unknown>) => {
          seen.push(options['session_options']);
          return causalLM.from_pretrained(id, options);
        },
      },
    };
  };
}

describe('transformers adapter with its model manager', () => {
  it('emits load progress events and loads once for concurrent first requests', async () => {
    const events: ModelManagerEvent[] = [];
    const transformers = createTransformers({
      modelsDir,
      manager: { onEvent: (event) => events.push(event), maxQueuedRequestsPerModel: 8 },
    });
    const local = transformers(fixtureModelId);
    const responses = await Promise.all([
      local.chat(ask('hi', { maxOutputTokens: 4 })),
      local.chat(ask('hi', { maxOutputTokens: 4 })),
      local.load(),
    ]);
    expect(responses[0]!.text).toBe(responses[1]!.text);
    expect(transformers.manager.loadCount(fixtureModelId)).toBe(1);
    expect(events.filter((event) => event.type === 'load-start')).toHaveLength(1);
    const progress = events.flatMap((event) =>
      event.type === 'load-progress' ? [event.progress] : [],
    );
    const files = new Set(progress.flatMap((entry) => ('file' in entry ? [entry.file] : [])));
    expect(files).toContain('onnx/model.onnx');
    expect(files).toContain('tokenizer.json');
    expect(progress.some((entry) => entry.status === 'done')).toBe(true);
    const end = events.find((event) => event.type === 'load-end');
    expect(end).toMatchObject({ modelId: fixtureModelId });
    // The estimate is the ONNX file plus the tokenizer.
    expect(end?.type === 'load-end' && end.memoryBytes).toBeGreaterThan(0);
    await transformers.dispose();
  });

  it('evicts the least recently used model past maxLoadedModels and releases its ONNX session', async () => {
    const dir = aliasModelsDir(['alpha', 'beta', 'gamma']);
    const transformers = createTransformers({ modelsDir: dir, manager: { maxLoadedModels: 2 } });
    const unloads: string[] = [];
    transformers.manager.subscribe((event) => {
      if (event.type === 'unload') unloads.push(`${event.modelId}:${event.reason}`);
    });
    const [alpha, beta, gamma] = ['alpha', 'beta', 'gamma'].map((id) => transformers(id));
    await alpha!.chat(ask('hi', { maxOutputTokens: 2 }));
    await beta!.chat(ask('hi', { maxOutputTokens: 2 }));
    // Spy on beta's ONNX session before it is evicted.
    const { runtime, release } = await beta!.acquireRuntime();
    release();
    let released = 0;
    for (const session of Object.values(runtime.model.sessions)) {
      const original = session.release?.bind(session);
      session.release = async () => {
        released++;
        await original?.();
      };
    }
    await alpha!.chat(ask('hi', { maxOutputTokens: 2 }));
    await gamma!.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(unloads).toEqual(['beta:lru']);
    expect(released).toBeGreaterThan(0);
    expect(transformers.manager.models().map((entry) => entry.modelId)).toEqual(['alpha', 'gamma']);
    // beta reloads on its next use.
    await beta!.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(transformers.manager.loadCount('beta')).toBe(2);
    expect(unloads).toEqual(['beta:lru', 'alpha:lru']);
    await transformers.dispose();
  });

  it('MEMORY_EXCEEDED when the model cannot fit the budget; a budget for one model evicts the other', async () => {
    const dir = aliasModelsDir(['one', 'two']);
    const onnxBytes = (await import('node:fs')).statSync(
      path.join(fixtureDir, 'onnx', 'model.onnx'),
    ).size;
    const tooSmall = createTransformers({ modelsDir: dir, manager: { memoryBudgetBytes: 1024 } });
    const error = await errorOf(tooSmall('one').chat(ask('hi')));
    expect(error.code).toBe('MEMORY_EXCEEDED');
    expect(error.retryable).toBe(false);
    expect(tooSmall.manager.loadCount('one')).toBe(0);
    await tooSmall.dispose();

    const forOne = createTransformers({
      modelsDir: dir,
      manager: { maxLoadedModels: 5, memoryBudgetBytes: Math.floor(onnxBytes * 1.5) },
    });
    const reasons: string[] = [];
    forOne.manager.subscribe((event) => {
      if (event.type === 'unload') reasons.push(`${event.modelId}:${event.reason}`);
    });
    await forOne('one').chat(ask('hi', { maxOutputTokens: 2 }));
    await forOne('two').chat(ask('hi', { maxOutputTokens: 2 }));
    expect(reasons).toEqual(['one:memory']);
    await forOne.dispose();
  });

  it('bounds the queue (QUEUE_FULL) and a queued request honours its signal and timeout', async () => {
    const transformers = createTransformers({
      modelsDir,
      manager: { maxQueuedRequestsPerModel: 1 },
    });
    const local = transformers(fixtureModelId);
    await local.load();
    const long = ask('hi', {
      maxOutputTokens: 120,
      providerOptions: { transformers: { min_new_tokens: 120 } },
    });
    const running = local.chat(long);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const controller = new AbortController();
    const queued = local.chat(ask('hi', { maxOutputTokens: 2 }), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await errorOf(local.chat(ask('hi')))).code).toBe('QUEUE_FULL');
    controller.abort();
    expect((await errorOf(queued)).code).toBe('ABORTED');
    const impatient = transformers(fixtureModelId, { queueTimeoutMs: 10 });
    expect((await errorOf(impatient.chat(ask('hi')))).code).toBe('TIMEOUT');
    expect((await running).usage.outputTokens).toBe(120);
    await transformers.dispose();
  });

  it('unloads an idle model after the timeout and reloads it on the next request', async () => {
    const transformers = createTransformers({ modelsDir, manager: { idleTimeoutMs: 50 } });
    const local = transformers(fixtureModelId);
    await local.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(transformers.manager.models()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(transformers.manager.models()).toHaveLength(0);
    await local.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(transformers.manager.loadCount(fixtureModelId)).toBe(2);
    await transformers.dispose();
  });

  it('dispose() during a generation stops it and fails the request clearly', async () => {
    const transformers = createTransformers({ modelsDir });
    const local = transformers(fixtureModelId);
    await local.load();
    const running = local.chat(
      ask('hi', {
        maxOutputTokens: 200,
        providerOptions: { transformers: { min_new_tokens: 200 } },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const startedAt = performance.now();
    await transformers.dispose();
    expect(performance.now() - startedAt).toBeLessThan(1000);
    const error = await errorOf(running);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(transformers.manager.models()).toEqual([]);
  });

  it('unload() and dispose() release the ONNX session; after dispose, use fails clearly', async () => {
    const manager = createModelManager();
    const transformers = createTransformers({ modelsDir, manager });
    const local = transformers(fixtureModelId);
    const spyOnRelease = async () => {
      const { runtime, release } = await local.acquireRuntime();
      release();
      const counter = { released: 0 };
      for (const session of Object.values(runtime.model.sessions)) {
        const original = session.release?.bind(session);
        session.release = async () => {
          counter.released++;
          await original?.();
        };
      }
      return counter;
    };
    const first = await spyOnRelease();
    expect(await local.unload()).toBe(true);
    expect(first.released).toBeGreaterThan(0);
    // Unloaded, not gone: the next request reloads.
    await local.chat(ask('hi', { maxOutputTokens: 2 }));
    expect(manager.loadCount(fixtureModelId)).toBe(2);

    const second = await spyOnRelease();
    // A provider given a shared manager leaves it to its owner.
    await transformers.dispose();
    expect(manager.disposed).toBe(false);
    await manager.dispose();
    expect(second.released).toBeGreaterThan(0);
    const error = await errorOf(local.chat(ask('hi')));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toMatch(/disposed/);
  });
});
