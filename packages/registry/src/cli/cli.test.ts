import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../registry';
import { createJsonFileStorage } from '../storage/json-file/index';

const packageDirectory = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const cli = join(packageDirectory, 'dist', 'cli.js');
const pgUrl = process.env.TINYLLM_TEST_PG_URL;
let directory: string;
let hub: Server;
let hubUrl: string;

/** Runs the built bin (asynchronously: the local Hub server lives in this process). */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runWith({}, ...args);
}

function runWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        cwd: directory,
        env: { ...process.env, TINYLLM_REGISTRY: '', HF_ENDPOINT: '', ...env },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  // turbo builds before testing; this covers a bare `vitest run` in a fresh checkout.
  if (!existsSync(cli)) execFileSync('npx', ['tsup'], { cwd: packageDirectory, stdio: 'ignore' });
  directory = mkdtempSync(join(tmpdir(), 'tinyllm-registry-cli-'));
  // A local server speaking the Hub's documented model-info and file shapes.
  hub = createServer((request, response) => {
    const url = request.url ?? '';
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url === '/api/models/acme/tiny-tools') {
      return json(200, {
        id: 'acme/tiny-tools',
        sha: 'abc123',
        pipeline_tag: 'text-generation',
        cardData: { license: 'apache-2.0', base_model: 'Qwen/Qwen2-0.5B' },
        gated: false,
        private: false,
      });
    }
    if (url === '/acme/tiny-tools/resolve/abc123/config.json') {
      return json(200, { max_position_embeddings: 2048, architectures: ['Qwen2ForCausalLM'] });
    }
    json(404, { error: 'Repository not found' });
  });
  await new Promise<void>((done) => hub.listen(0, '127.0.0.1', done));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await new Promise<void>((done) => hub.close(() => done()));
  rmSync(directory, { recursive: true, force: true });
});

const locations = [
  ['a JSON file', () => join(directory, 'registry.json')],
  ...(pgUrl ? [['PostgreSQL', () => pgUrl] as const] : []),
] as const;

describe('tinyllm-registry (built dist/cli.js)', () => {
  it('prints help, and exits 2 on a wrong command', async () => {
    expect((await run('--help')).stdout).toContain('promote <name> <alias>');
    const wrong = await run('frobnicate', '--registry', join(directory, 'x.json'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Unknown command');
  }, 60_000);

  for (const [label, location] of locations) {
    it(`imports, lists, promotes, reports usage and deletes on ${label}`, async () => {
      const registry = location();
      const imported = await run(
        'import',
        'acme/tiny-tools',
        '--hub-url',
        hubUrl,
        '--registry',
        registry,
        '--json',
      );
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      const model = JSON.parse(imported.stdout);
      expect(model).toMatchObject({
        name: 'tiny-tools',
        contextLength: 2048,
        provider: 'huggingface',
      });
      // The Hub URL from HF_ENDPOINT, the Hugging Face libraries' variable for a mirror.
      const again = JSON.parse(
        (
          await runWith(
            { HF_ENDPOINT: hubUrl },
            'import',
            'acme/tiny-tools',
            '--registry',
            registry,
            '--json',
          )
        ).stdout,
      );
      expect(again.name).toBe('tiny-tools-v2');

      const listed = JSON.parse((await run('list', '--registry', registry, '--json')).stdout);
      expect(listed.map((entry: { name: string }) => entry.name)).toEqual([
        'tiny-tools',
        'tiny-tools-v2',
      ]);
      expect((await run('list', '--registry', registry)).stdout).toContain(
        'tiny-tools-v2\thuggingface',
      );

      // candidate → production, the promotion workflow.
      expect(
        (
          await run(
            'promote',
            'tiny-tools',
            'candidate',
            '--model',
            'tiny-tools-v2',
            '--registry',
            registry,
          )
        ).code,
      ).toBe(0);
      const promoted = await run('promote', 'tiny-tools', 'production', '--registry', registry);
      expect(promoted.stdout).toContain('tiny-tools@production → tiny-tools-v2');
      const info = JSON.parse(
        (await run('info', 'tiny-tools@production', '--registry', registry, '--json')).stdout,
      );
      expect(info.model.id).toBe(again.id);
      expect(info.aliases.sort()).toEqual(['tiny-tools@candidate', 'tiny-tools@production']);

      // Usage recorded by an app shows up in the CLI, as stats and as a series.
      if (registry.endsWith('.json')) {
        const app = createRegistry({ storage: createJsonFileStorage({ path: registry }) });
        await app.usage.record('tiny-tools@production', {
          requestId: 'r1',
          provider: 'huggingface',
          modelId: 'acme/tiny-tools',
          startedAt: new Date().toISOString(),
          totalMs: 250,
          inputTokens: 12,
          cachedInputTokens: 8,
          outputTokens: 25,
          estimated: false,
          streamed: true,
        });
        await app.close();
        const stats = JSON.parse(
          (await run('usage', 'tiny-tools@production', '--registry', registry, '--json')).stdout,
        );
        expect(stats).toMatchObject({
          requests: 1,
          tokens: { input: 12, cachedInput: 8, output: 25 },
        });
        const series = JSON.parse(
          (
            await run(
              'usage',
              'tiny-tools-v2',
              '--bucket',
              'hour',
              '--registry',
              registry,
              '--json',
            )
          ).stdout,
        );
        expect(
          series.models[0].points.reduce(
            (sum: number, point: { requests: number }) => sum + point.requests,
            0,
          ),
        ).toBe(1);
        expect((await run('usage', 'tiny-tools-v2', '--registry', registry)).stdout).toContain(
          'requests 1, errors 0, tokens 12 in (8 cached) / 25 out',
        );

        // Before a promotion: production against a fine-tuned candidate, side by side.
        const trainer = createRegistry({ storage: createJsonFileStorage({ path: registry }) });
        await trainer.models.register({
          name: 'tiny-tools-ft',
          provider: 'transformers',
          modelId: 'tiny-tools-ft',
          provenance: { evaluation: { tool_accuracy: 1, multiturn_turn_accuracy: 0.9473 } },
        });
        await trainer.close();
        const compared = await run(
          'compare',
          'tiny-tools@production',
          'tiny-tools-ft',
          '--registry',
          registry,
        );
        expect(compared.code).toBe(0);
        const rows = compared.stdout.trimEnd().split('\n');
        expect(rows[0]).toBe('\ttiny-tools-v2\ttiny-tools-ft');
        expect(rows).toContain('tool_accuracy\t-\t1');
        expect(rows).toContain('multiturn_turn_accuracy\t-\t0.947');
        expect(rows).toContain('usage: requests\t1\t0');
        expect(rows).toContain('usage: cached input tokens\t8\t0');
        const comparedJson = JSON.parse(
          (await run('compare', 'tiny-tools-v2', 'tiny-tools-ft', '--registry', registry, '--json'))
            .stdout,
        );
        expect(comparedJson.models[1]).toMatchObject({
          name: 'tiny-tools-ft',
          evaluation: { multiturn_turn_accuracy: 0.9473 },
          usage: { requests: 0 },
        });
        const one = await run('compare', 'tiny-tools-ft', '--registry', registry);
        expect(one.code).toBe(2);
        expect(one.stderr).toContain('compare takes two models or more.');
        expect((await run('delete', 'tiny-tools-ft', '--registry', registry)).code).toBe(0);
      }

      const missing = await run('info', 'nope', '--registry', registry);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('NOT_FOUND');
      expect((await run('delete', 'tiny-tools', '--registry', registry)).code).toBe(0);
      const remaining = JSON.parse((await run('list', '--registry', registry, '--json')).stdout);
      expect(remaining.map((entry: { name: string }) => entry.name)).toEqual(['tiny-tools-v2']);
      const notOnHub = await run(
        'import',
        'acme/missing',
        '--hub-url',
        hubUrl,
        '--registry',
        registry,
      );
      expect(notOnHub.code).toBe(1);
      expect(notOnHub.stderr).toContain('MODEL_NOT_FOUND');
    }, 240_000);
  }
});
