/**
 * Bundles a TypeScript test fixture into one plain JS file, so child processes start in tens
 * of milliseconds instead of paying tsx's transpilation on every spawn (the kill test spawns
 * hundreds). esbuild is resolved through tsx, which depends on it.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export async function bundleFixture(entry: string, outDirectory: string): Promise<string> {
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'));
  const esbuild = requireFromTsx('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const outfile = join(outDirectory, 'fixture.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    // CommonJS dependencies (proper-lockfile, write-file-atomic) expect these in scope.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        'const require = __createRequire(import.meta.url);',
        'const __filename = __fileURLToPath(import.meta.url);',
        "const __dirname = __filename.replace(/[\\/][^\\/]*$/, '');",
      ].join('\n'),
    },
    // Optional drivers stay outside the bundle; pg's native binding is never used.
    external: ['pg-native', '@electric-sql/pglite', 'pg'],
    logLevel: 'silent',
  });
  return outfile;
}
