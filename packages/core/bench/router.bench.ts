/**
 * Overhead of `withHooks()` and `createRouter()` over calling the same scripted model directly:
 * 20 000 `chat` calls, and 2 000 streams of 200 deltas each. The baseline (direct calls) is
 * measured in the same run; variants run in rotating order over several rounds, after a warm-up,
 * and the best round by CPU time (plus the wall-clock median) is reported, so drift and a noisy
 * neighbour on the shared machine affect all of them alike.
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

interface Rate {
  /** Operations per second of wall-clock time. */
  wall: number;
  /** Operations per second of this process's CPU time: far less sensitive to other processes. */
  cpu: number;
}

async function opsPerSecond(run: () => Promise<unknown>, count: number): Promise<Rate> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < count; index++) await run();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: (count * 1000) / wallMs, cpu: (count * 1e6) / (cpu.user + cpu.system) };
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
  const results = new Map<string, Rate[]>(all.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no variant always runs first (or right after the heaviest one).
    for (let offset = 0; offset < all.length; offset++) {
      const variant = all[(round + offset) % all.length]!;
      results.get(variant.name)!.push(await opsPerSecond(pick(variant), count));
    }
  }
  // The best round estimates the intrinsic cost (noise only ever slows a round down). CPU time
  // is the headline on a shared machine; wall-clock medians are shown for comparison.
  const best = (rates: Rate[], key: keyof Rate) => Math.max(...rates.map((rate) => rate[key]));
  const middle = (rates: Rate[], key: keyof Rate) => median(rates.map((rate) => rate[key]));
  const direct = results.get('direct')!;
  console.log(`\n${label} (${count} per round, ${rounds} rounds)`);
  console.log(
    `${'variant'.padEnd(14)}${`${unit}/cpu-s`.padStart(16)}${'vs direct'.padStart(11)}${`${unit}/s wall`.padStart(18)}${'vs direct'.padStart(11)}`,
  );
  for (const [name, rates] of results) {
    const cpu = best(rates, 'cpu');
    const wall = middle(rates, 'wall');
    console.log(
      `${name.padEnd(14)}${cpu.toFixed(0).padStart(16)}${`${(cpu / best(direct, 'cpu')).toFixed(3)}x`.padStart(11)}${wall.toFixed(0).padStart(18)}${`${(wall / middle(direct, 'wall')).toFixed(3)}x`.padStart(11)}`,
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
