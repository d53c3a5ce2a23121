/**
 * Prompt caching on a conversation, as a chat app sends it: every request carries the tools and
 * the whole history. The conversation is chat-cli's: a calculation, a follow-up on its result, a
 * weather question, a thanks; seven requests with the tool results in between. The same model,
 * cache on and off (two providers, so each keeps its own cache as an app's would); rounds
 * alternate which side goes first. Printed: the median wall and CPU time per conversation, time
 * to first token of the last turn, and the prompt tokens each side ran through the model.
 *
 * Run: `pnpm --filter @tinyllm/providers bench conversation` or `tsx bench/conversation.bench.ts`.
 */
import { fileURLToPath } from 'node:url';
import { type ChatModel, type ChatResponse, type Message, responseToMessage } from '@tinyllm/core';
import { createTransformers } from '../src/transformers/index';
import {
  type ConversationScript,
  chatCliConversation,
  fixtureTools,
} from '../src/transformers/test-fixture';
import { median, modelId, modelsDir, rounds } from './local-settings';

const tools = fixtureTools();
type Script = ConversationScript;
const script = chatCliConversation;
/** Another user's conversation of the same shape, for the conversations taking turns. */
const otherScript: Script = [
  'what is 23 plus 19?',
  { result: '{"result":42}' },
  'now double it',
  { result: '{"result":84}' },
  "what's the weather in Oslo?",
  { result: '{"city":"Oslo","condition":"snowy","temperature_c":-5}' },
  'thanks!',
];

interface Run {
  ms: number;
  cpuMs: number;
  lastFirstTokenMs: number;
  inputTokens: number;
  ranTokens: number;
  replies: string[];
}

/** Plays the scripts as conversations taking turns request by request (a server's users). */
async function converse(model: ChatModel, scripts: Script[] = [script]): Promise<Run> {
  const conversations = scripts.map((steps) => ({
    steps,
    messages: [] as Message[],
    responses: [] as ChatResponse[],
  }));
  const responses: ChatResponse[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < script.length; index++) {
    for (const conversation of conversations) {
      const { messages } = conversation;
      const step = conversation.steps[index]!;
      const call = conversation.responses.at(-1)?.toolCalls[0];
      messages.push(
        typeof step === 'string'
          ? { role: 'user', content: step }
          : { role: 'tool', toolCallId: call!.id, toolName: call!.name, content: step.result },
      );
      const response = await model.chat({ messages, tools, temperature: 0 });
      conversation.responses.push(response);
      responses.push(response);
      messages.push(responseToMessage(response));
    }
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const inputTokens = responses.reduce((sum, each) => sum + each.usage.inputTokens, 0);
  const cached = responses.reduce((sum, each) => sum + (each.usage.cachedInputTokens ?? 0), 0);
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    lastFirstTokenMs: responses.at(-1)?.timings.timeToFirstTokenMs ?? Number.NaN,
    inputTokens,
    ranTokens: inputTokens - cached,
    replies: responses.map((each) => each.text || JSON.stringify(each.toolCalls[0]?.arguments)),
  };
}

export default async function conversationBench(): Promise<{ ratio: number }> {
  const sides = {
    off: createTransformers({ modelsDir }),
    on: createTransformers({ modelsDir }),
  };
  const models = {
    off: sides.off(modelId, { promptCache: false }),
    on: sides.on(modelId),
  };
  try {
    const runs: Record<'off' | 'on', Run[]> = { off: [], on: [] };
    for (const side of ['off', 'on'] as const) await converse(models[side]);
    for (let round = 0; round < rounds * 2; round++) {
      const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      for (const side of order) runs[side].push(await converse(models[side]));
    }
    if (JSON.stringify(runs.on[0]!.replies) !== JSON.stringify(runs.off[0]!.replies))
      throw new Error('The cached conversation answered differently.');
    const ms = (side: 'off' | 'on') => median(runs[side].map((run) => run.ms));
    const cpu = (side: 'off' | 'on') => median(runs[side].map((run) => run.cpuMs));
    const first = (side: 'off' | 'on') => median(runs[side].map((run) => run.lastFirstTokenMs));
    const ratio = ms('on') / ms('off');
    console.log(
      `conversation of ${script.length} requests (${runs.off[0]!.inputTokens} prompt tokens), ${rounds * 2} paired rounds, same replies:`,
    );
    for (const side of ['off', 'on'] as const) {
      console.log(
        `  cache ${side.padEnd(3)}: ${ms(side).toFixed(0)} ms, CPU ${cpu(side).toFixed(0)} ms, last turn's first token ${first(side).toFixed(1)} ms, ${runs[side][0]!.ranTokens} prompt tokens run`,
      );
    }
    console.log(
      `  on ÷ off: ${ratio.toFixed(3)}× time, ${(cpu('on') / cpu('off')).toFixed(3)}× CPU, ${(first('on') / first('off')).toFixed(3)}× last first token`,
    );
    await interleaved();
    return { ratio };
  } finally {
    await sides.off.dispose();
    await sides.on.dispose();
  }
}

/** Two conversations taking turns request by request: one cache entry against two. */
async function interleaved(): Promise<void> {
  const providers = [createTransformers({ modelsDir }), createTransformers({ modelsDir })];
  const sides = {
    'one entry': providers[0]!(modelId),
    'two entries': providers[1]!(modelId, { promptCache: { maxEntries: 2 } }),
  };
  try {
    const runs: Record<keyof typeof sides, Run[]> = { 'one entry': [], 'two entries': [] };
    const names = Object.keys(sides) as Array<keyof typeof sides>;
    for (const name of names) await converse(sides[name], [script, otherScript]);
    for (let round = 0; round < rounds * 2; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse())
        runs[name].push(await converse(sides[name], [script, otherScript]));
    }
    const ms = (name: keyof typeof sides) => median(runs[name].map((run) => run.ms));
    console.log(
      `two such conversations taking turns (${runs['one entry'][0]!.inputTokens} prompt tokens), ${rounds * 2} paired rounds:`,
    );
    for (const name of names)
      console.log(
        `  ${name.padEnd(11)}: ${ms(name).toFixed(0)} ms, ${runs[name][0]!.ranTokens} prompt tokens run`,
      );
    console.log(`  two ÷ one: ${(ms('two entries') / ms('one entry')).toFixed(3)}× time`);
  } finally {
    for (const provider of providers) await provider.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await conversationBench();
}
