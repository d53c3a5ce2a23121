/**
 * The constraint's own cost, without the model: the structured-output bench's cases are
 * generated once with the constraint on (recording each step's logits as the model gave them),
 * then replayed through fresh logits processors, so a change to the automaton is measured in
 * microseconds per token in seconds, not minutes. Replays check they pick what the model did.
 *
 * Run: `tsx bench/constraint-replay.mts` (TINYLLM_BENCH_SCHEMAS, TINYLLM_BENCH_PROMPTS,
 * TINYLLM_REPLAY_ROUNDS; TINYLLM_REPLAY_FILE keeps the recording between runs).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createConstraintProcessor } from '../src/transformers/constrained/constrained-decoding';
import { planRequestConstraint } from '../src/transformers/constrained/index';
import { objectSchemaArbitrary } from '../src/transformers/constrained/random-schemas';
import { TokenAutomaton } from '../src/transformers/constrained/token-automaton';
import { vocabularyFor } from '../src/transformers/constrained/vocabulary';
import { createTransformers } from '../src/transformers/index';
import { benchRequest, maxOutputTokens, schemaSeed } from './structured-output.bench';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
const schemaCount = Number(process.env['TINYLLM_BENCH_SCHEMAS'] ?? 24);
const promptsPerSchema = Number(process.env['TINYLLM_BENCH_PROMPTS'] ?? 9);
const rounds = Number(process.env['TINYLLM_REPLAY_ROUNDS'] ?? 5);
const file = process.env['TINYLLM_REPLAY_FILE'];

interface Case {
  schema: number;
  promptLength: number;
  output: number[];
  /** Logits of each step, as given to the first processor. */
  rows: number[][];
}

const schemas = fc.sample(objectSchemaArbitrary, { numRuns: schemaCount, seed: schemaSeed });
const transformers = createTransformers({ modelsDir });
const model = transformers('tiny-tool-qwen');
const { runtime, release } = await model.acquireRuntime();
// Leased only to read the tokenizer and config: chat() takes its own lease.
release();
const tokenizer = runtime.tokenizer as never;
const vocabulary = vocabularyFor(tokenizer);
const eosConfig = (
  runtime.model as unknown as { generation_config?: { eos_token_id?: number | number[] } }
).generation_config?.eos_token_id;
const eos = new Set<number>([eosConfig ?? []].flat());

async function record(): Promise<Case[]> {
  const library = (await import('@huggingface/transformers')) as unknown as {
    LogitsProcessorList: { prototype: { _call(ids: bigint[][], logits: never): unknown } };
  };
  const original = library.LogitsProcessorList.prototype._call;
  let rows: number[][] = [];
  let picks: number[] = [];
  library.LogitsProcessorList.prototype._call = function (ids, logits) {
    const { data, dims } = logits as { data: Float32Array; dims: number[] };
    const width = dims.at(-1)!;
    rows.push(Array.from(data.subarray(0, width)));
    const result = original.call(this, ids, logits) as { data: Float32Array };
    let pick = 0;
    for (let id = 1; id < width; id++) if (result.data[id]! > result.data[pick]!) pick = id;
    picks.push(pick);
    return result;
  };
  const cases: Case[] = [];
  for (const [schemaIndex, schema] of schemas.entries())
    for (let promptIndex = 0; promptIndex < promptsPerSchema; promptIndex++) {
      rows = [];
      picks = [];
      const response = await model.chat(benchRequest(schema, schemaIndex, promptIndex));
      const promptLength = response.usage.inputTokens;
      cases.push({ schema: schemaIndex, promptLength, output: picks, rows });
    }
  library.LogitsProcessorList.prototype._call = original;
  return cases;
}

const cases: Case[] =
  file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : await record();
if (file && !fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify(cases));
await transformers.dispose();

/** Replays every case through fresh automata (one per schema, shared by its prompts). */
function replay(): { ms: number; tokens: number; mismatches: number; computed: number } {
  let ms = 0;
  let tokens = 0;
  let mismatches = 0;
  let computed = 0;
  const automata = new Map<number, TokenAutomaton>();
  for (const entry of cases) {
    const plan = planRequestConstraint(
      {
        messages: [{ role: 'user', content: 'x' }],
        responseFormat: { type: 'json', schema: schemas[entry.schema]! },
      },
      {},
    )!;
    let automaton = automata.get(entry.schema);
    if (!automaton) {
      automaton = new TokenAutomaton(plan.machine, vocabulary);
      automata.set(entry.schema, automaton);
    }
    const processor = createConstraintProcessor({
      mode: plan.mode,
      automaton,
      promptLength: entry.promptLength,
      maxNewTokens: maxOutputTokens,
      eosTokenIds: eos,
      greedy: process.env['TINYLLM_REPLAY_GREEDY'] !== '0',
    });
    const ids: bigint[] = Array.from({ length: entry.promptLength }, () => 0n);
    for (let step = 0; step < entry.rows.length; step++) {
      const data = Float32Array.from(entry.rows[step]!);
      const start = performance.now();
      processor([ids], { data, dims: [1, data.length] });
      ms += performance.now() - start;
      tokens++;
      let pick = 0;
      for (let id = 1; id < data.length; id++) if (data[id]! > data[pick]!) pick = id;
      const expected = entry.output[step]!;
      if (pick !== expected) {
        mismatches++;
        break;
      }
      ids.push(BigInt(expected));
    }
  }
  for (const automaton of automata.values()) computed += automaton.computed;
  return { ms, tokens, mismatches, computed };
}

const results = Array.from({ length: rounds }, () => replay());
const perToken = results.map((result) => (result.ms / result.tokens) * 1000).sort((a, b) => a - b);
const first = results[0]!;
console.log(
  `${cases.length} cases, ${first.tokens} steps; mismatches ${first.mismatches}; computed ${first.computed}`,
);
console.log(
  `constraint µs per token: median ${perToken[Math.floor(rounds / 2)]!.toFixed(1)} (min ${perToken[0]!.toFixed(1)}, max ${perToken.at(-1)!.toFixed(1)})`,
);
