/**
 * Drives the built CLI as a person would, in a real pseudo-terminal (node-pty, screen kept by
 * xterm's headless terminal): pick a model, ask, see the tool call and the answer, use the
 * commands, stop a long reply with Ctrl-C and go on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyModelDir } from '@tinyllm/example-tools';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeOpenAIServer,
  type TerminalSession,
  startFakeOpenAIServer,
  startTerminalSession,
} from '@tinyllm/example-tools/testing';

const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-chat-cli-'));
let terminal: TerminalSession;
const screen = () => terminal.screen();
const type = (text: string) => terminal.type(text);
const press = (...keys: string[]) => terminal.press(...keys);
const waitFor = (pattern: RegExp, timeoutMs?: number) => terminal.waitFor(pattern, timeoutMs);

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  const registryPath = join(workDir, 'registry.json');
  const registry = createRegistry({ storage: createJsonFileStorage({ path: registryPath }) });
  await registry.models.register({
    name: 'tiny-tool-qwen',
    provider: 'transformers',
    baseUrl: dirname(tinyModelDir),
    modelId: 'tiny-tool-qwen',
    maxOutputTokens: 96,
  });
  await registry.models.register({
    name: 'slow-server',
    provider: 'openai-compatible',
    baseUrl: server.url,
    modelId: 'slow',
    supportsFunctions: false,
  });
  await registry.close();
  terminal = startTerminalSession(process.execPath, [cli, '--registry', registryPath], {
    cwd: workDir,
    columns: 200,
    rows: 50,
  });
});

afterAll(async () => {
  await terminal?.close();
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('tinyllm-chat in a terminal', () => {
  it('lists the registry models and loads the chosen one with a progress bar', async () => {
    await waitFor(/pick a model \[1-2, default 1\]:/);
    expect(screen()).toMatch(/1\. slow-server {2}\(openai-compatible: slow\)/);
    expect(screen()).toMatch(/2\. tiny-tool-qwen {2}\(transformers: tiny-tool-qwen\)/);
    type('tiny-tool-qwen');
    press('Enter');
    const text = await waitFor(/using tiny-tool-qwen\s+you> /);
    expect(text).toMatch(/\[#{24}\] 100%/);
  });

  it('streams a reply with the tool call, the tool result, the answer and the usage', async () => {
    type('what is 12 times 7?');
    press('Enter');
    const text = await waitFor(/tokens\/s · [\d.]+ s\s+you> $/m);
    expect(text).toMatch(/\[tool call\] calculator\(\{"expression":"12 \* 7"\}\)/);
    expect(text).toContain('[tool result] {"result":84}');
    expect(text).toMatch(/assistant> [^\n]*84/);
    expect(text).toMatch(/usage: \d+ in (\(\d+ cached\) )?\+ \d+ out tokens · first token \d+ ms/);
  });

  it('/tools lists the tools and /model marks the current model', async () => {
    type('/tools');
    press('Enter');
    await waitFor(/get_weather: .+\n.*you> $/m);
    type('/model');
    press('Enter');
    const text = await waitFor(/ {2}1\. slow-server.*\n\* 2\. tiny-tool-qwen.*\n.*you> $/m);
    expect(text).toContain('convert_units: ');
  });

  it('Ctrl-C stops a long reply (the server sees the request closed) but not the program', async () => {
    type('/model slow-server');
    press('Enter');
    await waitFor(/using slow-server\s+you> $/m);
    type('tell me a long story');
    press('Enter');
    await waitFor(/word3 /);
    press('C-c');
    await waitFor(/\(stopped\)\s+you> $/m);
    await until(() => server.requests.at(-1)?.closedEarly === true, 'the server saw the close');
    const sent = server.requests.at(-1)!.chunksSent;
    // The server stopped streaming: no more words arrive after the abort.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests.at(-1)!.chunksSent).toBe(sent);
    expect(sent).toBeLessThan(1200);

    type('/usage');
    press('Enter');
    await waitFor(/session: 1 replies \(1 stopped\), \d+ in \+ \d+ out tokens/);
  });

  it('/clear starts a new conversation, /exit quits', async () => {
    type('/clear');
    press('Enter');
    await waitFor(/conversation cleared\s+you> $/m);
    type('/exit');
    press('Enter');
    expect(await terminal.exited).toBe(0);
  });
});
