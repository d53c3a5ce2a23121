/**
 * The done-when check, through the built `tinyllm-serve` bin: `--models-dir models` serves the
 * shipped tiny model, and the `openai` client's streamed tool call for "What is 12 * 7?" comes
 * back as a calculator call and, after the tool result, an answer containing 84.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyModelDir } from '@tinyllm/example-tools';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAITools } from './local-server';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(packageDir, 'dist/cli/bin.js');
const modelsDir = dirname(tinyModelDir);
const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-serve-'));
let child: ChildProcess | undefined;
let baseURL: string;

function runBin(args: string[], environment: Record<string, string> = {}) {
  const process_ = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  process_.stdout.on('data', (data) => {
    stdout += data;
  });
  process_.stderr.on('data', (data) => {
    stderr += data;
  });
  const exited = new Promise<number | null>((resolve) => process_.on('exit', resolve));
  return { process: process_, exited, output: () => ({ stdout, stderr }) };
}

beforeAll(async () => {
  // `pnpm test` builds first (turbo); a direct vitest run builds the bin if it is missing.
  if (!existsSync(bin)) execFileSync('npx', ['tsup'], { cwd: packageDir, stdio: 'ignore' });
  // Port, output budget and prompt caches from a config file, the models folder from the flag.
  const configPath = join(workDir, 'serve.json');
  writeFileSync(configPath, JSON.stringify({ port: 0, maxOutputTokens: 96, promptCache: 2 }));
  const run = runBin(['--models-dir', modelsDir, '--config', configPath], {
    TINYLLM_API_KEYS: 'sk-bin-test-key-1',
  });
  child = run.process;
  const start = Date.now();
  while (!/listening on (\S+)/.test(run.output().stdout)) {
    if (Date.now() - start > 30_000 || child.exitCode !== null) {
      throw new Error(`tinyllm-serve did not start: ${run.output().stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  baseURL = /listening on (\S+)/.exec(run.output().stdout)?.[1] as string;
  expect(run.output().stdout).not.toContain('sk-bin-test-key-1');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(workDir, { recursive: true, force: true });
});

describe('tinyllm-serve', () => {
  it('answers the streamed tool call for "What is 12 * 7?" with a calculator call, then 84', async () => {
    const client = new OpenAI({ baseURL, apiKey: 'sk-bin-test-key-1', maxRetries: 0 });
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 12 * 7?' }];
    const stream = await client.chat.completions.create({
      model: 'tiny-tool-qwen',
      messages,
      tools: openAITools,
      stream: true,
    });
    const call = { id: '', name: '', arguments: '' };
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (delta.id) call.id = delta.id;
        call.name += delta.function?.name ?? '';
        call.arguments += delta.function?.arguments ?? '';
      }
    }
    expect(call.name).toBe('calculator');
    messages.push(
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          },
        ],
      },
      { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ result: 84 }) },
    );
    let answer = '';
    const second = await client.chat.completions.create({
      model: 'tiny-tool-qwen',
      messages,
      tools: openAITools,
      stream: true,
    });
    for await (const chunk of second) answer += chunk.choices[0]?.delta.content ?? '';
    expect(answer).toContain('84');
  });

  it('with promptCache 2, two clients taking turns each continue from their own cache', async () => {
    const client = new OpenAI({ baseURL, apiKey: 'sk-bin-test-key-1', maxRetries: 0 });
    const conversations: ChatCompletionMessageParam[][] = [
      [{ role: 'user', content: 'What is 48 plus 17?' }],
      [{ role: 'user', content: "What's the weather in Madrid?" }],
    ];
    const usage: Array<OpenAI.CompletionUsage | undefined> = [];
    for (const messages of [...conversations, ...conversations]) {
      const completion = await client.chat.completions.create({
        model: 'tiny-tool-qwen',
        messages,
        tools: openAITools,
      });
      usage.push(completion.usage);
      const reply = completion.choices[0]?.message;
      messages.push(
        { role: 'assistant', content: reply?.content ?? null, tool_calls: reply?.tool_calls },
        ...(reply?.tool_calls ?? []).map((call) => ({
          role: 'tool' as const,
          tool_call_id: call.id,
          content: '{"result":65}',
        })),
      );
    }
    // Each client's second request starts with the whole of its first.
    for (const [later, earlier] of [
      [2, 0],
      [3, 1],
    ] as const) {
      expect(usage[later]?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(
        usage[earlier]?.prompt_tokens ?? Number.POSITIVE_INFINITY,
      );
    }
  });

  it('reports health without a key', async () => {
    const response = await fetch(baseURL.replace(/\/v1$/, '/health'));
    const body = await response.json();
    expect(body.status).toBe('ok');
    expect(body.loadedModels[0]).toMatchObject({ modelId: 'tiny-tool-qwen', queuedRequests: 0 });
  });

  it('exits with a clear message for bad options', async () => {
    const missing = runBin([]);
    expect(await missing.exited).toBe(1);
    expect(missing.output().stderr).toContain('Give --models-dir and/or --registry');
    const badPort = runBin(['--models-dir', modelsDir, '--port', 'eighty']);
    expect(await badPort.exited).toBe(1);
    expect(badPort.output().stderr).toContain('--port must be an integer');
  });
});
