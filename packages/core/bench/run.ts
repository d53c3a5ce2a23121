/**
 * Runs every `bench/*.bench.ts` file's default export, one after another (so they do not compete
 * for the CPU). `pnpm --filter @tinyllm/core bench [name…]` runs only files whose name contains
 * one of the given words.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const directory = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(directory))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((word) => file.includes(word)))
  .sort();

for (const file of files) {
  const module = (await import(pathToFileURL(join(directory, file)).href)) as {
    default?: () => unknown;
  };
  if (typeof module.default !== 'function') {
    throw new Error(
      `${file} must have a default export: an async function that runs the benchmark`,
    );
  }
  console.log(`\n# ${file}`);
  await module.default();
}
