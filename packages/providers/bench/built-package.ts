/**
 * The summary measures the package as an app imports it: the built `dist/`, not the sources.
 * Run through tsx, the sources carry its transform (a `__name` wrapper around every function it
 * names), work an app never runs: on the replayed 200-token stream it cost the Ollama adapter
 * 6% of its CPU (0.790 against 0.745 ms). `pnpm bench` at the repository root builds first.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/**
 * Imports `dist/<entry>/index.js`, refusing a build older than `src/` (it would measure code
 * that no longer exists). Typed by the caller as the source module it is built from.
 */
export async function importBuilt<T>(entry: string): Promise<T> {
  const file = `${packageDir}dist/${entry}/index.js`;
  let builtAt: number;
  try {
    builtAt = statSync(file).mtimeMs;
  } catch {
    throw new Error(`${file} is missing: build first (\`pnpm bench\` at the repository root does)`);
  }
  // The adapters run on core's build too.
  const coreBuiltAt = newestIn(`${packageDir}../core/dist`);
  if (newestIn(`${packageDir}src`) > builtAt || newestIn(`${packageDir}../core/src`) > coreBuiltAt)
    throw new Error(
      `${file} or core's dist/ is older than its src/: build first (\`pnpm bench\` at the repository root does)`,
    );
  return (await import(file)) as T;
}
