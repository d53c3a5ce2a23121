/**
 * Runs every `bench/*.bench.ts` file's default export, in name order (or only the files whose
 * names contain one of the command-line arguments: `pnpm bench ollama`).
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

// One failing benchmark (e.g. a missing local model) must not hide the others' figures.
const failures: string[] = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as {
      default?: () => Promise<void>;
    };
    if (typeof module.default !== 'function') {
      console.log(`(skipped: ${file} has no default export function)`);
      continue;
    }
    await module.default();
  } catch (error) {
    failures.push(file);
    console.error(`${file} failed:`, error);
  }
}
if (failures.length > 0) {
  console.error(`\nFailed benchmarks: ${failures.join(', ')}`);
  process.exitCode = 1;
}
