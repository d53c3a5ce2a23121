/**
 * The summary measures the package as an app imports it: the built `dist/`, not the sources.
 * Run through tsx, the sources carry its transform (a `__name` wrapper around every function it
 * names), work an app never runs: on the replayed 200-token stream it cost the Ollama adapter
 * 6% of its CPU (0.790 against 0.745 ms). `pnpm bench` at the repository root builds first.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time of the files under `dir` (which must exist). */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

const buildFirst = '`pnpm bench` at the repository root builds first';

/** Throws unless `dist/` of this package and of core (the adapters run on it) is newer than `src/`. */
function checkBuildsAreFresh(): void {
  for (const dir of [packageDir, `${packageDir}../core/`]) {
    let builtAt: number;
    try {
      builtAt = newestIn(`${dir}dist`);
    } catch {
      throw new Error(`${dir}dist is missing: ${buildFirst}`);
    }
    if (newestIn(`${dir}src`) > builtAt)
      throw new Error(`${dir}dist is older than its src/: ${buildFirst}`);
  }
}

let checked = false;

/**
 * Imports `dist/<entry>/index.js`, refusing a build older than `src/` (it would measure code
 * that no longer exists; checked once per process). Typed by the caller as the source module it
 * is built from.
 */
export async function importBuilt<T>(entry: string): Promise<T> {
  if (!checked) {
    checkBuildsAreFresh();
    checked = true;
  }
  return (await import(`${packageDir}dist/${entry}/index.js`)) as T;
}
