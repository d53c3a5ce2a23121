/**
 * Prompt tokenization per request: the section encoder (src/transformers/prompt-encoder.ts)
 * against the tokenizer's own call, on what a chat app sends every turn: the system prompt
 * with two tool definitions, earlier turns, and a new last message. Rounds alternate; the
 * median time per prompt of each side and their ratio are printed.
 *
 * Run: `pnpm --filter @tinyllm/providers bench prompt` or `tsx bench/prompt-encoding.bench.ts`.
 */
import { fileURLToPath } from 'node:url';
import { Tensor } from '@huggingface/transformers';
import { toTemplateTools } from '../src/transformers/chat-template';
import { createTransformers } from '../src/transformers/index';
import {
  type EncodedPrompt,
  type TensorClass,
  promptEncoderFor,
  tokenizerEncoder,
} from '../src/transformers/prompt-encoder';
import { fixtureTools } from '../src/transformers/test-fixture';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export default async function promptEncodingBench(): Promise<{ ratio: number }> {
  const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
  const transformers = createTransformers({ modelsDir });
  const model = transformers('tiny-tool-qwen');
  const { runtime, release } = await model.acquireRuntime();
  try {
    const { tokenizer } = runtime;
    const tools = toTemplateTools(fixtureTools(), undefined);
    const history = [
      { role: 'user', content: 'what is 12 times 7?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            type: 'function',
            function: { name: 'calculator', arguments: { expression: '12 * 7' } },
          },
        ],
      },
      { role: 'tool', content: '84' },
      { role: 'assistant', content: '12 * 7 = 84.' },
    ];
    // A new last message each time, as in a conversation: only that section is new text.
    let turn = 0;
    const nextPrompt = (): string =>
      tokenizer.apply_chat_template(
        [...history, { role: 'user', content: `what's the weather in city number ${turn++}?` }],
        { tools, add_generation_prompt: true, tokenize: false },
      ) as string;
    const slow = tokenizerEncoder(tokenizer);
    const fast = promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow);
    if (!fast) throw new Error('The section encoder does not apply to this tokenizer.');
    const perPrompt = (encode: (prompt: string) => EncodedPrompt, count: number): number => {
      const prompts = Array.from({ length: count }, nextPrompt);
      const started = performance.now();
      for (const prompt of prompts) encode(prompt);
      return ((performance.now() - started) * 1000) / count;
    };
    perPrompt(slow, 50);
    perPrompt(fast, 50);
    const slowTimes: number[] = [];
    const fastTimes: number[] = [];
    for (let round = 0; round < 7; round++) {
      if (round % 2 === 0) {
        slowTimes.push(perPrompt(slow, 100));
        fastTimes.push(perPrompt(fast, 100));
      } else {
        fastTimes.push(perPrompt(fast, 100));
        slowTimes.push(perPrompt(slow, 100));
      }
    }
    const tokens = slow(nextPrompt()).inputTokens;
    const ratio = median(fastTimes) / median(slowTimes);
    console.log(
      `prompt of ${tokens} tokens (2 tools, 2 earlier turns, a new message each time): tokenizer ${median(slowTimes).toFixed(0)} µs, section encoder ${median(fastTimes).toFixed(0)} µs = ${ratio.toFixed(3)}×`,
    );
    return { ratio };
  } finally {
    release();
    await transformers.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await promptEncodingBench();
}
