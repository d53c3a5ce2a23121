/**
 * Structured output on the local model: `responseFormat: { type: 'json', schema }` through the
 * transformers provider's `chat()`, with constrained decoding and without it (the same request
 * with `constrainedDecoding: false`), on the shipped tiny model.
 *
 * - schema-valid rate: the reply parses as JSON and validates against the schema (zod's
 *   `z.fromJSONSchema`, the validator core uses). Target 100% with the constraint.
 * - tokens/s: output tokens over decoding time (first token to end, from the response timings),
 *   summed over all cases; with over without. A decoding step costs more as the sequence grows
 *   and constrained replies run longer (the tiny model seldom ends a JSON value by itself), so
 *   the target ratio (≥ 0.90×) compares equal lengths: each case runs once more without the
 *   constraint, held to the constrained reply's length (`min_new_tokens`). The ratio at the
 *   lengths the model chose is printed beside it. Runs alternate case by case, so both see the
 *   same machine load. Also as the constraint's cost per output token: decoding milliseconds
 *   per token with minus without at equal lengths (the masks, mostly). The processor's own
 *   cost, without the model, is `bench/constraint-replay.mts`.
 * - first-use compile: schema → grammar, plus the first mask over the vocabulary, per schema on
 *   first use (the vocabulary's trie is built once per tokenizer and reported apart).
 *
 * Run: `pnpm --filter @tinyllm/providers bench structured` or `tsx bench/structured-output.bench.ts`.
 * Env: TINYLLM_BENCH_SCHEMAS (default 24), TINYLLM_BENCH_PROMPTS (default 9 per schema).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { z } from 'zod';
import {
  createRequestProcessor,
  planRequestConstraint,
} from '../src/transformers/constrained/index';
import { objectSchemaArbitrary } from '../src/transformers/constrained/random-schemas';
import { vocabularyFor } from '../src/transformers/constrained/vocabulary';
import { createTransformers } from '../src/transformers/index';
import { modelId, modelOptions, modelsDir } from './local-settings';
const schemaCount = Number(process.env['TINYLLM_BENCH_SCHEMAS'] ?? 24);
const promptsPerSchema = Number(process.env['TINYLLM_BENCH_PROMPTS'] ?? 9);
/** The budget, prompts and schema seed of the cases (shared with `constraint-replay.mts`). */
export const maxOutputTokens = 96;
export const schemaSeed = 20_261_202;

export const prompts = [
  'Describe a person as JSON.',
  'Give me the weather in Paris as an object.',
  'What is 12 * 7? Answer in JSON.',
  'List three colours.',
  'Convert 5 km to miles and return the result.',
  'Make up a product with a name and a price.',
  'Return an empty answer.',
  'Summarise: the meeting is at 3 pm in Berlin.',
  'hello',
  'Create a user record with an id and tags.',
];

/** The request of one case: the schema's `promptIndex`-th prompt, greedy, within the budget. */
export function benchRequest(
  schema: Record<string, unknown>,
  schemaIndex: number,
  promptIndex: number,
) {
  return {
    messages: [
      { role: 'user' as const, content: prompts[(schemaIndex + promptIndex) % prompts.length]! },
    ],
    responseFormat: { type: 'json' as const, schema },
    temperature: 0,
    maxOutputTokens,
  };
}

/** Figures of one run. */
export interface StructuredOutputBenchResult {
  cases: number;
  schemas: number;
  validWith: number;
  validWithout: number;
  tokensPerSecondWith: number;
  tokensPerSecondWithout: number;
  /** Without the constraint, each reply held to the length of the constrained one. */
  tokensPerSecondMatched: number;
  /** With over without at equal lengths (the target). */
  ratio: number;
  /** With over without, each reply as long as the model made it. */
  unmatchedRatio: number;
  /** Decoding ms per output token with the constraint minus without. */
  overheadMsPerToken: number;
  compileMedianMs: number;
  compileMaxMs: number;
  vocabularyMs: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function isValid(text: string, schema: Record<string, unknown>): boolean {
  try {
    const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return validator.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

export default async function structuredOutputBench(): Promise<StructuredOutputBenchResult> {
  const transformers = createTransformers({ modelsDir });
  const constrained = transformers(modelId, modelOptions);
  const free = transformers(modelId, { ...modelOptions, constrainedDecoding: false });
  const schemas = fc.sample(objectSchemaArbitrary, { numRuns: schemaCount, seed: schemaSeed });
  try {
    // Load once and warm the session (both model objects share it through the manager).
    await free.chat({ messages: [{ role: 'user', content: 'hello' }], maxOutputTokens: 8 });

    // First-use compile of each schema, and the vocabulary trie (once per tokenizer).
    const { runtime, release } = await constrained.acquireRuntime();
    const vocabularyStart = performance.now();
    vocabularyFor(runtime.tokenizer as never);
    const vocabularyMs = performance.now() - vocabularyStart;
    const compileMs: number[] = [];
    for (const schema of schemas) {
      const request = {
        messages: [{ role: 'user' as const, content: 'x' }],
        responseFormat: { type: 'json' as const, schema },
      };
      const start = performance.now();
      const plan = planRequestConstraint(request, {})!;
      const processor = createRequestProcessor(plan, {
        tokenizer: runtime.tokenizer as never,
        promptLength: 1,
        maxNewTokens: maxOutputTokens,
        eosTokenIds: new Set([0]),
        context: { provider: 'transformers', modelId },
      });
      const width = 1024;
      processor([[1n]], { data: new Float32Array(width), dims: [1, width] });
      compileMs.push(performance.now() - start);
    }
    release();

    let cases = 0;
    const failuresWith: string[] = [];
    let validWith = 0;
    let validWithout = 0;
    const totals = {
      withTokens: 0,
      withMs: 0,
      withoutTokens: 0,
      withoutMs: 0,
      matchedTokens: 0,
      matchedMs: 0,
    };
    for (const [schemaIndex, schema] of schemas.entries()) {
      for (let promptIndex = 0; promptIndex < promptsPerSchema; promptIndex++) {
        const request = benchRequest(schema, schemaIndex, promptIndex);
        // Alternate which runs first, so neither always meets a cooler or busier machine.
        const order = (schemaIndex + promptIndex) % 2 === 0 ? [true, false] : [false, true];
        let withLength = 0;
        for (const withConstraint of order) {
          const response = await (withConstraint ? constrained : free).chat(request);
          const decodeMs = response.timings.totalMs - (response.timings.timeToFirstTokenMs ?? 0);
          const tokens = Math.max(0, response.usage.outputTokens - 1);
          const valid = isValid(response.text, schema);
          if (withConstraint) withLength = response.usage.outputTokens;
          if (withConstraint) {
            validWith += valid ? 1 : 0;
            if (!valid)
              failuresWith.push(
                `${JSON.stringify(schema)} (${response.finishReason}, ${response.usage.outputTokens} tokens) → ${JSON.stringify(response.text)}`,
              );
            totals.withTokens += tokens;
            totals.withMs += decodeMs;
          } else {
            validWithout += valid ? 1 : 0;
            totals.withoutTokens += tokens;
            totals.withoutMs += decodeMs;
          }
        }
        // The same request without the constraint, held to the constrained reply's length: a
        // step costs more as the sequence grows, and constrained replies run longer (the tiny
        // model rarely ends a JSON value on its own), so only equal lengths compare the steps.
        const matched = await free.chat({
          ...request,
          maxOutputTokens: withLength,
          providerOptions: { transformers: { min_new_tokens: withLength } },
        });
        totals.matchedTokens += Math.max(0, matched.usage.outputTokens - 1);
        totals.matchedMs += matched.timings.totalMs - (matched.timings.timeToFirstTokenMs ?? 0);
        cases++;
      }
    }
    const tokensPerSecondWith = (totals.withTokens / totals.withMs) * 1000;
    const tokensPerSecondWithout = (totals.withoutTokens / totals.withoutMs) * 1000;
    const tokensPerSecondMatched = (totals.matchedTokens / totals.matchedMs) * 1000;
    const result: StructuredOutputBenchResult = {
      cases,
      schemas: schemas.length,
      validWith: validWith / cases,
      validWithout: validWithout / cases,
      tokensPerSecondWith,
      tokensPerSecondWithout,
      tokensPerSecondMatched,
      ratio: tokensPerSecondWith / tokensPerSecondMatched,
      unmatchedRatio: tokensPerSecondWith / tokensPerSecondWithout,
      overheadMsPerToken: 1000 / tokensPerSecondWith - 1000 / tokensPerSecondMatched,
      compileMedianMs: median(compileMs),
      compileMaxMs: Math.max(...compileMs),
      vocabularyMs,
    };
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    console.log(`model: ${modelId}; ${cases} cases over ${schemas.length} random schemas`);
    console.log(`schema-valid with constraint:    ${percent(result.validWith)} (target 100%)`);
    console.log(`schema-valid without constraint: ${percent(result.validWithout)}`);
    // What failed with the constraint, so a miss can be traced to its schema and text.
    for (const failure of failuresWith.slice(0, 5))
      console.log(`  invalid with constraint: ${failure}`);
    console.log(
      `tokens/s with ${tokensPerSecondWith.toFixed(0)} / without at the same lengths ${tokensPerSecondMatched.toFixed(0)} = ${result.ratio.toFixed(3)}× (target ≥ 0.90×)`,
    );
    console.log(
      `  lengths as the model made them: without ${tokensPerSecondWithout.toFixed(0)} tokens/s, ${(totals.withoutTokens / cases).toFixed(1)} tokens a reply (with: ${(totals.withTokens / cases).toFixed(1)}) = ${result.unmatchedRatio.toFixed(3)}×`,
    );
    console.log(
      `constraint cost per output token: ${(result.overheadMsPerToken * 1000).toFixed(0)} µs (decoding ${(1000 / tokensPerSecondWith).toFixed(3)} ms with, ${(1000 / tokensPerSecondMatched).toFixed(3)} ms without at the same lengths)`,
    );
    console.log(
      `first-use compile per schema: median ${result.compileMedianMs.toFixed(2)} ms, max ${result.compileMaxMs.toFixed(2)} ms; vocabulary trie once per tokenizer ${vocabularyMs.toFixed(1)} ms`,
    );
    return result;
  } finally {
    await transformers.dispose();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await structuredOutputBench();
}
