/**
 * The token automaton over the fixture model's real vocabulary (its tokenizer, no weights): the
 * tool-call grammar of the fixture's tools, as the provider builds it, fed the calls the model
 * writes for held-out cases. Logits are scripted so that the argmax spells the call; the
 * constraint must leave it as it is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { fixtureDir, fixtureTools } from '../test-fixture';
import {
  type ConstraintPlan,
  automatonFor,
  createConstraintProcessor,
  minimumOutputTokens,
  planConstraint,
} from './constrained-decoding';
import { type VocabularyTokenizer, vocabularyFor } from './vocabulary';

const tokenizer = (await AutoTokenizer.from_pretrained(fixtureDir, {
  local_files_only: true,
})) as unknown as VocabularyTokenizer & {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
};
const eosIds = new Set<number>(
  JSON.parse(readFileSync(path.join(fixtureDir, 'generation_config.json'), 'utf8'))
    .eos_token_id as number[],
);
const vocabulary = vocabularyFor(tokenizer);
const decoder = new TextDecoder();

// The model's own greedy calls for held-out calc-001, calc-006 and conv-077, in the order the
// end-to-end test met them (one provider, so one automaton and one mask cache for all three).
const heldOutCalls = [
  '<tool_call>\n{"name": "calculator", "arguments": {"expression": "494 * 1"}}\n</tool_call>',
  '<tool_call>\n{"name": "calculator", "arguments": {"expression": "56 / 7"}}\n</tool_call>',
  '<tool_call>\n{"name": "convert_units", "arguments": {"value": 20, "from": "mi", "to": "km"}}\n</tool_call>',
];

/** Scripted greedy decoding through the processor: the argmax is `text`, token by token. */
function decodeScripted(
  plan: ConstraintPlan,
  text: string,
  maxNewTokens: number,
): { text: string; ids: number[] } {
  const wanted = tokenizer.encode(text, { add_special_tokens: false });
  const automaton = automatonFor(plan, tokenizer);
  const prompt = [1n, 2n];
  const processor = createConstraintProcessor({
    mode: plan.mode,
    automaton,
    promptLength: prompt.length,
    maxNewTokens,
    eosTokenIds: eosIds,
  });
  const all = [...prompt];
  const ids: number[] = [];
  const width = vocabulary.size;
  let seed = 7;
  for (let step = 0; step < maxNewTokens; step++) {
    const row = new Float32Array(width);
    for (let id = 0; id < width; id++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      row[id] = (seed / 2 ** 32) * 10;
    }
    row[wanted[step] ?? [...eosIds][0]!] = 100;
    processor([all], { data: row, dims: [1, width] });
    let best = 0;
    for (let id = 1; id < width; id++) if (row[id]! > row[best]!) best = id;
    if (eosIds.has(best)) break;
    ids.push(best);
    all.push(BigInt(best));
  }
  const bytes = ids.flatMap((id) => [...(vocabulary.tokens[id] ?? [])]);
  return { text: decoder.decode(Uint8Array.from(bytes)), ids };
}

describe('token automaton over the fixture vocabulary', () => {
  const tools = fixtureTools();
  const watching = planConstraint({ toolChoice: 'auto' }, tools, { constrainToolCalls: true })!;

  it('leaves the held-out calls as the model wrote them, in the e2e order, within 64 tokens', () => {
    expect(watching.mode).toBe('watch-tool-calls');
    for (const text of heldOutCalls) {
      const tokens = tokenizer.encode(text, { add_special_tokens: false }).length;
      // The budget the e2e test and `pnpm eval` give: more than the call needs in tokens, less
      // than its closing needs counted one byte per token.
      expect(tokens).toBeLessThan(64);
      expect(decodeScripted(watching, text, 64).text).toBe(text);
    }
  });

  it('leaves a call that fits the budget exactly as it is', () => {
    for (const text of heldOutCalls) {
      const tokens = tokenizer.encode(text, { add_special_tokens: false }).length;
      // The call's tokens and end-of-sequence: not one token to spare.
      expect(decodeScripted(watching, text, tokens + 1).text).toBe(text);
    }
  });

  it('counts the shortest closing in tokens of the vocabulary, not bytes', () => {
    const forced = planConstraint(
      { toolChoice: { type: 'tool', name: 'convert_units' } },
      tools.filter((tool) => tool.name === 'convert_units'),
      {},
    )!;
    const automaton = automatonFor(forced, tokenizer);
    const bytes = minimumOutputTokens(forced)!;
    const tokens = minimumOutputTokens(forced, automaton)!;
    expect(tokens).toBeLessThan(bytes / 2);
    // The shortest call, written within exactly that budget: it parses, for the named tool.
    const shortest = decodeScripted(forced, '', tokens);
    const body = /^<tool_call>([\s\S]*)<\/tool_call>$/.exec(shortest.text)?.[1];
    expect(JSON.parse(body ?? 'null')).toMatchObject({ name: 'convert_units' });
    expect(shortest.ids.length).toBe(tokens - 1);
  });
});
