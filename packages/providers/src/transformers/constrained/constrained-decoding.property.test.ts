import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonMachine, type Stack } from './json-machine';
import { compileSchema, compileToolCalls } from './schema-compile';
import { TokenAutomaton } from './token-automaton';
import { buildVocabulary } from './vocabulary';
import { createConstraintProcessor, type ConstraintMode } from './constrained-decoding';
import { objectSchemaArbitrary, schemaArbitrary } from './random-schemas';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// A synthetic byte-level vocabulary: every single byte (so any text can be spelled), JSON-ish
// merges as real BPE vocabularies have them, and tokens that split UTF-8 characters.
const pieces = [
  '{"',
  '"}',
  '":',
  '": ',
  '", "',
  ',"',
  '", ',
  '},',
  '}}',
  '],',
  ']}',
  '[{',
  '{}',
  '[]',
  'true',
  'false',
  'null',
  'nul',
  'tr',
  '12',
  '00',
  '-1',
  '0.',
  '.5',
  ' "',
  ' {',
  '\n',
  '\n ',
  '  ',
  '    ',
  'name',
  'age',
  'city',
  'km',
  'mi',
  'é',
  '\\"',
  '\\n',
  '\\u00',
  'e9',
  'x"y',
  '</tool_call>',
  '<tool_call>',
  'tool',
  'hello',
  ' world',
];
const tokens: Array<Uint8Array | undefined> = [];
for (let byte = 0; byte < 256; byte++) tokens.push(Uint8Array.of(byte));
for (const piece of pieces) tokens.push(encoder.encode(piece));
tokens.push(Uint8Array.of(0xf0, 0x9f), Uint8Array.of(0x98, 0x80), Uint8Array.of(0xc3));
const eos = tokens.length;
tokens.push(undefined); // the end-of-sequence token: special, no bytes
const vocabulary = buildVocabulary(tokens);
const eosIds = new Set([eos]);

/** Decodes with the constraint: each step takes the highest logit left after masking. */
function decode(options: {
  machine: JsonMachine;
  mode: ConstraintMode;
  maxNewTokens: number;
  logits: (step: number, row: Float32Array) => void;
}): { ids: number[]; text: string; endedWithEos: boolean } {
  const automaton = new TokenAutomaton(options.machine, vocabulary);
  const prompt = [1n, 2n, 3n];
  const processor = createConstraintProcessor({
    mode: options.mode,
    automaton,
    promptLength: prompt.length,
    maxNewTokens: options.maxNewTokens,
    eosTokenIds: eosIds,
  });
  const all = [...prompt];
  const ids: number[] = [];
  const row = new Float32Array(tokens.length);
  for (let step = 0; step < options.maxNewTokens; step++) {
    options.logits(step, row);
    processor([all], { data: row, dims: [1, row.length] });
    let best = 0;
    for (let id = 1; id < row.length; id++) if (row[id]! > row[best]!) best = id;
    if (best === eos) {
      return { ids, text: textOf(ids), endedWithEos: true };
    }
    ids.push(best);
    all.push(BigInt(best));
  }
  return { ids, text: textOf(ids), endedWithEos: false };
}

const textOf = (ids: number[]): string => {
  const bytes: number[] = [];
  for (const id of ids) bytes.push(...(tokens[id] ?? []));
  return decoder.decode(Uint8Array.from(bytes));
};

const randomLogits = (seed: number) => {
  let state = seed >>> 0 || 1;
  return (_step: number, row: Float32Array) => {
    for (let id = 0; id < row.length; id++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      row[id] = (state / 2 ** 32) * 10;
    }
  };
};

/** Random logits with `wanted[step]` on top, then end-of-sequence: a model that wants to write that text. */
const wantingLogits =
  (wanted: readonly number[], seed: number) => (step: number, row: Float32Array) => {
    randomLogits(seed + step)(step, row);
    row[wanted[step] ?? eos] = 100;
  };

const validator = (schema: Record<string, unknown>) =>
  z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);

describe('constrained decoding (property)', () => {
  it('random schemas × random logits: the output always parses and validates, closed within the budget', () => {
    fc.assert(
      fc.property(
        fc.oneof(schemaArbitrary, objectSchemaArbitrary),
        fc.integer(),
        fc.integer({ min: 0, max: 80 }),
        (schema, seed, slack) => {
          const grammar = compileSchema(schema, { strict: true });
          const machine = new JsonMachine(grammar);
          const needed = machine.cost(machine.initial()) + 1;
          const result = decode({
            machine,
            mode: 'json',
            maxNewTokens: needed + slack,
            logits: randomLogits(seed),
          });
          expect(result.endedWithEos).toBe(true);
          const value = JSON.parse(result.text);
          const parsed = validator(schema).safeParse(value);
          expect(parsed.success, `${result.text}\n${JSON.stringify(parsed.error?.issues)}`).toBe(
            true,
          );
        },
      ),
      {
        numRuns: 150,
        // Found by this property: "\u{BD600} " is 2 characters for JSON Schema and zod, 3 UTF-16
        // code units; the grammar counted code units and let it through a minLength of 3.
        examples: [
          [
            {
              type: 'array',
              items: { anyOf: [{ type: 'string', minLength: 3 }, { type: 'null' }] },
              minItems: 0,
              maxItems: 1,
            },
            -1039683339,
            10,
          ],
        ],
      },
    );
  }, 120_000);

  it("the model's own output is unchanged when it is already valid", () => {
    fc.assert(
      fc.property(
        objectSchemaArbitrary,
        fc.integer(),
        fc.constantFrom(0, 2),
        fc.constantFrom(0, 0, 1, 5),
        (schema, seed, indent, slack) => {
          const machine = new JsonMachine(compileSchema(schema));
          // A valid value (from a constrained random walk), written as a model would write it.
          const walk = decode({
            machine,
            mode: 'json',
            maxNewTokens: 400,
            logits: randomLogits(seed),
          });
          const text = JSON.stringify(JSON.parse(walk.text), null, indent);
          const wanted = greedyTokenize(text);
          // Logits whose argmax is that text token by token, then end-of-sequence, within a
          // budget of exactly its tokens and end-of-sequence (or a few more): the closing
          // counts tokens of the vocabulary, so a text that fits is never cut.
          const result = decode({
            machine,
            mode: 'json',
            maxNewTokens: wanted.length + 1 + slack,
            logits: wantingLogits(wanted, seed),
          });
          expect(result.text).toBe(text);
          expect(result.endedWithEos).toBe(true);
        },
      ),
      {
        numRuns: 60,
        // Found by this property: pretty-printed 8 levels deep, a newline and 16 spaces were
        // more whitespace than the grammar allowed, so the constraint changed valid text.
        examples: [
          [
            { type: 'object', properties: { name: { enum: ['km'] } }, required: [] },
            1908638518,
            2,
            0,
          ],
        ],
      },
    );
  }, 120_000);

  it("started tool calls: the model's own valid calls are unchanged, even at the end of the budget", () => {
    const tools = [
      {
        name: 'calculator',
        parameters: {
          type: 'object',
          properties: { expression: { type: 'string' } },
          required: ['expression'],
        },
      },
      {
        name: 'convert_units',
        parameters: {
          type: 'object',
          properties: {
            value: { type: 'number' },
            from: { enum: ['km', 'mi', 'm'] },
            to: { enum: ['km', 'mi', 'm'] },
          },
          required: ['value', 'from', 'to'],
        },
      },
      {
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    ];
    // One machine (one mask cache) for every run, as one provider has for every request.
    const machine = toolMachine(tools, false);
    const call = fc.oneof(
      fc.record({
        name: fc.constant('calculator'),
        arguments: fc.record({ expression: fc.string({ maxLength: 12 }) }),
      }),
      fc.record({
        name: fc.constant('convert_units'),
        arguments: fc.record({
          value: fc.integer({ min: -500, max: 500 }),
          from: fc.constantFrom('km', 'mi', 'm'),
          to: fc.constantFrom('km', 'mi', 'm'),
        }),
      }),
      fc.record({
        name: fc.constant('get_weather'),
        arguments: fc.record({ city: fc.constantFrom('Paris', 'Lyon', 'é"x') }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(call, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('', 'hello '),
        fc.integer(),
        fc.constantFrom(0, 0, 2),
        (calls, lead, seed, slack) => {
          const text =
            lead +
            calls.map((entry) => `<tool_call>\n${JSON.stringify(entry)}\n</tool_call>`).join('\n');
          const wanted = greedyTokenize(text);
          const result = decode({
            machine,
            mode: 'watch-tool-calls',
            maxNewTokens: wanted.length + 1 + slack,
            logits: wantingLogits(wanted, seed),
          });
          if (result.text !== text) {
            const k = result.ids.findIndex((id, i) => id !== wanted[i]);
            const piece = (id: number | undefined) =>
              JSON.stringify(
                id === undefined || id === eos
                  ? '<eos>'
                  : decoder.decode(Uint8Array.from(tokens[id] ?? [])),
              );
            console.log(
              'DEBUG step',
              k,
              'of',
              wanted.length,
              'budget',
              wanted.length + 1 + slack,
              'wanted',
              piece(wanted[k]),
              'got',
              piece(result.ids[k]),
              'before',
              JSON.stringify(text.slice(Math.max(0, text.length - 0), 0)),
              JSON.stringify(textOf(wanted.slice(0, k)).slice(-60)),
              'next wanted',
              piece(wanted[k + 1]),
              piece(wanted[k + 2]),
            );
          }
          expect(result.text).toBe(text);
          expect(result.endedWithEos).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('a forced tool call: only a <tool_call> of a given tool with valid arguments', () => {
    const tools = [
      {
        name: 'calculator',
        parameters: {
          type: 'object',
          properties: { expression: { type: 'string', maxLength: 20 } },
          required: ['expression'],
          additionalProperties: false,
        },
      },
      {
        name: 'convert',
        parameters: {
          type: 'object',
          properties: { value: { type: 'number' }, to: { enum: ['km', 'mi'] } },
          required: ['value', 'to'],
          additionalProperties: false,
        },
      },
    ];
    const byName = new Map(tools.map((tool) => [tool.name, validator(tool.parameters)]));
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 60 }), (seed, slack) => {
        const plan = toolMachine(tools, true);
        const needed = plan.cost(plan.initial()) + 1;
        const result = decode({
          machine: plan,
          mode: 'tool-calls',
          maxNewTokens: needed + slack,
          logits: randomLogits(seed),
        });
        expect(result.endedWithEos).toBe(true);
        const calls = [...result.text.matchAll(/<tool_call>([\s\S]*?)<\/tool_call>/g)];
        expect(calls.length).toBeGreaterThan(0);
        expect(result.text.replace(/<tool_call>[\s\S]*?<\/tool_call>/g, '').trim()).toBe('');
        for (const [, body] of calls) {
          const call = JSON.parse(body!) as { name: string; arguments: unknown };
          expect(byName.get(call.name)?.safeParse(call.arguments).success).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

/**
 * The oracle the automaton's caches and shortcuts must agree with: every token stepped byte by
 * byte from the state, with no trie, partition, whitespace sharing or closing moves.
 */
function steppedMask(
  machine: JsonMachine,
  state: Stack[],
): Map<number, { cost: number; after: Stack[] }> {
  const allowed = new Map<number, { cost: number; after: Stack[] }>();
  tokens.forEach((bytes, id) => {
    if (!bytes || bytes.length === 0) return;
    let current = state;
    for (const byte of bytes) {
      current = machine.step(current, byte);
      if (current.length === 0) return;
    }
    const after = machine.dedupe(current);
    const cost = machine.cost(after);
    allowed.set(id, { cost: Number.isFinite(cost) ? cost : 0x3fffffff, after });
  });
  return allowed;
}

/** {@link TokenAutomaton.closingTokens} by the oracle's masks. */
function steppedClosing(
  machine: JsonMachine,
  state: Stack[],
  memo = new Map<string, number>(),
): number {
  const key = machine.stateKey(state);
  const known = memo.get(key);
  if (known !== undefined) return known;
  let best = Number.POSITIVE_INFINITY;
  if (machine.accepts(state)) best = 0;
  else {
    const cost = machine.cost(state);
    for (const { cost: after, after: next } of steppedMask(machine, state).values())
      if (after < cost) best = Math.min(best, 1 + steppedClosing(machine, next, memo));
  }
  memo.set(key, best);
  return best;
}

/** States along a constrained random walk, with whitespace written after some of them. */
function walkStates(machine: JsonMachine, seed: number, steps: number): Stack[][] {
  const automaton = new TokenAutomaton(machine, vocabulary);
  const next = randomLogits(seed);
  const row = new Float32Array(tokens.length);
  const states: Stack[][] = [];
  let state = machine.initial();
  for (let step = 0; step < steps && !machine.accepts(state); step++) {
    states.push(state);
    for (const space of [0x20, 0x0a]) {
      const spaced = machine.step(state, space);
      if (spaced.length > 0) states.push(spaced, machine.step(spaced, space));
    }
    const mask = automaton.mask(state);
    next(step, row);
    let best = 0;
    for (let index = 1; index < mask.allowed.length; index++)
      if (row[mask.allowed[index]!]! > row[mask.allowed[best]!]!) best = index;
    state = automaton.advance(state, mask.allowed[best]!);
  }
  return states.filter((entry) => entry.length > 0);
}

describe("the automaton's caches and shortcuts (property)", () => {
  it('masks (cached, shared across whitespace, taken wholesale inside strings) are those of stepping every token', () => {
    fc.assert(
      fc.property(objectSchemaArbitrary, fc.integer(), (schema, seed) => {
        const machine = new JsonMachine(compileSchema(schema));
        const automaton = new TokenAutomaton(machine, vocabulary);
        for (const state of walkStates(machine, seed, 40)) {
          const mask = automaton.mask(state);
          const expected = steppedMask(machine, state);
          const actual = new Map<number, number>();
          for (const [index, id] of mask.allowed.entries()) actual.set(id, mask.costs[index]!);
          expect(new Map([...expected].map(([id, { cost }]) => [id, cost]))).toEqual(actual);
          expect(mask.accepts).toBe(machine.accepts(state));
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('the bytes a walk may skip without stepping are bytes no state takes', () => {
    fc.assert(
      fc.property(objectSchemaArbitrary, fc.integer(), (schema, seed) => {
        const machine = new JsonMachine(compileSchema(schema));
        for (const state of walkStates(machine, seed, 40)) {
          // States inside tokens too: a walk asks at every node of the trie, not only at token ends.
          for (const inner of [
            state,
            ...[0x22, 0x2c, 0x3a, 0x30, 0x74].map((byte) => machine.step(state, byte)),
          ]) {
            if (inner.length === 0) continue;
            const table = machine.firstBytes(inner);
            if (!table) continue;
            for (let byte = 0; byte < 256; byte++)
              if (table[byte] === 0) expect(machine.step(inner, byte)).toEqual([]);
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('closing counts from closing moves are those of full masks, and the greedy path bounds them', () => {
    fc.assert(
      fc.property(objectSchemaArbitrary, fc.integer(), (schema, seed) => {
        const machine = new JsonMachine(compileSchema(schema));
        const automaton = new TokenAutomaton(machine, vocabulary);
        const memo = new Map<string, number>();
        for (const state of walkStates(machine, seed, 12)) {
          const exact = automaton.closingTokens(state);
          expect(exact).toBe(steppedClosing(machine, state, memo));
          expect(automaton.greedyClosingTokens(state)).toBeGreaterThanOrEqual(exact);
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('near the end of the budget, greedy decoding picks what the full count allows, and nothing else is left', () => {
    fc.assert(
      fc.property(
        objectSchemaArbitrary,
        fc.integer(),
        fc.integer({ min: 0, max: 6 }),
        // Told that decoding is greedy, the processor asks the most likely token first.
        fc.boolean(),
        (schema, seed, slack, greedy) => {
          const machine = new JsonMachine(compileSchema(schema));
          const automaton = new TokenAutomaton(machine, vocabulary);
          const reference = new TokenAutomaton(machine, vocabulary);
          const maxNewTokens = reference.closingTokens(machine.initial()) + 1 + slack;
          const processor = createConstraintProcessor({
            mode: 'json',
            automaton,
            promptLength: 0,
            maxNewTokens,
            eosTokenIds: eosIds,
            greedy,
          });
          const logits = randomLogits(seed);
          const ids: bigint[] = [];
          let state = machine.initial();
          for (let step = 0; step < maxNewTokens; step++) {
            const row = new Float32Array(tokens.length);
            logits(step, row);
            const original = Float32Array.from(row);
            processor([ids], { data: row, dims: [1, row.length] });
            // The full count: every token after which the text closes in the room left.
            const room = maxNewTokens - step - 2;
            const fits = new Set<number>();
            for (const [id, { after }] of steppedMask(machine, state))
              if (reference.closingTokens(after) <= room) fits.add(id);
            if (machine.accepts(state)) fits.add(eos);
            let pick = 0;
            for (let id = 1; id < row.length; id++) if (row[id]! > row[pick]!) pick = id;
            let expected = -1;
            for (const id of fits)
              if (expected < 0 || original[id]! > original[expected]!) expected = id;
            expect(pick).toBe(expected);
            for (let id = 0; id < row.length; id++)
              if (row[id] !== Number.NEGATIVE_INFINITY) expect(fits.has(id)).toBe(true);
            if (pick === eos) break;
            ids.push(BigInt(pick));
            state = reference.advance(state, pick);
          }
          expect(machine.accepts(state)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

function toolMachine(
  tools: Array<{ name: string; parameters: Record<string, unknown> }>,
  repeat: boolean,
): JsonMachine {
  return new JsonMachine(compileToolCalls(tools), {
    prefix: '<tool_call>',
    suffix: '</tool_call>',
    repeat,
  });
}

/** Longest-match tokenization over the synthetic vocabulary. */
function greedyTokenize(text: string): number[] {
  const bytes = encoder.encode(text);
  const ids: number[] = [];
  let position = 0;
  while (position < bytes.length) {
    let best = bytes[position]!;
    let bestLength = 1;
    for (let id = 256; id < tokens.length; id++) {
      const token = tokens[id];
      if (!token || token.length <= bestLength || position + token.length > bytes.length) continue;
      let match = true;
      for (let index = 0; index < token.length; index++)
        if (bytes[position + index] !== token[index]) {
          match = false;
          break;
        }
      if (match) {
        best = id;
        bestLength = token.length;
      }
    }
    ids.push(best);
    position += bestLength;
  }
  return ids;
}
