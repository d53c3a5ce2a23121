/**
 * Overhead of `withHooks()` and `createRouter()` over calling the same scripted model directly:
 * 20 000 `chat` calls, and 2 000 streams of 200 deltas each. The baseline (direct calls) is
 * measured in the same run; variants run in rotating order over several rounds, after a warm-up,
 * and the median round is reported, so drift and a noisy neighbour affect all of them alike.
 */
import type { ModelHooks } from '../src/hooks-types';
import { withHooks } from '../src/hooks';
import type { ChatRequest } from '../src/messages';
import type { ChatModel } from '../src/model';
import { createRouter } from '../src/router/router';
import { createScriptedModel } from '../src/testing/index';

const chatCalls = 20_000;
const streams = 2_000;
const deltasPerStream = 200;
const rounds = 3;

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'What is the weather in Paris?' },
  ],
};

// Hooks that do the least real work an app would: read the fields it would store.
let sink = 0;
const hooks: ModelHooks = {
  onRequest: (event) => {
    sink += event.messageCount;
  },
  onFirstToken: (event) => {
    sink += event.timeToFirstTokenMs;
  },
  onResponse: (event) => {
    sink += event.response.text.length;
  },
  onError: () => {
    sink -= 1;
  },
  onUsage: (event) => {
    sink += event.totalMs + event.outputTokens;
  },
};

interface Variant {
  name: string;
  chat: () => Promise<unknown>;
  stream: () => Promise<unknown>;
}

function variants(): Variant[] {
  const chatModel = createScriptedModel({
    repeat: true,
    script: [{ text: 'It is sunny in Paris.', usage: { inputTokens: 20, outputTokens: 6 } }],
  });
  const deltas = Array.from({ length: deltasPerStream }, (_, index) => `t${index % 10} `);
  const streamModel = createScriptedModel({
    repeat: true,
    script: [{ text: deltas, usage: { inputTokens: 20, outputTokens: deltasPerStream } }],
  });
  const consume = async (model: ChatModel): Promise<void> => {
    for await (const event of model.stream(request)) if (event.type === 'finish') sink++;
  };
  const make = (name: string, wrap: (model: ChatModel) => ChatModel): Variant => {
    const chatTarget = wrap(chatModel);
    const streamTarget = wrap(streamModel);
    return {
      name,
      chat: () => chatTarget.chat(request),
      stream: () => consume(streamTarget),
    };
  };
  return [
    make('direct', (model) => model),
    make('withHooks', (model) => withHooks(model, hooks, { modelName: 'm', sessionId: 's' })),
    make('router', (model) => createRouter({ models: { m: model } }).model('m')),
    make('router+hooks', (model) => createRouter({ models: { m: model }, hooks }).model('m')),
  ];
}

async function opsPerSecond(run: () => Promise<unknown>, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await run();
  return (count * 1000) / (performance.now() - started);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(
  label: string,
  all: Variant[],
  pick: (variant: Variant) => () => Promise<unknown>,
  count: number,
  unit: string,
): Promise<void> {
  for (const variant of all) await opsPerSecond(pick(variant), Math.ceil(count / 10));
  const results = new Map<string, number[]>(all.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no variant always runs first (or right after the heaviest one).
    for (let offset = 0; offset < all.length; offset++) {
      const variant = all[(round + offset) % all.length]!;
      results.get(variant.name)!.push(await opsPerSecond(pick(variant), count));
    }
  }
  const baseline = median(results.get('direct')!);
  console.log(`\n${label} (${count} per round, median of ${rounds} rounds)`);
  console.log(`${'variant'.padEnd(14)}${`${unit}/s`.padStart(14)}${'vs direct'.padStart(12)}`);
  for (const [name, values] of results) {
    const value = median(values);
    console.log(
      `${name.padEnd(14)}${value.toFixed(0).padStart(14)}${`${(value / baseline).toFixed(3)}x`.padStart(12)}`,
    );
  }
}

export default async function run(): Promise<void> {
  const all = variants();
  await measure('chat calls', all, (variant) => variant.chat, chatCalls, 'calls');
  await measure(
    `streams of ${deltasPerStream} deltas`,
    all,
    (variant) => variant.stream,
    streams,
    'streams',
  );
  if (Number.isNaN(sink)) console.log('unreachable');
}
