/**
 * Runs the built demo as `npm run demo` does (a child process, no flags) and checks every step
 * a user should see: the registry file, the config file, a tool call, an answer, the usage line.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validateConfig } from '@tinyllm/config-builder';
import { parseRegistryFile } from '@tinyllm/registry';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-demo-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

async function runDemo(args: string[]) {
  return run(process.execPath, [demo, ...args], {
    cwd: workDir,
    timeout: 100_000,
  });
}

describe('npm run demo (no flags)', () => {
  let stdout = '';

  it('exits successfully', async () => {
    ({ stdout } = await runDemo([]));
    expect(stdout).toContain('1. registry');
  });

  it('writes a JSON registry holding the tiny model with its provenance', () => {
    const file = parseRegistryFile(
      readFileSync(join(workDir, '.tinyllm/demo/registry.json'), 'utf8'),
    );
    const model = file.models.find((entry) => entry.name === 'tiny-tool-qwen');
    expect(model).toMatchObject({ provider: 'transformers', modelId: 'tiny-tool-qwen' });
    expect(model?.provenance?.trainingMethod).toBe('sft');
    expect(model?.provenance?.trainingDataset).toBeTruthy();
    expect(stdout).toMatch(/registered tiny-tool-qwen: transformers:tiny-tool-qwen · method sft/);
    // The multi-turn headline beside the single-turn metrics (training.json's eval_multiturn).
    expect(stdout).toMatch(/tool_accuracy 1, .*multiturn_turn_accuracy 0\.9\d*/);
    expect(model?.provenance?.evaluation?.['multiturn_follow-up_turn_accuracy']).toBeGreaterThan(0);
  });

  it('writes a training config that validates', () => {
    const config = JSON.parse(
      readFileSync(join(workDir, '.tinyllm/demo/training-config.json'), 'utf8'),
    );
    const result = validateConfig(config);
    expect(result.errors).toEqual([]);
    expect(config.training.lora_r).toBe(16);
    expect(config.tools.map((tool: { name: string }) => tool.name)).toEqual([
      'calculator',
      'convert_units',
      'get_weather',
    ]);
    expect(stdout).toMatch(/2\. config .*valid/);
    expect(stdout).toMatch(/memory estimate [\d.]+ GB/);
  });

  it('streams a tool call, runs the tool and answers', () => {
    expect(stdout).toContain('you> what is 12 times 7?');
    expect(stdout).toMatch(/\[tool call\] calculator\(\{"expression":"12 \* 7"\}\)/);
    expect(stdout).toContain('[tool result] {"result":84}');
    const answer = stdout.split('[tool result] {"result":84}')[1]?.split('\n')[1] ?? '';
    expect(answer).toMatch(/^assistant> .*84/);
    expect(stdout).toMatch(/\[tool call\] get_weather\(\{"city":"Paris"\}\)/);
  });

  it('prints usage with tokens, time to first token and tokens/s for every answer', () => {
    const usageLines = stdout.match(
      /^usage: \d+ in (\(\d+ cached\) )?\+ \d+ out tokens · first token \d+ ms · [\d.]+ tokens\/s · [\d.]+ s$/gm,
    );
    expect(usageLines).toHaveLength(3);
    // The registry's analytics add up what the answers reported, prompt-cache hits included:
    // each tool loop's second request continues from its first one's KV cache.
    let input = 0;
    let cached = 0;
    for (const line of usageLines ?? []) {
      const [, inTokens, cachedTokens] = /^usage: (\d+) in (?:\((\d+) cached\) )?/.exec(line) ?? [];
      input += Number(inTokens);
      cached += Number(cachedTokens ?? 0);
    }
    expect(cached).toBeGreaterThan(0);
    expect(stdout).toMatch(
      new RegExp(
        `registry usage for tiny-tool-qwen: [1-9]\\d* requests, ${input} input tokens \\(${cached} cached\\), `,
      ),
    );
  });

  it('runs again on the same folder, updating the registry entry', async () => {
    const second = await runDemo(['--prompt', 'hello!', '--max-output-tokens', '24']);
    expect(second.stdout).toContain('updated tiny-tool-qwen');
    const file = parseRegistryFile(
      readFileSync(join(workDir, '.tinyllm/demo/registry.json'), 'utf8'),
    );
    expect(file.models.filter((entry) => entry.name === 'tiny-tool-qwen')).toHaveLength(1);
  });
});

describe('npm run demo -- --openai-url … --model …', () => {
  it('registers the server model and streams its answer with usage', async () => {
    const bodies: Array<{ model: string; tools?: Array<{ function: { name: string } }> }> = [];
    const server = createServer(async (request, response) => {
      let text = '';
      for await (const chunk of request) text += chunk;
      bodies.push(JSON.parse(text));
      const chunk = (delta: object, finish: string | null, usage?: object) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        chunk({ role: 'assistant', content: 'Hello from ' }, null) +
          chunk({ content: 'the server.' }, null) +
          chunk({}, 'stop', { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 }) +
          'data: [DONE]\n\n',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const { stdout } = await runDemo([
        '--openai-url',
        url,
        '--model',
        'qwen3-tools',
        '--prompt',
        'hi',
        '--data-dir',
        'server-demo',
      ]);
      expect(stdout).toContain('registered openai-qwen3-tools: openai-compatible:qwen3-tools');
      expect(stdout).toContain('assistant> Hello from the server.');
      expect(stdout).toMatch(/usage: 21 in \+ 5 out tokens/);
      expect(bodies[0]?.model).toBe('qwen3-tools');
      expect(bodies[0]?.tools?.map((tool) => tool.function.name)).toEqual([
        'calculator',
        'convert_units',
        'get_weather',
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
