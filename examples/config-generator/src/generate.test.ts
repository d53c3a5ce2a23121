import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { templateIds, validateConfig } from '@tinyllm/config-builder';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultSweep,
  formatLearningRate,
  formatReport,
  generateSweep,
  generateTemplates,
} from './generate';

const folders: string[] = [];
function freshFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tinyllm-configs-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('generateTemplates', () => {
  it('writes all six templates, each of which validates when read back', () => {
    const outDir = freshFolder();
    const results = generateTemplates(outDir);
    expect(results.map((result) => result.template)).toEqual([...templateIds]);
    expect(readdirSync(join(outDir, 'templates')).sort()).toEqual(
      templateIds.map((id) => `${id}.json`).sort(),
    );
    for (const result of results) {
      expect(result.written).toBe(true);
      expect(validateConfig(readJson(join(outDir, result.file))).errors).toEqual([]);
      expect(result.memory?.totalGb).toBeGreaterThan(0);
    }
  });
});

describe('generateSweep', () => {
  it('writes one valid config per (r, learning rate) pair with those values', () => {
    const outDir = freshFolder();
    const results = generateSweep(outDir);
    expect(results).toHaveLength(defaultSweep.loraR.length * defaultSweep.learningRate.length);
    for (const result of results) {
      const config = readJson(join(outDir, result.file));
      expect(validateConfig(config).valid).toBe(true);
      const [, r, lr] = /^sweep\/r(\d+)-lr(.+)\.json$/.exec(result.file) ?? [];
      expect(config.training.lora_r).toBe(Number(r));
      expect(config.training.lora_alpha).toBe(2 * Number(r));
      expect(config.training.learning_rate).toBe(Number(lr));
    }
  });

  it('estimates more trainable parameters and memory for larger LoRA ranks', () => {
    const results = generateSweep(freshFolder(), {
      template: 'sft_toolbench',
      loraR: [8, 64],
      learningRate: [1e-4],
    });
    const [small, large] = results.map((result) => result.memory!);
    expect(large!.trainableParameters).toBeGreaterThan(small!.trainableParameters);
    expect(large!.totalGb).toBeGreaterThan(small!.totalGb);
  });

  it('reports an invalid point of the grid and does not write it', () => {
    const outDir = freshFolder();
    const [result] = generateSweep(outDir, {
      template: 'sft_toolbench',
      loraR: [8],
      learningRate: [-1],
    });
    expect(result?.valid).toBe(false);
    expect(result?.written).toBe(false);
    expect(result?.errors.map((issue) => issue.path)).toContain('training.learning_rate');
    expect(existsSync(join(outDir, result!.file))).toBe(false);
    expect(formatReport([result!])).toContain('INVALID: training.learning_rate');
  });
});

describe('formatLearningRate', () => {
  it('gives short file-name-safe learning rates', () => {
    expect(formatLearningRate(1e-4)).toBe('1e-4');
    expect(formatLearningRate(0.0002)).toBe('2e-4');
    expect(formatLearningRate(5e-5)).toBe('5e-5');
    expect(formatLearningRate(2.5e-5)).toBe('2.5e-5');
  });
});

describe('the built command', () => {
  it('prints every config with its memory estimate', async () => {
    const outDir = freshFolder();
    const cli = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [cli, outDir]);
    for (const id of templateIds)
      expect(stdout).toMatch(new RegExp(`templates/${id}\\.json +[\\d.]+ GB`));
    expect(stdout.match(/^sweep\/r\d+-lr[\de.-]+\.json +[\d.]+ GB/gm)).toHaveLength(9);
    expect(stdout).not.toContain('INVALID');
  });
});
