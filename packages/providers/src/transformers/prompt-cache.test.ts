/**
 * Prompt caching on the shipped model: a conversation's turns continue from the previous
 * request's KV cache and answer exactly as without it.
 */
import { type ChatModel, type ChatRequest, type Message, responseToMessage } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { storePromptCache, takePromptCache } from './prompt-cache';
import {
  type ConversationScript,
  chatCliConversation,
  fixtureModelId,
  fixtureTools,
  modelsDir,
  observeRuntime,
  removeTemporaryDirectories,
} from './test-fixture';
import { createTransformers } from './transformers-provider';

const tools = fixtureTools();
const provider = createTransformers({ modelsDir });
const cachedModel = provider(fixtureModelId);
const plainModel = provider(fixtureModelId, { promptCache: false });
afterAll(async () => {
  await provider.dispose();
  removeTemporaryDirectories();
});

const request = (messages: Message[]): ChatRequest => ({ messages, tools, temperature: 0 });

/** Plays a conversation, with the tool results given, and returns every reply with its usage. */
async function converse(model: ChatModel, script: ConversationScript) {
  const messages: Message[] = [];
  const replies = [];
  for (const step of script) {
    const call = replies.at(-1)?.toolCalls[0];
    messages.push(
      typeof step === 'string'
        ? { role: 'user', content: step }
        : { role: 'tool', toolCallId: call!.id, toolName: call!.name, content: step.result },
    );
    const response = await model.chat(request(messages));
    replies.push(response);
    messages.push(responseToMessage(response));
  }
  return replies;
}

const conversation = chatCliConversation;

describe('prompt caching (transformers)', () => {
  it('a conversation answers exactly as without the cache, each request reusing the one before', async () => {
    const plain = await converse(plainModel, conversation);
    const cached = await converse(cachedModel, conversation);
    const view = (replies: typeof plain) =>
      replies.map((reply) => ({
        text: reply.text,
        calls: reply.toolCalls.map(({ name, arguments: args }) => ({ name, args })),
      }));
    expect(view(cached)).toEqual(view(plain));
    expect(cached.map((reply) => reply.usage.inputTokens)).toEqual(
      plain.map((reply) => reply.usage.inputTokens),
    );
    expect(plain.every((reply) => reply.usage.cachedInputTokens === undefined)).toBe(true);
    // Each request's prompt starts with the whole prompt before it (then the reply, re-rendered).
    cached.forEach((reply, index) => {
      const before = cached[index - 1];
      if (before)
        expect(reply.usage.cachedInputTokens).toBeGreaterThanOrEqual(before.usage.inputTokens);
      expect(reply.usage.cachedInputTokens).toBeLessThan(reply.usage.inputTokens);
    });
    expect(cached.map((reply) => reply.text).filter(Boolean)).toEqual([
      '48 + 17 = 65.',
      '65 * 2 = 130.',
      'In Madrid it is sunny and 27°C.',
      "You're welcome!",
    ]);
  });

  it('another conversation reuses only the shared system prompt and tools, and answers the same', async () => {
    await converse(cachedModel, ['what is 12 times 7?']);
    const [cached] = await converse(cachedModel, ['convert 10 miles to km']);
    const [plain] = await converse(plainModel, ['convert 10 miles to km']);
    expect(cached!.toolCalls.map((call) => call.arguments)).toEqual(
      plain!.toolCalls.map((call) => call.arguments),
    );
    // The tool prompt is ~440 tokens of the ~460; the two questions differ after it.
    expect(cached!.usage.cachedInputTokens).toBeGreaterThan(400);
    expect(cached!.usage.cachedInputTokens).toBeLessThan(cached!.usage.inputTokens - 3);
  });

  it('a cut cache gives the same logits as the prompt run whole', async () => {
    const { runtime, release } = await cachedModel.acquireRuntime();
    try {
      const { tokenizer, model, library } = runtime;
      const encode = (text: string) =>
        tokenizer(text, { add_special_tokens: false }).input_ids as unknown as {
          data: BigInt64Array;
          dims: number[];
        };
      const first = encode(
        '<|im_start|>user\nwhat is 12 times 7?<|im_end|>\n<|im_start|>assistant\n',
      );
      const second = encode(
        '<|im_start|>user\nwhat is 12 times 9?<|im_end|>\n<|im_start|>assistant\n',
      );
      const ones = (length: number) =>
        new library.Tensor!('int64', new BigInt64Array(length).fill(1n), [1, length]);
      storePromptCache(
        model,
        await model.generate({
          input_ids: first,
          attention_mask: ones(first.dims[1]!),
          max_new_tokens: 4,
          do_sample: false,
          return_dict_in_generate: true,
        }),
        1,
      );
      const prefix = takePromptCache(model, second.data, library)!;
      let shared = 0;
      while (first.data[shared] === second.data[shared]) shared++;
      expect(prefix.tokens).toBe(shared);
      const forward = (
        model as unknown as { forward(inputs: object): Promise<{ logits: { data: Float32Array } }> }
      ).forward.bind(model);
      const rest = second.data.slice(shared);
      const [whole, continued] = [
        await forward({ input_ids: second, attention_mask: ones(second.dims[1]!) }),
        await forward({
          input_ids: new library.Tensor!('int64', rest, [1, rest.length]),
          attention_mask: ones(second.dims[1]!),
          past_key_values: prefix.pastKeyValues,
        }),
      ];
      const vocabulary = continued.logits.data.length / rest.length;
      const tail = whole.logits.data.slice(shared * vocabulary);
      let largest = 0;
      for (let index = 0; index < tail.length; index++)
        largest = Math.max(largest, Math.abs(tail[index]! - continued.logits.data[index]!));
      expect(largest).toBeLessThan(1e-4);
    } finally {
      release();
    }
  });

  it('with maxEntries 2, two conversations in turn each continue from their own cache', async () => {
    const twoEntries = provider(fixtureModelId, { promptCache: { maxEntries: 2 } });
    const oneEntry = provider(fixtureModelId);
    for (const [model, own] of [
      [twoEntries, true],
      [oneEntry, false],
    ] as const) {
      const first: Message[] = [{ role: 'user', content: 'what is 48 plus 17?' }];
      const second: Message[] = [{ role: 'user', content: "what's the weather in Madrid?" }];
      const usage = [];
      for (const messages of [first, second, first, second]) {
        const response = await model.chat(request(messages));
        messages.push(responseToMessage(response));
        messages.push({ role: 'user', content: 'thank you!' });
        usage.push(response.usage);
      }
      // The third and fourth requests extend the first and second conversations' prompts.
      for (const [later, earlier] of [
        [2, 0],
        [3, 1],
      ] as const) {
        const cached = usage[later]!.cachedInputTokens!;
        if (own) expect(cached).toBeGreaterThanOrEqual(usage[earlier]!.inputTokens);
        else expect(cached).toBeLessThan(usage[earlier]!.inputTokens);
      }
    }
  });

  it("counts in the model manager's memory budget, and goes before the model does", async () => {
    const thanks: Message[] = [{ role: 'user', content: 'thank you!' }];
    const reply = await cachedModel.chat(request(thanks));
    const [info] = provider.manager.models();
    // float32 keys and values: 2 × 4 layers × 2 KV heads × 32 dims × 4 bytes = 2 KiB a token,
    // for the prompt and the reply but its last token (which never ran through the model).
    expect(info!.cacheBytes % 2048).toBe(0);
    const tokens = info!.cacheBytes / 2048;
    expect(tokens).toBeGreaterThanOrEqual(reply.usage.inputTokens);
    expect(tokens).toBeLessThan(reply.usage.inputTokens + reply.usage.outputTokens);

    // A budget with room for the model and ~100 tokens of cache: the ~450-token cache of a
    // request is cleared after it, the model stays loaded, and the next turn starts afresh.
    const events: string[] = [];
    const tight = createTransformers({
      modelsDir,
      manager: {
        memoryBudgetBytes: info!.memoryBytes + 100 * 2048,
        onEvent: (event) => {
          if (event.type !== 'load-progress') events.push(event.type);
        },
      },
    });
    const model = tight(fixtureModelId);
    const first = await model.chat(request(thanks));
    const next: Message[] = [...thanks, responseToMessage(first), { role: 'user', content: 'hi' }];
    expect((await model.chat(request(next))).usage.cachedInputTokens).toBe(0);
    expect(tight.manager.models()).toMatchObject([{ state: 'loaded', cacheBytes: 0 }]);
    expect(events).toEqual(['load-start', 'load-end', 'cache-clear', 'cache-clear']);
    await tight.dispose();
  });

  it('rejects a bad promptCache setting as INVALID_CONFIG naming it', () => {
    for (const [setting, path] of [
      [{ maxEntries: 0 }, 'promptCache.maxEntries'],
      [{ maxEntries: 1.5 }, 'promptCache.maxEntries'],
      ['yes', 'promptCache'],
    ] as const) {
      let caught: unknown;
      try {
        provider(fixtureModelId, { promptCache: setting as never });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'INVALID_CONFIG', path });
    }
  });

  it('a cache handed to a failed generation is gone; an unload drops them all', async () => {
    const thanks: Message[] = [{ role: 'user', content: 'thank you!' }];
    const reply = await cachedModel.chat(request(thanks));
    // The next prompt extends the whole cached sequence, so its generation is handed the cache.
    const next: Message[] = [...thanks, responseToMessage(reply), { role: 'user', content: 'hi' }];
    const { runtime, release } = await cachedModel.acquireRuntime();
    const observations = observeRuntime(runtime);
    release();
    observations.crashNextGeneration([1, 2]);
    await expect(cachedModel.chat(request(next))).rejects.toThrow();
    const afterCrash = await cachedModel.chat(request(next));
    expect(afterCrash.usage.cachedInputTokens).toBe(0);

    await cachedModel.unload();
    const afterUnload = await cachedModel.chat(request(next));
    expect(afterUnload.usage.cachedInputTokens).toBe(0);
    const again = await cachedModel.chat(request(next));
    expect(again.usage.cachedInputTokens).toBe(again.usage.inputTokens - 1);
  });
});
