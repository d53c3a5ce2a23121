import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, estimateTokens } from './tokens';

describe('token estimation', () => {
  it('is zero for empty text and grows with length', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hi')).toBe(1);
    const short = estimateTokens('The quick brown fox');
    const long = estimateTokens('The quick brown fox jumps over the lazy dog, again and again.');
    expect(long).toBeGreaterThan(short);
  });

  it('stays within 2x of a BPE count on English prose', () => {
    // ~ 4 characters per token for English BPE vocabularies: 45 words here are ~55-60 tokens.
    const text =
      'Small language models fine-tuned for tool use can run on a laptop. They call functions, read the results and answer in a sentence. This paragraph is only here to measure how close a cheap estimate gets to a real tokenizer count.';
    const estimate = estimateTokens(text);
    expect(estimate).toBeGreaterThan(30);
    expect(estimate).toBeLessThan(110);
  });

  it('counts messages, tool calls and tool definitions', () => {
    const base = estimatePromptTokens([{ role: 'user', content: 'What is 2+2?' }]);
    const withTools = estimatePromptTokens(
      [{ role: 'user', content: 'What is 2+2?' }],
      [
        {
          name: 'calculator',
          parameters: { type: 'object', properties: { expression: { type: 'string' } } },
        },
      ],
    );
    expect(withTools).toBeGreaterThan(base);
    const custom = estimatePromptTokens([{ role: 'user', content: 'abc' }], [], {
      countTokens: () => 100,
    });
    expect(custom).toBe(104);
  });
});
