/**
 * A whole conversation with the shipped tiny model in a real pseudo-terminal, as a
 * person would hold it: a tool call, a follow-up that needs the previous answer, a switch to
 * another tool, another follow-up, and thanks. The CLI keeps the history the tool loop wrote
 * (tool calls and results included), so every turn after the first is answered with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyModelDir } from '@tinyllm/example-tools';
import { type TerminalSession, startTerminalSession } from '@tinyllm/example-tools/testing';
import { createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-chat-cli-conversation-'));
let terminal: TerminalSession;

const usageLines = (text: string) => text.match(/^usage: /gm)?.length ?? 0;

/** Sends one message and returns what the CLI printed for it (up to the next prompt). */
async function say(message: string): Promise<string> {
  const before = usageLines(terminal.screen());
  terminal.type(message);
  terminal.press('Enter');
  // Done when one more usage line is on screen and the prompt is back.
  const pattern = new RegExp(`(?:^usage: [^\\n]*\\n[\\s\\S]*?){${before + 1}}you> $`, 'm');
  const text = await terminal.waitFor(pattern, 90_000);
  const start = text.lastIndexOf(`you> ${message}`);
  return text.slice(start + `you> ${message}`.length);
}

beforeAll(async () => {
  const registryPath = join(workDir, 'registry.json');
  const registry = createRegistry({ storage: createJsonFileStorage({ path: registryPath }) });
  await registry.models.register({
    name: 'tiny-tool-qwen',
    provider: 'transformers',
    baseUrl: dirname(tinyModelDir),
    modelId: 'tiny-tool-qwen',
    maxOutputTokens: 96,
  });
  await registry.close();
  terminal = startTerminalSession(
    process.execPath,
    [cli, '--registry', registryPath, '--model', 'tiny-tool-qwen'],
    { cwd: workDir, columns: 200, rows: 50 },
  );
  await terminal.waitFor(/using tiny-tool-qwen\s+you> $/m, 90_000);
}, 120_000);

afterAll(async () => {
  await terminal?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('a conversation with the tiny model in tinyllm-chat', () => {
  it('answers every turn: tool, follow-up, tool switch, follow-up, thanks', async () => {
    const first = await say('what is 12 times 7?');
    expect(first).toMatch(/\[tool call\] calculator\(\{"expression":"12 \* 7"\}\)/);
    expect(first).toMatch(/assistant> [^\n]*84/);

    // Only makes sense with the history: the model must take 84 from its previous answer.
    const double = await say('double that');
    expect(double).toMatch(/\[tool call\] calculator\(\{"expression":"84 \* 2"\}\)/);
    expect(double).toMatch(/assistant> [^\n]*168/);

    const paris = await say("what's the weather in Paris?");
    expect(paris).toMatch(/\[tool call\] get_weather\(\{"city":"Paris"\}\)/);
    expect(paris).toMatch(/assistant> [^\n]*sunny[^\n]*21/);

    const berlin = await say('and in Berlin?');
    expect(berlin).toMatch(/\[tool call\] get_weather\(\{"city":"Berlin"\}\)/);
    expect(berlin).toMatch(/assistant> [^\n]*cloudy[^\n]*12/);

    const thanks = await say('thanks!');
    expect(thanks).not.toContain('[tool call]');
    expect(thanks).toMatch(/assistant> You're welcome!/);
  });
});
