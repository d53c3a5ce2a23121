/**
 * Load benchmark: 50 concurrent streaming clients (the official `openai` client) against the
 * server running the shipped tiny model on real transformers.js.
 *
 * Run 1, queue sized for them (1 running + 49 waiting): time to first token p50/p95, requests/s
 * and tokens/s per round, errors (must be 0), and RSS after a warm-up round vs after 5 more rounds
 * (the ratio must stay within 10%). Run 2, past the queue size (1 running + 39 waiting): the extra
 * requests must get 429 with Retry-After and nothing else may fail.
 *
 * `pnpm bench` (after a build) or `node --expose-gc --import tsx bench/load.ts`: without
 * `--expose-gc` the RSS samples catch the heap before collection and the ratio means little. CPU is shared: figures are for
 * comparing runs on one machine, and ratios (RSS after/before) are the checked outputs.
 */
import { dirname } from 'node:path';
import { tinyModelDir, toolsFile } from '@tinyllm/example-tools';
import { createModelManager, createTransformers } from '@tinyllm/providers/transformers';
import OpenAI from 'openai';
import { createServer } from '../src/index';
import { serve } from '../src/node/index';

const clients = 50;
const rounds = 5;
const modelId = 'tiny-tool-qwen';

interface Outcome {
  ok: boolean;
  status?: number;
  retryAfter?: string | null;
  /** Why a request failed (error name and message), for the report. */
  failure?: string;
  timeToFirstTokenMs?: number;
  completionTokens?: number;
}

async function start(maxQueued: number) {
  const manager = createModelManager({
    maxConcurrentRequestsPerModel: 1,
    maxQueuedRequestsPerModel: maxQueued,
  });
  const transformers = createTransformers({ modelsDir: dirname(tinyModelDir), manager });
  const model = transformers(modelId, { defaultMaxOutputTokens: 48 });
  await model.load();
  const running = await serve(createServer({ models: { [modelId]: model } }), { port: 0 });
  const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'none', maxRetries: 0 });
  return {
    client,
    close: async () => {
      await running.close();
      await manager.dispose();
    },
  };
}

async function oneRequest(client: OpenAI, index: number): Promise<Outcome> {
  const started = performance.now();
  try {
    const stream = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: `What is ${index + 2} * 7?` }],
      tools: toolsFile.tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    let timeToFirstTokenMs: number | undefined;
    let completionTokens = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (timeToFirstTokenMs === undefined && (delta?.content || delta?.tool_calls)) {
        timeToFirstTokenMs = performance.now() - started;
      }
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    return {
      ok: true,
      ...(timeToFirstTokenMs === undefined ? {} : { timeToFirstTokenMs }),
      completionTokens,
    };
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      return {
        ok: false,
        status: error.status,
        retryAfter: error.headers?.get('retry-after'),
        failure: `${error.name}: ${error.message}`,
      };
    }
    return { ok: false, failure: String(error) };
  }
}

async function round(client: OpenAI) {
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: clients }, (_, index) => oneRequest(client, index)),
  );
  return { outcomes, wallMs: performance.now() - started };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function queueSizedRun() {
  if (globalThis.gc === undefined) {
    console.log('  (no --expose-gc: RSS is sampled without a collection first)');
  }
  const server = await start(clients - 1);
  try {
    await round(server.client); // warm-up: JIT, allocator, first loads
    globalThis.gc?.();
    const rssAfterWarmUp = process.memoryUsage().rss;
    const ttft: number[] = [];
    let errors = 0;
    let requests = 0;
    let tokens = 0;
    let wallMs = 0;
    for (let index = 0; index < rounds; index++) {
      const result = await round(server.client);
      wallMs += result.wallMs;
      for (const outcome of result.outcomes) {
        requests += 1;
        if (!outcome.ok) {
          errors += 1;
          console.log(`  failed: ${outcome.failure}`);
        }
        if (outcome.timeToFirstTokenMs !== undefined) ttft.push(outcome.timeToFirstTokenMs);
        tokens += outcome.completionTokens ?? 0;
      }
    }
    globalThis.gc?.();
    const rssAfterRounds = process.memoryUsage().rss;
    const ratio = rssAfterRounds / rssAfterWarmUp;
    console.log(
      `run 1: ${clients} concurrent streaming clients, queue sized for them, ${rounds} rounds`,
    );
    console.log(`  requests ${requests}, errors ${errors}`);
    console.log(
      `  TTFT p50 ${percentile(ttft, 50).toFixed(0)} ms, p95 ${percentile(ttft, 95).toFixed(0)} ms (includes queue wait)`,
    );
    console.log(
      `  throughput ${((requests / wallMs) * 1000).toFixed(2)} requests/s, ${((tokens / wallMs) * 1000).toFixed(1)} completion tokens/s`,
    );
    console.log(
      `  RSS after warm-up ${mib(rssAfterWarmUp)} MiB, after ${rounds} rounds ${mib(rssAfterRounds)} MiB, ratio ${ratio.toFixed(3)} (${ratio <= 1.1 ? 'no growth beyond' : 'GREW MORE THAN'} 10%)`,
    );
    // A leak check: memory the allocator hands back after warm-up (ratio < 1) is not a failure.
    return errors === 0 && ratio <= 1.1;
  } finally {
    await server.close();
  }
}

async function pastQueueRun() {
  const queued = 39;
  const server = await start(queued);
  try {
    const { outcomes } = await round(server.client);
    const ok = outcomes.filter((outcome) => outcome.ok).length;
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    const withRetryAfter = refused.filter((outcome) => Number(outcome.retryAfter) >= 1).length;
    const other = outcomes.length - ok - refused.length;
    console.log(`run 2: ${clients} concurrent clients, queue of 1 running + ${queued} waiting`);
    console.log(
      `  served ${ok}, 429 ${refused.length} (with Retry-After ${withRetryAfter}), other failures ${other}`,
    );
    // Requests arrive over a few milliseconds and the first may finish before the last arrives,
    // so one or two more than 1 + queued can be served: every refusal must be a 429 with
    // Retry-After, and nothing else may fail.
    return other === 0 && refused.length > 0 && withRetryAfter === refused.length;
  } finally {
    await server.close();
  }
}

const first = await queueSizedRun();
const second = await pastQueueRun();
console.log(first && second ? 'load bench: PASS' : 'load bench: FAIL');
process.exitCode = first && second ? 0 : 1;
