import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, Tensor } from '@huggingface/transformers';
import { toTemplateTools } from './chat-template';
import {
  type EncodedPrompt,
  type TensorClass,
  type TokenizerCall,
  promptEncoderFor,
  tokenizerEncoder,
} from './prompt-encoder';
import { fixtureDir, fixtureTools } from './test-fixture';

const tokenizerOf = async () =>
  AutoTokenizer.from_pretrained(fixtureDir, { local_files_only: true });

type Tokenizer = Awaited<ReturnType<typeof tokenizerOf>>;

const slowOf = (tokenizer: Tokenizer) => tokenizerEncoder(tokenizer as unknown as TokenizerCall);

const idsOf = (encoded: EncodedPrompt): bigint[] => [
  ...((encoded.input_ids as Tensor).data as BigInt64Array),
];

const conversation = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'what is 12 times 7?' },
  {
    role: 'assistant',
    content: '',
    tool_calls: [
      { type: 'function', function: { name: 'calculator', arguments: { expression: '12 * 7' } } },
    ],
  },
  { role: 'tool', content: '84' },
  { role: 'assistant', content: '12 * 7 = 84.' },
  { role: 'user', content: "what's the weather in Paris? Ça va, Zürich 東京 🙂 <tool_call> \\n" },
];

describe('promptEncoderFor (the shipped tokenizer)', () => {
  it('gives the tokenizer’s own ids and tensors for chat prompts with tools', async () => {
    const tokenizer = await tokenizerOf();
    const slow = slowOf(tokenizer);
    const encode = promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow);
    expect(encode).toBeDefined();
    const tools = toTemplateTools(fixtureTools(), undefined);
    for (let turns = 1; turns <= conversation.length; turns++) {
      const prompt = tokenizer.apply_chat_template(conversation.slice(0, turns), {
        tools,
        add_generation_prompt: true,
        tokenize: false,
      }) as string;
      // Twice: the second time every section comes from the memo.
      for (const encoded of [encode!(prompt), encode!(prompt)]) {
        const expected = slow(prompt);
        expect(idsOf(encoded)).toEqual(idsOf(expected));
        expect(encoded.inputTokens).toBe(expected.inputTokens);
        expect((encoded.input_ids as Tensor).dims).toEqual((expected.input_ids as Tensor).dims);
        expect([...((encoded.attention_mask as Tensor).data as BigInt64Array)]).toEqual([
          ...((expected.attention_mask as Tensor).data as BigInt64Array),
        ]);
      }
    }
    // Still trusted: the self-check on the first prompts found no difference.
    expect(promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)).toBeDefined();
  });

  it('matches the tokenizer on any text between and around its added tokens', async () => {
    const tokenizer = await tokenizerOf();
    const slow = slowOf(tokenizer);
    const encode = promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)!;
    const piece = fc.oneof(
      fc.constantFrom('<|im_start|>', '<|im_end|>', '<tool_call>', '</tool_call>', '<think>', '\n'),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('<|im_', '<tool', 'user\n', '  ', "'s", 'Paris', '12 * 7'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const prompt = pieces.join('');
        expect(idsOf(encode(prompt))).toEqual(idsOf(slow(prompt)));
      }),
      { numRuns: 300 },
    );
    expect(promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)).toBeDefined();
  });

  it('forgets the least recently used sections past its budget (~1M characters)', () => {
    const calls: string[] = [];
    const tokenizer = {
      encode: (text: string) => {
        calls.push(text);
        return [text.length];
      },
      _tokenizer: { added_tokens: [{ content: '<s>', id: 1 }] },
    };
    const slow = (prompt: string): EncodedPrompt => {
      const data = BigInt64Array.from(
        prompt
          .split('<s>')
          .flatMap((part, index) => [
            ...(index > 0 ? [1n] : []),
            ...(part ? [BigInt(part.length)] : []),
          ]),
      );
      return { input_ids: { data }, attention_mask: null, inputTokens: data.length };
    };
    const encode = promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)!;
    const section = (index: number) => `${index}`.padEnd(20_000, '.');
    encode(`${section(0)}<s>${section(1)}`);
    // 60 more sections of 20,000 characters: 1.2M in all, past the budget.
    for (let index = 2; index < 62; index++) {
      encode(section(1)); // used again and again: stays
      encode(section(index));
    }
    calls.length = 0;
    encode(`${section(1)}<s>${section(0)}`);
    expect(calls).toEqual([section(0)]);
  });

  it('keeps the tokenizer’s own path when an added token strips its neighbours', () => {
    const tokenizer = {
      encode: () => [1],
      _tokenizer: { added_tokens: [{ content: '<mask>', id: 5, lstrip: true }] },
    };
    const slow = (): EncodedPrompt => ({ input_ids: null, attention_mask: null, inputTokens: 0 });
    expect(promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)).toBeUndefined();
  });

  it('falls back for good when its ids differ from the tokenizer’s on a checked prompt', () => {
    const tokenizer = {
      encode: (text: string) => [...text].map((character) => character.charCodeAt(0)),
      _tokenizer: { added_tokens: [{ content: '<s>', id: 1 }] },
    };
    // The "real" tokenizer merges "ab" into one id: the section rule does not hold for it.
    const slow = (prompt: string): EncodedPrompt => {
      const data = BigInt64Array.from(
        [...prompt.replaceAll('ab', 'X')].map((c) => BigInt(c.charCodeAt(0))),
      );
      return { input_ids: { data }, attention_mask: null, inputTokens: data.length };
    };
    const encode = promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)!;
    expect(encode('ab')).toEqual(slow('ab'));
    expect(encode('xab')).toEqual(slow('xab'));
    expect(promptEncoderFor(tokenizer, Tensor as unknown as TensorClass, slow)).toBeUndefined();
  });
});
