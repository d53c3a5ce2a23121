/**
 * Throughput of the Hermes tool-call parser on a ~10 MB synthetic stream (text, reasoning and
 * tool calls) fed in 4-16 character chunks, as a model streams tokens. The baseline, measured in
 * the same run, is the least any streaming tool-call detector must do: an `indexOf('<tool_call>')`
 * over each chunk plus the tail of the previous one.
 */
import { HermesToolCallParser, parseHermesText } from '../src/parser/hermes';

const targetBytes = 10 * 1024 * 1024;
const repetitions = 5;

/** A small deterministic PRNG (mulberry32), so every run measures the same input. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticReply(): string {
  const next = random(42);
  const words = ['the', 'weather', 'in', 'Paris', 'is', 'a < b', '<b>mild</b>', 'today', '😀', 'é'];
  const sentence = (count: number): string =>
    Array.from({ length: count }, () => words[Math.floor(next() * words.length)]).join(' ');
  const parts: string[] = [];
  let length = 0;
  while (length < targetBytes) {
    const block = [
      `<think>\n${sentence(30)}\n</think>\n\n`,
      `${sentence(50)}\n`,
      `<tool_call>\n{"name": "get_weather", "arguments": {"city": "${sentence(2)}", "days": ${Math.floor(next() * 7)}}}\n</tool_call>\n`,
      `<tool_call>\n{"name": "search", "arguments": "{\\"query\\": \\"${sentence(4)}\\"}"}\n</tool_call>\n`,
    ].join('');
    parts.push(block);
    length += block.length;
  }
  return parts.join('');
}

function chunked(text: string): string[] {
  const next = random(7);
  const chunks: string[] = [];
  for (let index = 0; index < text.length; ) {
    const size = 4 + Math.floor(next() * 13);
    chunks.push(text.slice(index, index + size));
    index += size;
  }
  return chunks;
}

/** The best of several timed runs, in milliseconds (the minimum is the least noisy on a shared machine). */
function best(run: () => number): { ms: number; result: number } {
  let ms = Number.POSITIVE_INFINITY;
  let result = 0;
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const started = performance.now();
    result = run();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, result };
}

export default async function parserBenchmark(): Promise<void> {
  const text = syntheticReply();
  const chunks = chunked(text);
  const megabytes = Buffer.byteLength(text, 'utf8') / 1024 / 1024;

  const baseline = best(() => {
    let found = 0;
    let tail = '';
    for (const chunk of chunks) {
      const window = tail + chunk;
      if (window.indexOf('<tool_call>') !== -1) found++;
      tail = window.slice(-10);
    }
    return found;
  });

  const streamed = best(() => {
    const parser = new HermesToolCallParser({ generateId: () => 'call_bench' });
    let toolCalls = 0;
    for (const chunk of chunks) {
      for (const event of parser.push(chunk)) if (event.type === 'tool-call') toolCalls++;
    }
    parser.flush();
    return toolCalls;
  });

  const whole = best(
    () => parseHermesText(text, { generateId: () => 'call_bench' }).toolCalls.length,
  );

  if (streamed.result !== whole.result || streamed.result !== baseline.result) {
    throw new Error(
      `tool-call counts disagree: streamed ${streamed.result}, whole ${whole.result}, baseline ${baseline.result}`,
    );
  }
  const rate = (ms: number): string => `${(megabytes / (ms / 1000)).toFixed(1)} MB/s`;
  console.log(
    `input: ${megabytes.toFixed(1)} MB, ${chunks.length} chunks of 4-16 chars, ${streamed.result} tool calls; best of ${repetitions}`,
  );
  console.log(
    `baseline indexOf('<tool_call>') over chunks: ${rate(baseline.ms)} (${baseline.ms.toFixed(0)} ms)`,
  );
  console.log(
    `HermesToolCallParser, streamed chunks:      ${rate(streamed.ms)} (${streamed.ms.toFixed(0)} ms)`,
  );
  console.log(
    `parseHermesText, whole string:             ${rate(whole.ms)} (${whole.ms.toFixed(0)} ms)`,
  );
  console.log(`streamed parser / baseline throughput: ${(baseline.ms / streamed.ms).toFixed(2)}x`);
}
