/**
 * The remote fault matrix: every remote adapter × every fault its server can play, through the
 * adapter alone and through a router with a fallback model. For each case it records the typed
 * outcome, the time to it, whether it hung, whether the connection was closed when it should
 * be, and every place a canary API key shows up (message, stack, cause chain, JSON.stringify,
 * util.inspect, console output).
 *
 * Used by `fault-matrix.test.ts` (one round, `npm test`) and by `bench/fault-matrix.bench.ts`
 * (many rounds, figures printed).
 */
import { inspect } from 'node:util';
import { type ChatModel, type ErrorCode, TinyLLMError, createRouter } from '@tinyllm/core';
import { createScriptedModel } from '@tinyllm/core/testing';
import { createHuggingFace } from '../../src/huggingface/index';
import { createOllama } from '../../src/ollama/index';
import { createOpenAICompatible } from '../../src/openai-compatible/index';
import type { TimeoutSettings } from '../../src/shared/request-timeouts';
import { startOllamaServer } from '../servers/ollama-server';
import { startOpenAISseServer } from '../servers/openai-sse-server';

/** The faults of the matrix. */
export const faults = [
  'drop mid-stream',
  '429 + Retry-After',
  '503',
  '500',
  'malformed frame',
  'silent server',
  'stalled stream',
  'slow stream',
  'abort',
  '401 key echoed',
] as const;
export type Fault = (typeof faults)[number];

/** How a case ended: a typed error code, `ok` (the primary answered) or `fallback`. */
export type Outcome = ErrorCode | 'ok' | 'fallback' | 'hang' | 'untyped';

/** One case of the matrix. */
export interface MatrixCase {
  adapter: string;
  path: 'adapter' | 'router';
  fault: Fault;
  outcome: Outcome;
  expected: Outcome;
  /** From the call to the error (or the end of the answer), in ms. */
  timeMs: number;
  /** For faults that must close the connection: whether the server saw it closed (≤ 1 s). */
  connectionClosed: boolean | undefined;
  /** Where the canary key appeared. Empty when it did not. */
  leaks: string[];
  /** The code of the error the router fell back on (router path). */
  fallbackCode: ErrorCode | undefined;
  retryAfterMs: number | undefined;
}

interface FaultServer {
  url: string;
  script(scenarios: unknown[]): void;
  connectionClosed(): Promise<number>;
  close(): Promise<void>;
}

interface AdapterUnderTest {
  name: string;
  start(): Promise<FaultServer>;
  model(server: FaultServer, key: string, timeouts: TimeoutSettings): ChatModel;
  /** This adapter's code for a 503. */
  code503: ErrorCode;
}

const wrapServer = (started: {
  url: string;
  script(scenarios: never[]): void;
  server: { connectionClosed(): Promise<number> };
  close(): Promise<void>;
}): FaultServer => ({
  url: started.url,
  script: (scenarios) => started.script(scenarios as never[]),
  connectionClosed: () => started.server.connectionClosed(),
  close: () => started.close(),
});

/** The three remote adapters, each against its local server. */
export const remoteAdapters: AdapterUnderTest[] = [
  {
    name: 'ollama',
    start: async () => wrapServer(await startOllamaServer()),
    model: (server, apiKey, timeouts) =>
      createOllama({ baseURL: server.url, apiKey, ...timeouts })('qwen3:0.6b'),
    // Ollama answers 503 when its queue is full.
    code503: 'PROVIDER_UNAVAILABLE',
  },
  {
    name: 'openai-compatible',
    start: async () => wrapServer(await startOpenAISseServer()),
    model: (server, apiKey, timeouts) =>
      createOpenAICompatible({ baseURL: `${server.url}/v1`, apiKey, ...timeouts })('m'),
    code503: 'MODEL_LOADING',
  },
  {
    name: 'huggingface',
    start: async () => wrapServer(await startOpenAISseServer({ flavor: 'tgi' })),
    model: (server, apiKey, timeouts) =>
      createHuggingFace({ apiKey, endpointUrl: server.url, ...timeouts })('tgi'),
    code503: 'MODEL_LOADING',
  },
];

/** A key of no recognisable shape (no `sk-`, `hf_`, `Bearer`), fresh per run. */
export function canaryKey(): string {
  const part = () => Math.random().toString(36).slice(2, 10);
  return `cnry.${part()}.${part()}`;
}

const scenarioOf = (fault: Fault): unknown => {
  switch (fault) {
    case 'drop mid-stream':
      return { kind: 'drop', chunks: ['Hel', 'lo'] };
    case '429 + Retry-After':
      return {
        kind: 'http-error',
        status: 429,
        message: 'Rate limit reached',
        retryAfterSeconds: 2,
      };
    case '503':
      return { kind: 'http-error', status: 503, message: 'Service unavailable' };
    case '500':
      return { kind: 'http-error', status: 500, message: 'Internal server error' };
    case 'malformed frame':
      return { kind: 'malformed', chunks: ['Hel', 'lo'] };
    case 'silent server':
      return { kind: 'silent' };
    case 'stalled stream':
      return { kind: 'stall', chunks: ['Hel', 'lo'] };
    case 'slow stream':
      return { kind: 'slow-text', chunks: ['s', 'l', 'o', 'w'], delayMs: 40 };
    case 'abort':
      return { kind: 'endless', chunk: 'x', intervalMs: 5 };
    case '401 key echoed':
      return { kind: 'echo-key', status: 401 };
  }
};

/** The typed outcome each fault must have through the adapter alone. */
function adapterExpectation(fault: Fault, adapter: AdapterUnderTest): Outcome {
  switch (fault) {
    case 'drop mid-stream':
      return 'PROVIDER_UNAVAILABLE';
    case '429 + Retry-After':
      return 'RATE_LIMITED';
    case '503':
      return adapter.code503;
    case '500':
      return 'PROVIDER_UNAVAILABLE';
    case 'malformed frame':
      return 'GENERATION_FAILED';
    case 'silent server':
    case 'stalled stream':
      return 'TIMEOUT';
    case 'slow stream':
      return 'ok';
    case 'abort':
      return 'ABORTED';
    case '401 key echoed':
      return 'AUTH_FAILED';
  }
}

/**
 * Through a router with a fallback: faults before the first event fall back (nothing reached the
 * caller yet); faults after it surface typed (the router never duplicates output).
 */
function routerExpectation(fault: Fault, adapter: AdapterUnderTest): Outcome {
  switch (fault) {
    case 'drop mid-stream':
    case 'malformed frame':
    case 'stalled stream':
    case 'slow stream':
    case 'abort':
      return adapterExpectation(fault, adapter);
    default:
      return 'fallback';
  }
}

const closesConnection = new Set<Fault>(['silent server', 'stalled stream', 'abort']);

/** Everywhere an error (and its cause chain) can be shown. */
function errorViews(error: unknown): Array<[string, string]> {
  const views: Array<[string, string]> = [];
  let depth = 0;
  for (let current: unknown = error; current !== undefined && current !== null && depth < 10; ) {
    const entry = current as { message?: unknown; stack?: unknown; cause?: unknown };
    const at = depth === 0 ? 'error' : `cause[${depth}]`;
    views.push([`${at}.message`, String(entry.message)]);
    views.push([`${at}.stack`, String(entry.stack)]);
    try {
      views.push([`${at} JSON.stringify`, JSON.stringify(current) ?? '']);
    } catch {
      // circular: inspect below still shows it
    }
    views.push([`${at} util.inspect`, inspect(current, { depth: 10, showHidden: true })]);
    current = entry.cause;
    depth++;
  }
  return views;
}

const leaksOf = (key: string, views: Array<[string, string]>): string[] =>
  views.filter(([, text]) => text.includes(key)).map(([where]) => where);

/** Captures console output (everything the library or a client might print) while `run` runs. */
async function capturingConsole<T>(run: () => Promise<T>): Promise<{ value: T; output: string }> {
  const methods = ['log', 'warn', 'error', 'info', 'debug', 'trace'] as const;
  const originals = methods.map((method) => console[method]);
  const lines: string[] = [];
  for (const method of methods)
    console[method] = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    };
  try {
    const value = await run();
    return { value, output: lines.join('\n') };
  } finally {
    methods.forEach((method, index) => {
      console[method] = originals[index]!;
    });
  }
}

const withLimit = <T>(promise: Promise<T>, ms: number): Promise<T | 'limit'> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('limit'), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** Options of {@link runFaultMatrix}. */
export interface FaultMatrixOptions {
  /** Rounds over the whole matrix (default 1). */
  rounds?: number;
  /** A case not settled after this long counts as a hang (default 5 000 ms). */
  hangAfterMs?: number;
  /** Adapter timeouts used in the matrix (defaults: 1 000 ms first byte, 500 ms idle). */
  timeouts?: TimeoutSettings;
  /** Only these adapters (by name). */
  adapters?: string[];
}

/** Runs the matrix and returns one row per case and round. */
export async function runFaultMatrix(options: FaultMatrixOptions = {}): Promise<MatrixCase[]> {
  const rounds = options.rounds ?? 1;
  const hangAfterMs = options.hangAfterMs ?? 5_000;
  const timeouts = options.timeouts ?? { firstByteTimeoutMs: 1_000, streamIdleTimeoutMs: 500 };
  const rows: MatrixCase[] = [];
  for (const adapter of remoteAdapters) {
    if (options.adapters && !options.adapters.includes(adapter.name)) continue;
    const server = await adapter.start();
    try {
      // One healthy request first: the lazy SDK import and the first connection are not faults.
      server.script([
        {
          kind: 'text',
          chunks: ['ok'],
          finishReason: 'stop',
          usage: { inputTokens: 1, outputTokens: 1 },
        },
      ]);
      await adapter.model(server, canaryKey(), timeouts).chat({
        messages: [{ role: 'user', content: 'warm up' }],
      });
      for (let round = 0; round < rounds; round++) {
        for (const fault of faults) {
          for (const path of ['adapter', 'router'] as const) {
            rows.push(await runCase(adapter, server, fault, path, timeouts, hangAfterMs));
          }
        }
      }
    } finally {
      await server.close();
    }
  }
  return rows;
}

async function runCase(
  adapter: AdapterUnderTest,
  server: FaultServer,
  fault: Fault,
  path: 'adapter' | 'router',
  timeouts: TimeoutSettings,
  hangAfterMs: number,
): Promise<MatrixCase> {
  const key = canaryKey();
  const primary = adapter.model(server, key, timeouts);
  const backup = createScriptedModel({ repeat: true, script: [{ text: 'backup answer' }] });
  const fallbackErrors: TinyLLMError[] = [];
  const router = createRouter({
    models: { primary, backup },
    fallbacks: { primary: ['backup'] },
    retry: { maxRetries: 0 },
    cooldown: false,
    onFallback: (event) => fallbackErrors.push(event.error),
  });
  const model: ChatModel = path === 'router' ? router.model('primary') : primary;
  server.script([scenarioOf(fault)]);
  const closed = closesConnection.has(fault)
    ? server.connectionClosed().then(() => true)
    : undefined;
  const controller = new AbortController();
  const startedAt = performance.now();
  const attempt = async (): Promise<{ text: string } | { error: unknown }> => {
    let text = '';
    try {
      for await (const event of model.stream(
        { messages: [{ role: 'user', content: 'Say hello.' }] },
        { signal: controller.signal },
      )) {
        if (event.type === 'text-delta') {
          text += event.text;
          if (fault === 'abort') controller.abort();
        }
      }
      return { text };
    } catch (error) {
      return { error };
    }
  };
  const { value: settled, output } = await capturingConsole(() =>
    withLimit(attempt(), hangAfterMs),
  );
  const timeMs = performance.now() - startedAt;
  if (settled === 'limit') controller.abort();
  let outcome: Outcome;
  let retryAfterMs: number | undefined;
  const views: Array<[string, string]> = [['console output', output]];
  if (settled === 'limit') outcome = 'hang';
  else if ('error' in settled) {
    views.push(...errorViews(settled.error));
    if (TinyLLMError.isInstance(settled.error)) {
      outcome = settled.error.code;
      retryAfterMs = settled.error.retryAfterMs;
    } else outcome = 'untyped';
  } else outcome = settled.text === 'backup answer' ? 'fallback' : 'ok';
  for (const error of fallbackErrors) views.push(...errorViews(error));
  const fallbackError = fallbackErrors[0];
  if (fallbackError) retryAfterMs ??= fallbackError.retryAfterMs;
  const connectionClosed =
    closed === undefined ? undefined : (await withLimit(closed, 1_000)) === true;
  return {
    adapter: adapter.name,
    path,
    fault,
    outcome,
    expected:
      path === 'router' ? routerExpectation(fault, adapter) : adapterExpectation(fault, adapter),
    timeMs,
    connectionClosed,
    leaks: leaksOf(key, views),
    fallbackCode: fallbackError?.code,
    retryAfterMs,
  };
}

/** The code each router case must have fallen back on (its adapter outcome). */
export function expectedFallbackCode(row: MatrixCase): Outcome | undefined {
  if (row.path !== 'router' || row.expected !== 'fallback') return undefined;
  const adapter = remoteAdapters.find((entry) => entry.name === row.adapter)!;
  return adapterExpectation(row.fault, adapter);
}

/** Problems of one row (empty when the case behaved). */
export function problemsOf(row: MatrixCase): string[] {
  const problems: string[] = [];
  if (row.outcome !== row.expected)
    problems.push(`outcome ${row.outcome}, expected ${row.expected}`);
  const fallbackCode = expectedFallbackCode(row);
  if (fallbackCode !== undefined && row.fallbackCode !== fallbackCode)
    problems.push(`fell back on ${row.fallbackCode}, expected ${fallbackCode}`);
  if (row.fault === '429 + Retry-After' && row.retryAfterMs !== 2_000)
    problems.push(`retryAfterMs ${row.retryAfterMs}, expected 2000`);
  if (row.connectionClosed === false) problems.push('connection left open');
  if (row.leaks.length > 0) problems.push(`canary key in ${row.leaks.join(', ')}`);
  return problems;
}
