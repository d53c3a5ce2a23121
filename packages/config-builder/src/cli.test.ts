import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(packageDirectory, 'dist', 'cli.js');
let directory: string;

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: directory, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  // turbo builds before testing; this covers a bare `vitest run` in a fresh checkout.
  if (!existsSync(cli))
    execFileSync('pnpm', ['run', 'build'], { cwd: packageDirectory, stdio: 'ignore' });
  directory = mkdtempSync(join(tmpdir(), 'tinyllm-config-'));
}, 120_000);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('tinyllm-config CLI (built dist/cli.js)', () => {
  it('templates lists all six', () => {
    const { code, stdout } = run('templates', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).map((template: { id: string }) => template.id)).toEqual([
      'sft_toolbench',
      'sft_pc_building',
      'dpo_basic',
      'teacher_mode',
      'knowledge_dense',
      'hybrid_training',
    ]);
    expect(run('templates').stdout).toContain('dpo_basic');
  });

  it('new --template --set -o writes a valid config with the change applied', () => {
    const { code, stderr } = run(
      'new',
      '--template',
      'sft_toolbench',
      '--set',
      'training.lora_r=16',
      '--set',
      'training.warmup_steps=2',
      '--set',
      'model.name=Qwen/Qwen3-0.6B',
      '-o',
      'my_config.json',
    );
    expect(code).toBe(0);
    expect(stderr).toContain('Wrote my_config.json');
    const config = JSON.parse(readFileSync(join(directory, 'my_config.json'), 'utf8'));
    expect(config.training.lora_r).toBe(16);
    expect(config.training.warmup_steps).toBe(2);
    expect(Object.keys(config).slice(0, 4)).toEqual(['model', 'tokenizer', 'training', 'data']);
    expect(run('validate', 'my_config.json').code).toBe(0);
  });

  it('new prints to stdout without -o, and refuses to write an invalid config', () => {
    const ok = run('new', '--template', 'dpo_basic');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).training.method).toBe('dpo');
    const bad = run(
      'new',
      '--template',
      'dpo_basic',
      '--set',
      'training.batch_size=0',
      '-o',
      'bad.json',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('[TOO_SMALL] training.batch_size must be at least 1');
    expect(existsSync(join(directory, 'bad.json'))).toBe(false);
  });

  it('validate exits 1 on errors with file:line:column, and prints warnings', () => {
    const text =
      '{\n  "model": {"name": "Qwen/Qwen3-0.6B"},\n  "tokenizer": {"name": "Qwen/Qwen3-0.6B"},\n  "training": {"method": "sft", "num_epochs": 1, "learning_rate": 0.0001,\n    "batch_size": 0, "learning_rte": 1},\n  "data": {"strategy": "toolbench"}\n}\n';
    writeFileSync(join(directory, 'invalid.json'), text);
    const { code, stderr } = run('validate', 'invalid.json');
    expect(code).toBe(1);
    expect(stderr).toContain(
      'invalid.json:5:5: error [TOO_SMALL] training.batch_size must be at least 1',
    );
    expect(stderr).toContain('invalid.json:5:22: warning [UNKNOWN_KEY]');
    expect(stderr).toContain('did you mean training.learning_rate');
  });

  it('validate reports malformed JSON with its position', () => {
    writeFileSync(join(directory, 'broken.json'), '{\n  "model": {"name": "x",}\n}');
    const { code, stderr } = run('validate', 'broken.json');
    expect(code).toBe(1);
    expect(stderr).toContain('broken.json:2:24: error [INVALID_JSON]');
  });

  it('validate exits 0 with warnings, and --json gives the result', () => {
    // The README's commands: -o creates the folder it names.
    expect(run('new', '--template', 'sft_toolbench', '-o', 'configs/nested.json').code).toBe(0);
    expect(run('validate', 'configs/nested.json').code).toBe(0);
    run('new', '--template', 'sft_toolbench', '-o', 'toolbench.json');
    const { code, stderr } = run('validate', 'toolbench.json');
    expect(code).toBe(0);
    expect(stderr).toContain('warning [WARMUP_EXCEEDS_TOTAL_STEPS]');
    const json = run('validate', 'toolbench.json', '--json', '--gpu-memory', '80');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      errors: [],
      warnings: [{ code: 'WARMUP_EXCEEDS_TOTAL_STEPS' }],
    });
  });

  it('schema prints the JSON Schema', () => {
    const { code, stdout } = run('schema');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).properties.training.oneOf).toHaveLength(3);
  });

  it('diff shows changed, added and removed fields', () => {
    run('new', '--template', 'sft_toolbench', '-o', 'a.json');
    run(
      'new',
      '--template',
      'sft_toolbench',
      '--set',
      'training.lora_r=16',
      '--set',
      'seed=7',
      '--set',
      'training.optim="adamw_torch"',
      '-o',
      'b.json',
    );
    const { code, stdout } = run('diff', 'a.json', 'b.json');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      '~ training.lora_r: 8 → 16',
      '+ training.optim: "adamw_torch"',
      '~ seed: 42 → 7',
    ]);
    expect(run('diff', 'a.json', 'a.json').stdout.trim()).toBe('No differences.');
  });

  it('memory prints the breakdown', () => {
    run('new', '--template', 'dpo_basic', '-o', 'dpo.json');
    const { code, stdout } = run('memory', 'dpo.json', '--gpu-memory', '12');
    expect(code).toBe(0);
    expect(stdout).toContain('Qwen/Qwen3-0.6B: 596M parameters');
    expect(stdout).toMatch(/total\s+\d+\.\d+ GB \(GPU: 12 GB, fits\)/);
  });

  it('export writes each trainer file, warnings on stderr, stdout by default', () => {
    expect(run('new', '--template', 'dpo_basic', '-o', 'dpo.json').code).toBe(0);
    const axolotl = run('export', '--format', 'axolotl', 'dpo.json');
    expect(axolotl.code).toBe(0);
    expect(axolotl.stdout).toMatch(/^rl: dpo$/m);
    expect(axolotl.stdout).toMatch(/^micro_batch_size: 2$/m);
    expect(axolotl.stderr).toContain(
      'warning [NO_EQUIVALENT] data.strategy has no axolotl equivalent',
    );
    const factory = run('export', '--format', 'llama-factory', 'dpo.json', '--out', 'lf.yaml');
    expect(factory.code).toBe(0);
    expect(factory.stdout).toBe('');
    expect(factory.stderr).toContain('Run: llamafactory-cli train lf.yaml');
    expect(readFileSync(join(directory, 'lf.yaml'), 'utf8')).toMatch(/^pref_beta: 0\.1$/m);
    const trl = run('export', '-f', 'trl', 'dpo.json', '--dataset', 'pairs.jsonl');
    expect(trl.stdout).toContain('DPOConfig(');
    expect(trl.stdout).toContain('data_files="pairs.jsonl"');
    const bad = run('export', '--format', 'unsloth', 'dpo.json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('export needs --format trl|axolotl|llama-factory; got "unsloth"');
  });

  it('usage errors exit 2', () => {
    expect(run('bogus').code).toBe(2);
    expect(run('validate').code).toBe(2);
    expect(run('validate', 'missing.json').stderr).toContain('Cannot read missing.json');
    expect(run('new', '--set', 'no-equals').code).toBe(2);
    expect(run('new', '--template', 'nope').code).toBe(2);
    expect(run('new', '--unknown-flag').code).toBe(2);
    expect(run('--help').code).toBe(0);
  });
});
